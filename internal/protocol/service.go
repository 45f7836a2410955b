// Package protocol holds the wire layer shared by every service: the
// description of a service and its operations (generated from the botocore
// models into internal/model/<service>), routing of HTTP requests to
// operations, the codecs of AWS's three protocols (query with XML results,
// awsJson1_1, rest-json), validation of inputs against the model, and AWS's
// error shapes.
//
// # Shapes
//
// Generated shapes are plain Go structs. Each exported field carries its wire
// description in struct tags, which the codecs and the validator read (once
// per type, then cached):
//
//	aws:"Name"          wire name (the member's locationName, else its member name)
//	loc:"uri"           rest-json binding: uri, querystring, header, headers
//	                    (prefix map), statusCode, payload; absent = body
//	req:"true"          required member
//	min:"1" max:"64"    length bounds for strings, blobs, lists and maps;
//	                    value bounds for numbers
//	pattern:"..."       RE2 pattern the string value must match (whole value
//	                    unless anchored otherwise by the pattern itself)
//	sensitive:"true"    never logged; redacted in audit records
//	ts:"iso8601"        explicit timestamp format (iso8601, unixTimestamp, rfc822)
//	flat:"true"         XML/query flattened list or map
//	member:"member"     list member name in query/XML (default "member")
//	key:"key" val:"value"  map entry names in query/XML (default key/value)
//	idem:"true"         idempotency token (filled with a UUID when absent)
//
// Field types: *string, *bool, *int32, *int64, *float64, *time.Time for
// scalars (nil = absent); enums are named string types with "" = absent and a
// method EnumValues() []string; []byte for blobs; []T for lists; map[string]T
// for maps; *S for nested structures; any for documents.
package protocol

import "sync/atomic"

// Kind is one of the AWS wire protocols.
type Kind string

// The protocols gatehouse serves.
const (
	Query    Kind = "query"
	JSON     Kind = "json"
	RestJSON Kind = "rest-json"
)

// Service describes one AWS service as its model defines it.
type Service struct {
	// ID is the botocore model directory name: "iam", "elbv2", ...
	ID string
	// ServiceID is the model's serviceId, e.g. "Elastic Load Balancing v2".
	ServiceID string
	// FullName is the model's serviceFullName.
	FullName string
	// EndpointPrefix is the host prefix, e.g. "elasticloadbalancing".
	EndpointPrefix string
	// SigningName is the SigV4 service name in credential scopes.
	SigningName string
	// EventSource is the CloudTrail eventSource, e.g. "iam.amazonaws.com".
	EventSource string
	Protocol    Kind
	APIVersion  string
	// JSONVersion is the awsJson version ("1.0" or "1.1") for JSON services.
	JSONVersion string
	// TargetPrefix is the X-Amz-Target prefix of JSON services.
	TargetPrefix string
	// XMLNamespace is the namespace of query responses.
	XMLNamespace string
	// GlobalEndpoint is true for services AWS serves from one global
	// endpoint (IAM, Organizations); their events are recorded in us-east-1.
	GlobalEndpoint bool
	// ValidationErrorCode is the code of model validation failures:
	// ValidationError (query), ValidationException (JSON, and rest-json
	// services that model it), BadRequestException (rest-json services that
	// model that instead).
	ValidationErrorCode string
	Operations          map[string]*Operation
}

// Operation describes one operation of a service.
type Operation struct {
	Name string
	// HTTPMethod and RequestURI are the model's http binding (rest-json
	// routes by them; the others always POST /).
	HTTPMethod string
	RequestURI string
	// ResponseCode is the success status code (200 unless the model says).
	ResponseCode int
	// NewInput and NewOutput allocate the operation's input and output
	// structs; they are nil when the model has no input or output shape.
	NewInput  func() any
	NewOutput func() any
	// ResultWrapper is the query protocol's result element name.
	ResultWrapper string
	// Errors are the error codes the model lists for the operation.
	Errors []string
	// Unsigned is true for operations AWS serves without a signature
	// (the model's authtype "none").
	Unsigned bool
	// ReadOnly is true when the operation only reads (Get*, List*,
	// Describe*, ...); it is the CloudTrail readOnly field.
	ReadOnly bool
	// Service points back to the operation's service.
	Service *Service

	// inPlan and outPlan remember the plans of the input and output
	// structs (see cachedPlan).
	inPlan, outPlan atomic.Pointer[typePlan]
}
