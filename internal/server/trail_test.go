package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/model"
	iamapi "github.com/gatehouse/gatehouse/internal/model/iam"
	kmsapi "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store"
)

// fillShape sets every member of v, at any depth up to a bound, to a
// present value: strings "x", numbers, a time, one-element lists, and maps
// (and free-form documents) with the single key key.
func fillShape(v reflect.Value, depth int, key string) {
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillShape(p.Elem(), depth+1, key)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				fillShape(f, depth+1, key)
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(2)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte("blob"))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillShape(s.Index(0), depth+1, key)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		k.SetString(key)
		e := reflect.New(v.Type().Elem()).Elem()
		fillShape(e, depth+1, key)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{key: "v"}))
	}
}

// TestCleanAuditDocumentsNeedNoRedaction checks, over the input and output
// shapes of every operation of every model, what lets the recorder skip its
// redaction scan of a document trailEvent marks clean: the document is
// valid JSON and RedactJSON would leave it exactly as it is. Shapes are
// filled in full, with map and document keys both ordinary and secret.
func TestCleanAuditDocumentsNeedNoRedaction(t *testing.T) {
	var clean, unclean int
	for _, svc := range model.All() {
		for _, op := range svc.Operations {
			for _, newShape := range []func() any{op.NewInput, op.NewOutput} {
				if newShape == nil {
					continue
				}
				for _, key := range []string{"k", "Password", "secretAccessKey"} {
					v := newShape()
					if v == nil {
						continue
					}
					fillShape(reflect.ValueOf(v).Elem(), 0, key)
					doc, ok := protocol.AuditJSONChecked(nil, v, audit.IsSecretName)
					if want := protocol.AuditJSON(nil, v); !bytes.Equal(doc, want) {
						t.Fatalf("%s %s: AuditJSONChecked wrote\n%s\nAuditJSON\n%s", svc.ID, op.Name, doc, want)
					}
					if !ok {
						unclean++
						continue
					}
					clean++
					if !json.Valid(doc) {
						t.Errorf("%s %s: clean document is not valid JSON: %s", svc.ID, op.Name, doc)
					}
					if red, changed := audit.RedactJSON(doc); changed || !bytes.Equal(red, doc) {
						t.Errorf("%s %s: document marked clean is redacted:\n%s\n%s", svc.ID, op.Name, doc, red)
					}
					if key != "k" && reflect.ValueOf(v).Elem().NumField() > 0 && bytes.Contains(doc, []byte(`"`+key+`":`)) {
						t.Errorf("%s %s: document with a secret key marked clean: %s", svc.ID, op.Name, doc)
					}
				}
			}
		}
	}
	if clean < 100 || unclean < 100 {
		t.Errorf("%d clean and %d unclean documents: the test exercises too little", clean, unclean)
	}
}

// captureStore keeps copies of the records written.
type captureStore struct {
	store.Store
	mu   sync.Mutex
	recs []store.EventRecord
}

func (c *captureStore) AppendEvents(_ context.Context, recs []store.EventRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		r.JSON = slices.Clone(r.JSON)
		c.recs = append(c.recs, r)
	}
	return nil
}

// TestTrailRecordsUnchangedByCleanMark: the record of an event trailEvent
// built is the same as that of an unmarked copy, which the recorder scans
// and redacts as it always did. Cases: a KMS Encrypt, an IAM call with a
// sensitive secret-named member (not clean: the recorder's RedactJSON
// rewrites it, as before), and a secret-named encryption context key.
func TestTrailRecordsUnchangedByCleanMark(t *testing.T) {
	s := &Server{}
	r, kmsX := kmsEncryptExchange(t)

	loginX := *kmsX
	loginX.op = iamapi.Service.Operations["CreateLoginProfile"]
	pw, user := "hunter2", "bob"
	loginX.input = &iamapi.CreateLoginProfileInput{UserName: &user, Password: &pw}
	loginX.output = &iamapi.CreateLoginProfileOutput{LoginProfile: &iamapi.LoginProfile{UserName: &user, CreateDate: &kmsX.start}}

	secretKeyX := *kmsX
	keyID := "k"
	secretKeyX.input = &kmsapi.EncryptInput{KeyId: &keyID, EncryptionContext: map[string]string{"Password": "hunter2"}}

	for _, x := range []*exchange{kmsX, &loginX, &secretKeyX} {
		st := &captureStore{}
		rec := audit.NewRecorder(st, nil, audit.Options{Logger: slog.New(slog.DiscardHandler)})
		marked := s.trailEvent(r, x)
		marked.EventID = "01a21f8c-3b74-7cca-91ee-d06be48d2bb4"
		plain := new(audit.Event)
		*plain = *marked
		// Fresh slices: the mark does not cover them.
		plain.RequestParameters = slices.Clone(marked.RequestParameters)
		plain.ResponseElements = slices.Clone(marked.ResponseElements)
		rec.Record(plain)
		rec.Record(marked)
		if err := rec.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(st.recs) != 2 {
			t.Fatalf("%d records", len(st.recs))
		}
		if a, b := st.recs[0].JSON, st.recs[1].JSON; !bytes.Equal(a, b) {
			t.Errorf("%s: marked record differs:\n%s\n%s", x.op.Name, b, a)
		}
		if bytes.Contains(st.recs[1].JSON, []byte("hunter2")) {
			t.Errorf("%s: record leaks the password: %s", x.op.Name, st.recs[1].JSON)
		}
	}
}
