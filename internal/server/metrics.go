package server

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/protocol"
)

// Outcomes of a request, the outcome label of gatehouse_requests_total.
const (
	outcomeSuccess        = "success"
	outcomeClientError    = "client_error"
	outcomeServerError    = "server_error"
	outcomeAuthFailure    = "auth_failure"
	outcomeDenied         = "denied"
	outcomeNotImplemented = "not_implemented"
	outcomePanic          = "panic"
)

// metrics are the server's Prometheus series. Children are resolved once
// per (operation, outcome) and cached, so the request path does one map
// load instead of hashing label values.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	panics   prometheus.Counter

	counters   sync.Map // counterKey -> prometheus.Counter
	histograms sync.Map // *protocol.Operation -> prometheus.Observer
}

type counterKey struct {
	op      *protocol.Operation
	outcome string
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_requests_total",
			Help: "API requests by service, operation and outcome.",
		}, []string{"service", "operation", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_request_duration_seconds",
			Help:    "Server-side latency of API requests, from the first byte read to the response written.",
			Buckets: []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}, []string{"service", "operation"}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_handler_panics_total",
			Help: "Recovered panics while serving a request; each one is a bug.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.panics,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// observe counts a finished request. op is nil for unroutable requests.
func (m *metrics) observe(op *protocol.Operation, outcome string, elapsed time.Duration) {
	key := counterKey{op, outcome}
	c, ok := m.counters.Load(key)
	if !ok {
		service, operation := "unknown", "unknown"
		if op != nil {
			service, operation = op.Service.ID, op.Name
		}
		c, _ = m.counters.LoadOrStore(key, m.requests.WithLabelValues(service, operation, outcome))
	}
	c.(prometheus.Counter).Inc()
	if op == nil {
		return
	}
	h, ok := m.histograms.Load(op)
	if !ok {
		h, _ = m.histograms.LoadOrStore(op, m.latency.WithLabelValues(op.Service.ID, op.Name))
	}
	h.(prometheus.Observer).Observe(elapsed.Seconds())
}
