package model_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/model/guardduty"
	"github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/model/wafv2"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// fieldOf returns the field called name of the struct v points to.
func fieldOf(t *testing.T, v any, name string) reflect.StructField {
	t.Helper()
	f, ok := reflect.TypeOf(v).Elem().FieldByName(name)
	if !ok {
		t.Fatalf("%T has no field %s", v, name)
	}
	return f
}

// checkTags verifies the given tag values of a field.
func checkTags(t *testing.T, f reflect.StructField, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := f.Tag.Get(k); got != v {
			t.Errorf("field %s: tag %s = %q, want %q", f.Name, k, got, v)
		}
	}
}

func TestServiceMetadata(t *testing.T) {
	sources := map[string]string{
		"iam": "iam.amazonaws.com", "sts": "sts.amazonaws.com", "kms": "kms.amazonaws.com",
		"organizations": "organizations.amazonaws.com", "wafv2": "wafv2.amazonaws.com",
		"shield": "shield.amazonaws.com", "guardduty": "guardduty.amazonaws.com",
		"inspector2": "inspector2.amazonaws.com", "artifact": "artifact.amazonaws.com",
		"cloudtrail": "cloudtrail.amazonaws.com", "elbv2": "elasticloadbalancing.amazonaws.com",
	}
	global := map[string]bool{"iam": true, "organizations": true, "shield": true}
	validation := map[string]string{
		"iam": "ValidationError", "sts": "ValidationError", "elbv2": "ValidationError",
		"kms": "ValidationException", "guardduty": "BadRequestException", "inspector2": "ValidationException",
	}
	for _, svc := range model.All() {
		if svc.EventSource != sources[svc.ID] {
			t.Errorf("%s: EventSource %q, want %q", svc.ID, svc.EventSource, sources[svc.ID])
		}
		if svc.GlobalEndpoint != global[svc.ID] {
			t.Errorf("%s: GlobalEndpoint %v", svc.ID, svc.GlobalEndpoint)
		}
		if want, ok := validation[svc.ID]; ok && svc.ValidationErrorCode != want {
			t.Errorf("%s: ValidationErrorCode %q, want %q", svc.ID, svc.ValidationErrorCode, want)
		}
	}
	if elbv2 := model.All()[10]; elbv2.SigningName != "elasticloadbalancing" || elbv2.XMLNamespace == "" {
		t.Errorf("elbv2: SigningName %q XMLNamespace %q", elbv2.SigningName, elbv2.XMLNamespace)
	}
	if kms.Service.TargetPrefix != "TrentService" || kms.Service.JSONVersion != "1.1" {
		t.Errorf("kms: TargetPrefix %q JSONVersion %q", kms.Service.TargetPrefix, kms.Service.JSONVersion)
	}
}

func TestSTS(t *testing.T) {
	ops := sts.Service.Operations
	if got := ops["GetCallerIdentity"].ResultWrapper; got != "GetCallerIdentityResult" {
		t.Errorf("GetCallerIdentity ResultWrapper %q", got)
	}
	for name, want := range map[string]bool{"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true, "AssumeRole": false, "GetCallerIdentity": false} {
		if ops[name].Unsigned != want {
			t.Errorf("%s: Unsigned %v, want %v", name, ops[name].Unsigned, want)
		}
	}
	if !ops["GetCallerIdentity"].ReadOnly || !ops["DecodeAuthorizationMessage"].ReadOnly || ops["AssumeRole"].ReadOnly {
		t.Error("ReadOnly heuristic")
	}
	if _, ok := ops["GetCallerIdentity"].NewOutput().(*sts.GetCallerIdentityOutput); !ok {
		t.Errorf("GetCallerIdentity output is %T", ops["GetCallerIdentity"].NewOutput())
	}
}

func TestIAMCreateUser(t *testing.T) {
	op := iam.Service.Operations["CreateUser"]
	in, ok := op.NewInput().(*iam.CreateUserInput)
	if !ok {
		t.Fatalf("CreateUser input is %T", op.NewInput())
	}
	f := fieldOf(t, in, "UserName")
	if f.Type != reflect.TypeFor[*string]() {
		t.Errorf("UserName is %v", f.Type)
	}
	checkTags(t, f, map[string]string{"aws": "UserName", "req": "true", "min": "1", "max": "64", "pattern": `[\w+=,.@-]+`})
	re := regexp.MustCompile(`^(?:` + f.Tag.Get("pattern") + `)$`)
	if !re.MatchString("alice@example.com") || re.MatchString("bad name") {
		t.Errorf("UserName pattern %q", re)
	}
	if op.ReadOnly || !iam.Service.Operations["GetUser"].ReadOnly || !iam.Service.Operations["ListUsers"].ReadOnly {
		t.Error("ReadOnly heuristic")
	}
	if op.ResultWrapper != "CreateUserResult" || !slices.Contains(op.Errors, "EntityAlreadyExists") {
		t.Errorf("CreateUser ResultWrapper %q Errors %v", op.ResultWrapper, op.Errors)
	}
	// Tags is a list of structures held as values.
	if f := fieldOf(t, in, "Tags"); f.Type != reflect.TypeFor[[]iam.Tag]() {
		t.Errorf("Tags is %v", f.Type)
	}
}

