package protocol

import (
	"time"
)

// Hand-written shapes and services mirroring what the model generator
// emits (see the package doc's tag contract). They follow the botocore
// models of IAM, STS, KMS, GuardDuty and Inspector2 closely enough for the
// real SDK clients to talk to them, plus "kitchen sink" shapes exercising
// every tag and type.

// ---- IAM (query) ----

type iamTag struct {
	Key   *string `aws:"Key" req:"true" min:"1" max:"128" pattern:"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"`
	Value *string `aws:"Value" req:"true" min:"0" max:"256" pattern:"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"`
}

type iamCreateUserInput struct {
	Path                *string  `aws:"Path" min:"1" max:"512" pattern:"(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"`
	UserName            *string  `aws:"UserName" req:"true" min:"1" max:"64" pattern:"[\\w+=,.@-]+"`
	PermissionsBoundary *string  `aws:"PermissionsBoundary" min:"20" max:"2048"`
	Tags                []iamTag `aws:"Tags" max:"50"`
}

type iamUser struct {
	Path             *string    `aws:"Path" req:"true"`
	UserName         *string    `aws:"UserName" req:"true"`
	UserId           *string    `aws:"UserId" req:"true"`
	Arn              *string    `aws:"Arn" req:"true"`
	CreateDate       *time.Time `aws:"CreateDate" req:"true"`
	PasswordLastUsed *time.Time `aws:"PasswordLastUsed"`
	Tags             []iamTag   `aws:"Tags"`
}

type iamCreateUserOutput struct {
	User *iamUser `aws:"User"`
}

