package model_test

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/model/artifact"
	"github.com/gatehouse/gatehouse/internal/model/cloudtrail"
	"github.com/gatehouse/gatehouse/internal/model/elbv2"
	"github.com/gatehouse/gatehouse/internal/model/guardduty"
	"github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/model/inspector2"
	"github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/model/shield"
	"github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/model/wafv2"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// errorCodes are the ErrorCodes tables of the model packages, by service ID.
var errorCodes = map[string]map[string]int{
	"iam": iam.ErrorCodes, "sts": sts.ErrorCodes, "organizations": organizations.ErrorCodes,
	"kms": kms.ErrorCodes, "wafv2": wafv2.ErrorCodes, "shield": shield.ErrorCodes,
	"guardduty": guardduty.ErrorCodes, "inspector2": inspector2.ErrorCodes,
	"artifact": artifact.ErrorCodes, "cloudtrail": cloudtrail.ErrorCodes, "elbv2": elbv2.ErrorCodes,
}

// spec is the part of a stored botocore model the tests compare against.
type spec struct {
	Metadata struct {
		Protocol     string `json:"protocol"`
		TargetPrefix string `json:"targetPrefix"`
	} `json:"metadata"`
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Input *struct {
			Shape string `json:"shape"`
		} `json:"input"`
		Output *struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]struct {
		Members map[string]struct {
			LocationName string `json:"locationName"`
		} `json:"members"`
	} `json:"shapes"`
}

// loadSpec reads specs/<id>.json.gz.
func loadSpec(t *testing.T, id string) *spec {
	t.Helper()
	f, err := os.Open(filepath.Join("specs", id+".json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	s := new(spec)
	if err := json.NewDecoder(zr).Decode(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// wireNames returns the aws tags of the fields of the struct v points to.
func wireNames(v any) map[string]bool {
	names := map[string]bool{}
	rt := reflect.TypeOf(v).Elem()
	for i := range rt.NumField() {
		names[rt.Field(i).Tag.Get("aws")] = true
	}
	return names
}

// checkShape verifies that v, from NewInput or NewOutput, is a fresh pointer
// to a struct of the service's package whose fields are the shape's members.
func checkShape(t *testing.T, svc *protocol.Service, op string, newShape func() any, sp *spec, shape string) {
	t.Helper()
	v := newShape()
	rt := reflect.TypeOf(v)
	if rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
		t.Errorf("%s %s: allocates %v, want a pointer to a struct", svc.ID, op, rt)
		return
	}
	if got, want := rt.Elem().PkgPath(), "github.com/gatehouse/gatehouse/internal/model/"+svc.ID; got != want {
		t.Errorf("%s %s: allocates %v of package %s", svc.ID, op, rt, got)
	}
	// Zero-size structs all live at one address; others must be fresh.
	if rt.Elem().Size() > 0 && reflect.ValueOf(v).Pointer() == reflect.ValueOf(newShape()).Pointer() {
		t.Errorf("%s %s: allocator returns the same value twice", svc.ID, op)
	}
	want := map[string]bool{}
	for name, m := range sp.Shapes[shape].Members {
		if m.LocationName != "" {
			name = m.LocationName
		}
		want[name] = true
	}
	if got := wireNames(v); !reflect.DeepEqual(got, want) {
		t.Errorf("%s %s: %v has fields %v, shape %s has members %v", svc.ID, op, rt, got, shape, want)
	}
}

func TestServices(t *testing.T) {
	all := model.All()
	if len(all) != len(errorCodes) {
		t.Fatalf("All returns %d services, want %d", len(all), len(errorCodes))
	}
	for _, svc := range all {
		t.Run(svc.ID, func(t *testing.T) {
			sp := loadSpec(t, svc.ID)
			if string(svc.Protocol) != sp.Metadata.Protocol {
				t.Errorf("protocol %q, model says %q", svc.Protocol, sp.Metadata.Protocol)
			}
			if len(svc.Operations) != len(sp.Operations) {
				t.Errorf("%d operations, model has %d", len(svc.Operations), len(sp.Operations))
			}
			switch svc.Protocol {
			case protocol.JSON:
				if svc.TargetPrefix == "" || svc.TargetPrefix != sp.Metadata.TargetPrefix || svc.JSONVersion == "" {
					t.Errorf("TargetPrefix %q JSONVersion %q", svc.TargetPrefix, svc.JSONVersion)
				}
			case protocol.Query:
				if svc.XMLNamespace == "" {
					t.Error("no XMLNamespace")
				}
			}
			if svc.SigningName == "" || svc.EventSource != svc.EndpointPrefix+".amazonaws.com" || svc.ValidationErrorCode == "" {
				t.Errorf("SigningName %q EventSource %q ValidationErrorCode %q", svc.SigningName, svc.EventSource, svc.ValidationErrorCode)
			}
			codes := errorCodes[svc.ID]
			for name, op := range svc.Operations {
				mop, ok := sp.Operations[name]
				if !ok {
					t.Errorf("%s: not in the model", name)
					continue
				}
				if op.Name != name || op.Service != svc {
					t.Errorf("%s: Name %q, Service %p want %p", name, op.Name, op.Service, svc)
				}
				if op.HTTPMethod != mop.HTTP.Method || op.RequestURI != mop.HTTP.RequestURI || op.HTTPMethod == "" || op.RequestURI == "" {
					t.Errorf("%s: %s %s, model says %s %s", name, op.HTTPMethod, op.RequestURI, mop.HTTP.Method, mop.HTTP.RequestURI)
				}
				if op.ResponseCode < 200 || op.ResponseCode > 299 {
					t.Errorf("%s: ResponseCode %d", name, op.ResponseCode)
				}
				if (op.NewInput != nil) != (mop.Input != nil) || (op.NewOutput != nil) != (mop.Output != nil) {
					t.Errorf("%s: NewInput/NewOutput do not follow the model's input/output", name)
				}
				if op.NewInput != nil && mop.Input != nil {
					checkShape(t, svc, name, op.NewInput, sp, mop.Input.Shape)
				}
				if op.NewOutput != nil && mop.Output != nil {
					checkShape(t, svc, name, op.NewOutput, sp, mop.Output.Shape)
					if svc.Protocol == protocol.Query && op.ResultWrapper != mop.Output.ResultWrapper {
						t.Errorf("%s: ResultWrapper %q, model says %q", name, op.ResultWrapper, mop.Output.ResultWrapper)
					}
				}
				for _, code := range op.Errors {
					if _, ok := codes[code]; !ok {
						t.Errorf("%s: error %s is not in ErrorCodes", name, code)
					}
				}
			}
		})
	}
}