func TestIAMErrors(t *testing.T) {
	if iam.ErrorCodes["NoSuchEntity"] != 404 {
		t.Errorf("NoSuchEntity status %d", iam.ErrorCodes["NoSuchEntity"])
	}
	e := iam.NewNoSuchEntityException("The user with name %s cannot be found.", "bob")
	want := &protocol.Error{Code: "NoSuchEntity", Status: 404, Message: "The user with name bob cannot be found."}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("NewNoSuchEntityException = %+v", e)
	}
	if e := iam.NewServiceFailureException("boom"); e.Code != "ServiceFailure" || e.Status != 500 || !e.Receiver {
		t.Errorf("NewServiceFailureException = %+v", e)
	}
}

func TestKMS(t *testing.T) {
	in, ok := kms.Service.Operations["Encrypt"].NewInput().(*kms.EncryptInput)
	if !ok {
		t.Fatalf("Encrypt input is %T", kms.Service.Operations["Encrypt"].NewInput())
	}
	f := fieldOf(t, in, "Plaintext")
	if f.Type != reflect.TypeFor[[]byte]() {
		t.Errorf("Plaintext is %v", f.Type)
	}
	checkTags(t, f, map[string]string{"aws": "Plaintext", "req": "true", "sensitive": "true", "min": "1", "max": "4096"})
	if f := fieldOf(t, in, "EncryptionAlgorithm"); f.Type != reflect.TypeFor[kms.EncryptionAlgorithmSpec]() {
		t.Errorf("EncryptionAlgorithm is %v", f.Type)
	}
	if !slices.Contains(kms.EncryptionAlgorithmSpec("").EnumValues(), string(kms.EncryptionAlgorithmSpecSymmetricDefault)) {
		t.Error("EncryptionAlgorithmSpec values")
	}
	// KMS models its server errors as faults without a status: they are 500s.
	if e := kms.NewKMSInternalException("x"); e.Status != 500 || !e.Receiver || kms.ErrorCodes["KMSInternalException"] != 500 {
		t.Errorf("NewKMSInternalException = %+v", e)
	}
	if e := kms.NewNotFoundException("x"); e.Status != 400 || e.Receiver {
		t.Errorf("NewNotFoundException = %+v", e)
	}
	if op := kms.Service.Operations["Encrypt"]; !op.ReadOnly || kms.Service.Operations["CreateKey"].ReadOnly {
		t.Error("ReadOnly heuristic")
	}
}

func TestGuardDuty(t *testing.T) {
	op := guardduty.Service.Operations["GetDetector"]
	if op.HTTPMethod != "GET" || !strings.HasPrefix(op.RequestURI, "/detector/{") {
		t.Errorf("GetDetector %s %s", op.HTTPMethod, op.RequestURI)
	}
	f := fieldOf(t, op.NewInput(), "DetectorId")
	// Older models spelled the label detectorId; the current one DetectorId.
	name := f.Tag.Get("aws")
	if f.Tag.Get("loc") != "uri" || !strings.EqualFold(name, "detectorId") || !strings.Contains(op.RequestURI, "{"+name+"}") {
		t.Errorf("DetectorId tag %q, URI %s", f.Tag, op.RequestURI)
	}
	if guardduty.Service.ValidationErrorCode != "BadRequestException" {
		t.Errorf("ValidationErrorCode %q", guardduty.Service.ValidationErrorCode)
	}
	in := guardduty.Service.Operations["CreateDetector"].NewInput()
	checkTags(t, fieldOf(t, in, "ClientToken"), map[string]string{"idem": "true"})
}

func TestWAFv2Recursive(t *testing.T) {
	// Statement nests through pointers to itself.
	s := wafv2.Statement{AndStatement: &wafv2.AndStatement{Statements: []wafv2.Statement{{
		NotStatement: &wafv2.NotStatement{Statement: &wafv2.Statement{}},
	}}}}
	if s.AndStatement.Statements[0].NotStatement.Statement == nil {
		t.Fatal("unreachable")
	}
}
