package server

import (
	"encoding/json"
	"net/http"
	"sort"
)

// serveHealth answers GET /_gatehouse/health with the node's status and the
// services it routes.
func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	services := make([]string, 0, len(s.deps.Services))
	for _, svc := range s.deps.Services {
		services = append(services, svc.ID)
	}
	sort.Strings(services)
	body, _ := json.Marshal(struct {
		Status   string   `json:"status"`
		Dev      bool     `json:"dev"`
		Services []string `json:"services"`
	}{"ok", s.cfg.Dev, services})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// serveReset wipes all state (dev mode only), as moto's reset endpoint does,
// so test suites written for moto_server can reset gatehouse between tests.
func (s *Server) serveReset(w http.ResponseWriter, r *http.Request) {
	if s.deps.Reset == nil {
		http.Error(w, "reset is not available", http.StatusNotImplemented)
		return
	}
	s.resetting.Lock()
	err := s.deps.Reset(r.Context())
	s.resetting.Unlock()
	if err != nil {
		s.log.Error("reset failed", "error", err)
		http.Error(w, "reset failed; see the server log", http.StatusInternalServerError)
		return
	}
	s.log.Warn("dev mode: all state was reset by POST /moto-api/reset", "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}
