package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// trailEvent builds the CloudTrail record of a finished request. Request
// parameters and response elements are rendered by the model-aware audit
// encoder, which replaces every member the model marks sensitive.
//
// The event comes from audit.NewEvent, which recycles events the recorder
// is done with, so it is filled in field by field and the documents are
// appended to the buffers it may bring.
func (s *Server) trailEvent(r *http.Request, x *exchange) *audit.Event {
	op := x.op
	ev := audit.NewEvent()
	ev.UserIdentity = audit.UserIdentityFor(x.principal)
	ev.EventTime = x.start
	ev.EventSource = op.Service.EventSource
	ev.EventName = op.Name
	ev.AWSRegion = x.region
	if x.call != nil {
		// Already worked out from r for the call.
		ev.SourceIPAddress, ev.UserAgent = x.call.SourceIP, x.call.UserAgent
	} else {
		ev.SourceIPAddress, ev.UserAgent = sourceIP(r), r.UserAgent()
	}
	ev.RequestID = x.requestID
	ev.ReadOnly = op.ReadOnly
	ev.EventType = audit.EventTypeAPICall
	ev.EventCategory = audit.CategoryManagement
	if x.principal != nil {
		ev.RecipientAccountID = x.principal.AccountID
	}
	if ev.RecipientAccountID == "" {
		// A key nobody owns: the management account, whose operators run
		// this node, sees the attempt.
		ev.RecipientAccountID = s.cfg.ManagementAccountID
		if ev.UserIdentity.AccessKeyID == "" {
			ev.UserIdentity.AccessKeyID = audit.SanitizeAccessKeyID(x.keyID)
		}
	}
	// The audit encoder knows every member name it writes, so it can tell
	// the recorder when a document needs no second redaction scan.
	var reqClean, respClean bool
	if x.input != nil {
		ev.RequestParameters, reqClean = protocol.AuditJSONChecked(ev.RequestParameters[:0], x.input, audit.IsSecretName)
		if string(ev.RequestParameters) == "{}" {
			// CloudTrail writes null for calls without parameters.
			ev.RequestParameters = nil
		}
	}
	if x.err != nil {
		ev.ErrorCode = x.err.Code
		ev.ErrorMessage = x.err.Message
	} else if x.output != nil && !op.ReadOnly {
		ev.ResponseElements, respClean = protocol.AuditJSONChecked(ev.ResponseElements[:0], x.output, audit.IsSecretName)
	}
	ev.MarkDocsClean(reqClean, respClean)
	if x.call != nil {
		for _, res := range x.call.Resources() {
			ev.Resources = append(ev.Resources, audit.Resource{ARN: res.ARN, AccountID: res.AccountID, Type: res.Type})
		}
	}
	if x.call != nil && len(x.call.EventData()) > 0 {
		ev.AdditionalEventData = eventData(x.call.EventData())
	}
	if r.TLS != nil {
		ev.TLSDetails = audit.TLSDetailsFor(r.TLS, r.Host)
	}
	return ev
}

// eventData renders a call's additionalEventData entries as one JSON
// object, keys in the order they were recorded. An entry whose value does
// not encode is left out.
func eventData(data []call.EventDatum) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, d := range data {
		key, err := json.Marshal(d.Key)
		if err != nil {
			continue
		}
		val, err := json.Marshal(d.Value)
		if err != nil {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
		n++
	}
	b.WriteByte('}')
	return b.Bytes()
}