type iamGetUserInput struct {
	UserName *string `aws:"UserName" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

type iamGetUserOutput struct {
	User *iamUser `aws:"User" req:"true"`
}

type iamListUsersInput struct {
	PathPrefix *string `aws:"PathPrefix" min:"1" max:"512"`
	Marker     *string `aws:"Marker" min:"1" max:"320"`
	MaxItems   *int32  `aws:"MaxItems" min:"1" max:"1000"`
}

type iamListUsersOutput struct {
	Users       []iamUser `aws:"Users" req:"true"`
	IsTruncated *bool     `aws:"IsTruncated"`
	Marker      *string   `aws:"Marker"`
}

type iamDeleteUserInput struct {
	UserName *string `aws:"UserName" req:"true" min:"1" max:"128" pattern:"[\\w+=,.@-]+"`
}

type iamSummaryKey string

func (iamSummaryKey) EnumValues() []string {
	return []string{"Users", "Groups", "Roles", "Policies"}
}

type iamGetAccountSummaryOutput struct {
	SummaryMap map[iamSummaryKey]int32 `aws:"SummaryMap"`
}

type iamCreateLoginProfileInput struct {
	UserName              *string `aws:"UserName" min:"1" max:"64" pattern:"[\\w+=,.@-]+"`
	Password              *string `aws:"Password" min:"1" max:"128" sensitive:"true"`
	PasswordResetRequired *bool   `aws:"PasswordResetRequired"`
}

type iamLoginProfile struct {
	UserName              *string    `aws:"UserName" req:"true"`
	CreateDate            *time.Time `aws:"CreateDate" req:"true"`
	PasswordResetRequired *bool      `aws:"PasswordResetRequired"`
}

type iamCreateLoginProfileOutput struct {
	LoginProfile *iamLoginProfile `aws:"LoginProfile" req:"true"`
}

func iamService() *Service {
	svc := &Service{
		ID: "iam", ServiceID: "IAM", FullName: "AWS Identity and Access Management",
		EndpointPrefix: "iam", SigningName: "iam", EventSource: "iam.amazonaws.com",
		Protocol: Query, APIVersion: "2010-05-08",
		XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/", GlobalEndpoint: true,
		ValidationErrorCode: "ValidationError",
	}
	svc.Operations = map[string]*Operation{
		"CreateUser": {Name: "CreateUser", ResultWrapper: "CreateUserResult",
			NewInput: func() any { return new(iamCreateUserInput) }, NewOutput: func() any { return new(iamCreateUserOutput) }},
		"GetUser": {Name: "GetUser", ResultWrapper: "GetUserResult", ReadOnly: true,
			NewInput: func() any { return new(iamGetUserInput) }, NewOutput: func() any { return new(iamGetUserOutput) }},
		"ListUsers": {Name: "ListUsers", ResultWrapper: "ListUsersResult", ReadOnly: true,
			NewInput: func() any { return new(iamListUsersInput) }, NewOutput: func() any { return new(iamListUsersOutput) }},
		"DeleteUser": {Name: "DeleteUser",
			NewInput: func() any { return new(iamDeleteUserInput) }},
		"GetAccountSummary": {Name: "GetAccountSummary", ResultWrapper: "GetAccountSummaryResult",
			NewOutput: func() any { return new(iamGetAccountSummaryOutput) }},
		"CreateLoginProfile": {Name: "CreateLoginProfile", ResultWrapper: "CreateLoginProfileResult",
			NewInput: func() any { return new(iamCreateLoginProfileInput) }, NewOutput: func() any { return new(iamCreateLoginProfileOutput) }},
	}
	for _, op := range svc.Operations {
		op.HTTPMethod, op.RequestURI, op.ResponseCode, op.Service = "POST", "/", 200, svc
	}
	return svc
}

// ---- STS (query) ----

type stsGetCallerIdentityInput struct{}

type stsGetCallerIdentityOutput struct {
	UserId  *string `aws:"UserId"`
	Account *string `aws:"Account"`
	Arn     *string `aws:"Arn"`
}

type stsPolicyDescriptorType struct {
	Arn *string `aws:"arn" min:"20" max:"2048"`
}

type stsTag struct {
	Key   *string `aws:"Key" req:"true" min:"1" max:"128"`
	Value *string `aws:"Value" req:"true" min:"0" max:"256"`
}

type stsAssumeRoleInput struct {
	RoleArn           *string                   `aws:"RoleArn" req:"true" min:"20" max:"2048"`
	RoleSessionName   *string                   `aws:"RoleSessionName" req:"true" min:"2" max:"64" pattern:"[\\w+=,.@-]*"`
	PolicyArns        []stsPolicyDescriptorType `aws:"PolicyArns"`
	Policy            *string                   `aws:"Policy" min:"1"`
	DurationSeconds   *int32                    `aws:"DurationSeconds" min:"900" max:"43200"`
	Tags              []stsTag                  `aws:"Tags" max:"50"`
	TransitiveTagKeys []string                  `aws:"TransitiveTagKeys" max:"50"`
	ExternalId        *string                   `aws:"ExternalId" min:"2" max:"1224"`
}

type stsCredentials struct {
	AccessKeyId     *string    `aws:"AccessKeyId" req:"true"`
	SecretAccessKey *string    `aws:"SecretAccessKey" req:"true" sensitive:"true"`
	SessionToken    *string    `aws:"SessionToken" req:"true"`
	Expiration      *time.Time `aws:"Expiration" req:"true"`
}

type stsAssumedRoleUser struct {
	AssumedRoleId *string `aws:"AssumedRoleId" req:"true"`
	Arn           *string `aws:"Arn" req:"true"`
}

type stsAssumeRoleOutput struct {
	Credentials      *stsCredentials     `aws:"Credentials"`
	AssumedRoleUser  *stsAssumedRoleUser `aws:"AssumedRoleUser"`
	PackedPolicySize *int32              `aws:"PackedPolicySize"`
	SourceIdentity   *string             `aws:"SourceIdentity"`
}

func stsService() *Service {
	svc := &Service{
		ID: "sts", ServiceID: "STS", EndpointPrefix: "sts", SigningName: "sts",
		EventSource: "sts.amazonaws.com", Protocol: Query, APIVersion: "2011-06-15",
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/", ValidationErrorCode: "ValidationError",
	}
	svc.Operations = map[string]*Operation{
		"GetCallerIdentity": {Name: "GetCallerIdentity", ResultWrapper: "GetCallerIdentityResult", ReadOnly: true,
			NewInput: func() any { return new(stsGetCallerIdentityInput) }, NewOutput: func() any { return new(stsGetCallerIdentityOutput) }},
		"AssumeRole": {Name: "AssumeRole", ResultWrapper: "AssumeRoleResult",
			NewInput: func() any { return new(stsAssumeRoleInput) }, NewOutput: func() any { return new(stsAssumeRoleOutput) }},
	}
	for _, op := range svc.Operations {
		op.HTTPMethod, op.RequestURI, op.ResponseCode, op.Service = "POST", "/", 200, svc
	}
	return svc
}

// ---- KMS (awsJson 1.1) ----

type kmsEncryptionAlgorithmSpec string

func (kmsEncryptionAlgorithmSpec) EnumValues() []string {
	return []string{"SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"}
}

type kmsEncryptInput struct {
	KeyId               *string                    `aws:"KeyId" req:"true" min:"1" max:"2048"`
	Plaintext           []byte                     `aws:"Plaintext" req:"true" min:"1" max:"4096" sensitive:"true"`
	EncryptionContext   map[string]string          `aws:"EncryptionContext"`
	GrantTokens         []string                   `aws:"GrantTokens" max:"10"`
	EncryptionAlgorithm kmsEncryptionAlgorithmSpec `aws:"EncryptionAlgorithm"`
	DryRun              *bool                      `aws:"DryRun"`
}

type kmsEncryptOutput struct {
	CiphertextBlob      []byte                     `aws:"CiphertextBlob" min:"1" max:"6144"`
	KeyId               *string                    `aws:"KeyId" min:"1" max:"2048"`
	EncryptionAlgorithm kmsEncryptionAlgorithmSpec `aws:"EncryptionAlgorithm"`
}

type kmsKeyUsage string

func (kmsKeyUsage) EnumValues() []string {
	return []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"}
}

type kmsTag struct {
	TagKey   *string `aws:"TagKey" req:"true" min:"1" max:"128"`
	TagValue *string `aws:"TagValue" req:"true" min:"0" max:"256"`
}

type kmsCreateKeyInput struct {
	Policy      *string                      `aws:"Policy" min:"1" max:"131072"`
	Description *string                      `aws:"Description" min:"0" max:"8192"`
	KeyUsage    kmsKeyUsage                  `aws:"KeyUsage"`
	Tags        []kmsTag                     `aws:"Tags"`
	MultiRegion *bool                        `aws:"MultiRegion"`
	Algorithms  []kmsEncryptionAlgorithmSpec `aws:"EncryptionAlgorithms"`
}

type kmsKeyMetadata struct {
	AWSAccountId         *string                      `aws:"AWSAccountId"`
	KeyId                *string                      `aws:"KeyId" req:"true"`
	Arn                  *string                      `aws:"Arn"`
	CreationDate         *time.Time                   `aws:"CreationDate"`
	Enabled              *bool                        `aws:"Enabled"`
	Description          *string                      `aws:"Description"`
	KeyUsage             kmsKeyUsage                  `aws:"KeyUsage"`
	EncryptionAlgorithms []kmsEncryptionAlgorithmSpec `aws:"EncryptionAlgorithms"`
}

type kmsCreateKeyOutput struct {
	KeyMetadata *kmsKeyMetadata `aws:"KeyMetadata"`
}

type kmsListKeysInput struct {
	Limit  *int32  `aws:"Limit" min:"1" max:"1000"`
	Marker *string `aws:"Marker" min:"1" max:"1024" pattern:"[\\u0020-\\u00FF]*"`
}

type kmsKeyListEntry struct {
	KeyId  *string `aws:"KeyId"`
	KeyArn *string `aws:"KeyArn"`
}

type kmsListKeysOutput struct {
	Keys       []kmsKeyListEntry `aws:"Keys"`
	NextMarker *string           `aws:"NextMarker"`
	Truncated  *bool             `aws:"Truncated"`
}

func kmsService() *Service {
	svc := &Service{
		ID: "kms", ServiceID: "KMS", EndpointPrefix: "kms", SigningName: "kms",
		EventSource: "kms.amazonaws.com", Protocol: JSON, APIVersion: "2014-11-01",
		JSONVersion: "1.1", TargetPrefix: "TrentService", ValidationErrorCode: "ValidationException",
	}
	svc.Operations = map[string]*Operation{
		"Encrypt": {Name: "Encrypt",
			NewInput: func() any { return new(kmsEncryptInput) }, NewOutput: func() any { return new(kmsEncryptOutput) }},
		"CreateKey": {Name: "CreateKey",
			NewInput: func() any { return new(kmsCreateKeyInput) }, NewOutput: func() any { return new(kmsCreateKeyOutput) }},
		"ListKeys": {Name: "ListKeys", ReadOnly: true,
			NewInput: func() any { return new(kmsListKeysInput) }, NewOutput: func() any { return new(kmsListKeysOutput) }},
	}
	for _, op := range svc.Operations {
		op.HTTPMethod, op.RequestURI, op.ResponseCode, op.Service = "POST", "/", 200, svc
	}
	return svc
}

// ---- GuardDuty (rest-json) ----

type gdFrequency string

func (gdFrequency) EnumValues() []string {
	return []string{"FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"}
}

type gdCreateDetectorInput struct {
	Enable                     *bool             `aws:"enable" req:"true"`
	ClientToken                *string           `aws:"clientToken" min:"0" max:"64" idem:"true"`
	FindingPublishingFrequency gdFrequency       `aws:"findingPublishingFrequency"`
	Tags                       map[string]string `aws:"tags" min:"1" max:"200"`
}

type gdCreateDetectorOutput struct {
	DetectorId *string `aws:"detectorId" min:"1" max:"300"`
}

type gdGetDetectorInput struct {
	DetectorId *string `aws:"detectorId" loc:"uri" req:"true" min:"1" max:"300"`
}

type gdGetDetectorOutput struct {
	CreatedAt                  *string           `aws:"createdAt"`
	FindingPublishingFrequency gdFrequency       `aws:"findingPublishingFrequency"`
	ServiceRole                *string           `aws:"serviceRole" req:"true"`
	Status                     *string           `aws:"status" req:"true"`
	Tags                       map[string]string `aws:"tags"`
}

type gdListDetectorsInput struct {
	MaxResults *int32  `aws:"maxResults" loc:"querystring" min:"1" max:"50"`
	NextToken  *string `aws:"nextToken" loc:"querystring"`
}

type gdListDetectorsOutput struct {
	DetectorIds []string `aws:"detectorIds" req:"true" max:"50"`
	NextToken   *string  `aws:"nextToken"`
}

type gdDeleteDetectorInput struct {
	DetectorId *string `aws:"detectorId" loc:"uri" req:"true" min:"1" max:"300"`
}

type gdDeleteDetectorOutput struct{}

type gdListTagsInput struct {
	ResourceArn *string `aws:"resourceArn" loc:"uri" req:"true"`
}

type gdListTagsOutput struct {
	Tags map[string]string `aws:"tags"`
}

func guarddutyService() *Service {
	svc := &Service{
		ID: "guardduty", ServiceID: "GuardDuty", EndpointPrefix: "guardduty", SigningName: "guardduty",
		EventSource: "guardduty.amazonaws.com", Protocol: RestJSON, APIVersion: "2017-11-28",
		ValidationErrorCode: "BadRequestException",
	}
	svc.Operations = map[string]*Operation{
		"CreateDetector": {Name: "CreateDetector", HTTPMethod: "POST", RequestURI: "/detector", ResponseCode: 200,
			NewInput: func() any { return new(gdCreateDetectorInput) }, NewOutput: func() any { return new(gdCreateDetectorOutput) }},
		"GetDetector": {Name: "GetDetector", HTTPMethod: "GET", RequestURI: "/detector/{detectorId}", ResponseCode: 200,
			NewInput: func() any { return new(gdGetDetectorInput) }, NewOutput: func() any { return new(gdGetDetectorOutput) }},
		"ListDetectors": {Name: "ListDetectors", HTTPMethod: "GET", RequestURI: "/detector", ResponseCode: 200,
			NewInput: func() any { return new(gdListDetectorsInput) }, NewOutput: func() any { return new(gdListDetectorsOutput) }},
		"DeleteDetector": {Name: "DeleteDetector", HTTPMethod: "DELETE", RequestURI: "/detector/{detectorId}", ResponseCode: 200,
			NewInput: func() any { return new(gdDeleteDetectorInput) }, NewOutput: func() any { return new(gdDeleteDetectorOutput) }},
		"ListTagsForResource": {Name: "ListTagsForResource", HTTPMethod: "GET", RequestURI: "/tags/{resourceArn}", ResponseCode: 200,
			NewInput: func() any { return new(gdListTagsInput) }, NewOutput: func() any { return new(gdListTagsOutput) }},
	}
	for _, op := range svc.Operations {
		op.Service = svc
	}
	return svc
}

// ---- Inspector2 (rest-json), sharing GuardDuty's /tags/{resourceArn} ----

type insListTagsInput struct {
	ResourceArn *string `aws:"resourceArn" loc:"uri" req:"true"`
}

type insListTagsOutput struct {
	Tags map[string]string `aws:"tags"`
}

func inspector2Service() *Service {
	svc := &Service{
		ID: "inspector2", ServiceID: "Inspector2", EndpointPrefix: "inspector2", SigningName: "inspector2",
		EventSource: "inspector2.amazonaws.com", Protocol: RestJSON, APIVersion: "2020-06-08",
		ValidationErrorCode: "ValidationException",
	}
	svc.Operations = map[string]*Operation{
		"ListTagsForResource": {Name: "ListTagsForResource", HTTPMethod: "GET", RequestURI: "/tags/{resourceArn}", ResponseCode: 200,
			NewInput: func() any { return new(insListTagsInput) }, NewOutput: func() any { return new(insListTagsOutput) }},
	}
	for _, op := range svc.Operations {
		op.Service = svc
	}
	return svc
}

// ---- Kitchen sink: every tag and type ----

type sinkColor string

func (sinkColor) EnumValues() []string { return []string{"RED", "GREEN", "BLUE"} }

type sinkLeaf struct {
	Name   *string   `aws:"Name" req:"true" min:"1" max:"8"`
	Count  *int64    `aws:"Count" min:"0" max:"100"`
	Color  sinkColor `aws:"Color"`
	Secret *string   `aws:"Secret" sensitive:"true"`
}

type sinkNode struct {
	Label    *string    `aws:"Label"`
	Children []sinkNode `aws:"Children"`
}

type sinkShape struct {
	Str       *string             `aws:"Str" min:"1" max:"10" pattern:"[a-z0-9 &<>\"']*"`
	Bool      *bool               `aws:"Bool"`
	Int32     *int32              `aws:"Int32" min:"-5" max:"1000"`
	Int64     *int64              `aws:"Int64"`
	Float     *float64            `aws:"Float" min:"0.5"`
	Time      *time.Time          `aws:"Time"`
	TimeEpoch *time.Time          `aws:"TimeEpoch" ts:"unixTimestamp"`
	TimeHTTP  *time.Time          `aws:"TimeHTTP" ts:"rfc822"`
	TimeISO   *time.Time          `aws:"TimeISO" ts:"iso8601"`
	Blob      []byte              `aws:"Blob"`
	Color     sinkColor           `aws:"Color"`
	Colors    []sinkColor         `aws:"Colors"`
	Strings   []string            `aws:"Strings" min:"0" max:"3"`
	Flat      []string            `aws:"Flat" flat:"true"`
	FlatNamed []string            `aws:"FlatNamed" flat:"true" member:"Item"`
	Named     []string            `aws:"Named" member:"Entry"`
	Leaves    []sinkLeaf          `aws:"Leaves"`
	LeafPtrs  []*sinkLeaf         `aws:"LeafPtrs"`
	Nested    [][]string          `aws:"Nested"`
	Map       map[string]string   `aws:"Map"`
	NamedMap  map[string]string   `aws:"NamedMap" key:"Name" val:"Val"`
	FlatMap   map[string]string   `aws:"FlatMap" flat:"true"`
	LeafMap   map[string]sinkLeaf `aws:"LeafMap"`
	ListMap   map[string][]string `aws:"ListMap"`
	Leaf      *sinkLeaf           `aws:"Leaf"`
	Tree      *sinkNode           `aws:"Tree"`
	Doc       any                 `aws:"Doc"`
	Renamed   *string             `aws:"wire_name"`
	Token     *string             `aws:"Token" idem:"true"`
	Required  *string             `aws:"Required" req:"true"`
}

type sinkRestInput struct {
	Bucket   *string           `aws:"Bucket" loc:"uri" req:"true"`
	Key      *string           `aws:"Key" loc:"uri" req:"true"`
	Version  *int64            `aws:"version" loc:"querystring"`
	Since    *time.Time        `aws:"since" loc:"querystring"`
	Tags     []string          `aws:"tag" loc:"querystring"`
	Flag     *bool             `aws:"flag" loc:"querystring"`
	Extra    map[string]string `aws:"Extra" loc:"querystring"`
	ReqID    *string           `aws:"X-Request-Id" loc:"header"`
	Modified *time.Time        `aws:"If-Modified-Since" loc:"header"`
	Items    []string          `aws:"X-Items" loc:"header"`
	Count    *int32            `aws:"X-Count" loc:"header"`
	Meta     map[string]string `aws:"X-Meta-" loc:"headers"`
	Body     *string           `aws:"body"`
	When     *time.Time        `aws:"when"`
	Leaf     *sinkLeaf         `aws:"leaf"`
}

type sinkRestOutput struct {
	ETag     *string           `aws:"ETag" loc:"header"`
	Modified *time.Time        `aws:"Last-Modified" loc:"header"`
	Meta     map[string]string `aws:"X-Meta-" loc:"headers"`
	Status   *int32            `aws:"Status" loc:"statusCode"`
	Name     *string           `aws:"name"`
	When     *time.Time        `aws:"when"`
}

type sinkBlobPayloadInput struct {
	Bucket *string `aws:"Bucket" loc:"uri" req:"true"`
	Data   []byte  `aws:"Data" loc:"payload"`
	Type   *string `aws:"Content-Type" loc:"header"`
}

type sinkBlobPayloadOutput struct {
	Data []byte  `aws:"Data" loc:"payload"`
	Type *string `aws:"Content-Type" loc:"header"`
}

type sinkStructPayloadInput struct {
	Bucket *string   `aws:"Bucket" loc:"uri" req:"true"`
	Leaf   *sinkLeaf `aws:"Leaf" loc:"payload"`
}

type sinkStructPayloadOutput struct {
	Leaf *sinkLeaf `aws:"Leaf" loc:"payload"`
}

// sinkQueryService is a query service whose one operation takes and
// returns the kitchen sink.
func sinkQueryService() *Service {
	svc := &Service{ID: "sinkq", ServiceID: "SinkQ", EndpointPrefix: "sinkq", SigningName: "sinkq",
		Protocol: Query, APIVersion: "2020-01-01", XMLNamespace: "https://sinkq.amazonaws.com/doc/2020-01-01/"}
	svc.Operations = map[string]*Operation{
		"Everything": {Name: "Everything", NewInput: func() any { return new(sinkShape) }, NewOutput: func() any { return new(sinkShape) }},
		"Nothing":    {Name: "Nothing"},
	}
	for _, op := range svc.Operations {
		op.Service = svc
	}
	return svc
}

// sinkJSONService is an awsJson 1.0 service with the kitchen sink.
func sinkJSONService() *Service {
	svc := &Service{ID: "sinkj", ServiceID: "SinkJ", EndpointPrefix: "sinkj", SigningName: "sinkj",
		Protocol: JSON, JSONVersion: "1.0", TargetPrefix: "SinkJ_20200101", APIVersion: "2020-01-01"}
	svc.Operations = map[string]*Operation{
		"Everything": {Name: "Everything", NewInput: func() any { return new(sinkShape) }, NewOutput: func() any { return new(sinkShape) }},
		"Nothing":    {Name: "Nothing"},
	}
	for _, op := range svc.Operations {
		op.Service = svc
	}
	return svc
}

// sinkRestService is a rest-json service covering every HTTP binding.
func sinkRestService() *Service {
	svc := &Service{ID: "sinkr", ServiceID: "SinkR", EndpointPrefix: "sinkr", SigningName: "sinkr",
		Protocol: RestJSON, APIVersion: "2020-01-01", ValidationErrorCode: "ValidationException"}
	svc.Operations = map[string]*Operation{
		"PutThing": {Name: "PutThing", HTTPMethod: "PUT", RequestURI: "/things/{Bucket}/{Key+}?attr", ResponseCode: 200,
			NewInput: func() any { return new(sinkRestInput) }, NewOutput: func() any { return new(sinkRestOutput) }},
		"GetThing": {Name: "GetThing", HTTPMethod: "GET", RequestURI: "/things/{Bucket}/{Key+}", ResponseCode: 200,
			NewInput: func() any { return new(sinkRestInput) }, NewOutput: func() any { return new(sinkRestOutput) }},
		"GetSpecial": {Name: "GetSpecial", HTTPMethod: "GET", RequestURI: "/things/{Bucket}/special", ResponseCode: 200,
			NewInput: func() any { return new(sinkRestInput) }, NewOutput: func() any { return new(sinkRestOutput) }},
		"PutBlob": {Name: "PutBlob", HTTPMethod: "PUT", RequestURI: "/blobs/{Bucket}", ResponseCode: 200,
			NewInput: func() any { return new(sinkBlobPayloadInput) }, NewOutput: func() any { return new(sinkBlobPayloadOutput) }},
		"PutLeaf": {Name: "PutLeaf", HTTPMethod: "POST", RequestURI: "/leaves/{Bucket}", ResponseCode: 201,
			NewInput: func() any { return new(sinkStructPayloadInput) }, NewOutput: func() any { return new(sinkStructPayloadOutput) }},
		"Ping": {Name: "Ping", HTTPMethod: "DELETE", RequestURI: "/ping", ResponseCode: 204},
	}
	for _, op := range svc.Operations {
		op.Service = svc
	}
	return svc
}

func allTestServices() []*Service {
	return []*Service{iamService(), stsService(), kmsService(), guarddutyService(), inspector2Service(),
		sinkQueryService(), sinkJSONService(), sinkRestService()}
}

func ptr[T any](v T) *T { return &v }
