package authz

import "strings"

// This file is the data that completes what the catalog and the models
// say on their own. The table (table.go) derives each operation's action,
// resources and condition keys by matching names: the operation's name to
// the action's, each ARN placeholder of the action's resource types to
// the input member of that name, each service condition key to the input
// member it names. Where the API and the service authorization reference
// use different names, or where AWS authorizes something the names cannot
// say, an entry here says it instead.

// opOverride adjusts the derived plan of one operation.
type opOverride struct {
	// actions replaces the action(s) the operation is authorized as, for
	// operations whose action names differ from the operation's.
	actions []string
	// arnMembers restricts the members searched for whole resource ARNs
	// (by default every string member holding an ARN of one of the
	// action's resource types is a resource).
	arnMembers []string
	// members maps an ARN placeholder to the input members that supply
	// it, first present one wins, for this operation only.
	members map[string][]string
	// extraResources names further templates of resources the operation
	// also needs permission on: a placeholder → member map each, applied
	// to the action's resource types (renames need both names).
	extraResources []map[string]string
	// also lists further actions checked on the same resources when a
	// member is present (sts:TagSession when an AssumeRole passes tags).
	also []conditionalAction
	// ownerOnly: the operation has no IAM action; its handler lets only
	// the owner of the resource act.
	ownerOnly bool
	// resourceFromKeyOwner: the resource is the IAM user owning the
	// access key in the AccessKeyId member (GetAccessKeyLastUsed).
	resourceFromKeyOwner bool
	// identityOnly: the resource, though in another account, has no
	// resource-based policy to consult; the caller's own policies decide
	// (and the SCPs of both accounts), as AWS does for sts:AssumeRoot,
	// which the organization's management account is trusted with.
	identityOnly bool
}

// conditionalAction is an action checked only when one of members is
// present.
type conditionalAction struct {
	action  string
	members []string
}

// overrides is keyed by the full action name of the operation
// ("service:Operation" with the action prefix).
var overrides = map[string]opOverride{
	// IAM: UpdateDelegationRequest has no IAM action; AWS lets the
	// request's owner update it ("that owner gets a default permission to
	// update the delegation request"), which only its handler can tell.
	"iam:UpdateDelegationRequest": {ownerOnly: true},
	// Renaming needs permission on both the old and the new name ("the
	// requester must have permissions on both the source object and the
	// target object").
	"iam:UpdateUser":              {extraResources: []map[string]string{{"UserName": "NewUserName", "Path": "NewPath"}}},
	"iam:UpdateGroup":             {extraResources: []map[string]string{{"GroupName": "NewGroupName", "Path": "NewPath"}}},
	"iam:UpdateServerCertificate": {extraResources: []map[string]string{{"ServerCertificateName": "NewServerCertificateName", "Path": "NewPath"}}},
	// The simulator's resource is the entity whose policies it reads; its
	// other ARNs (ResourceArns, CallerArn) are inputs, not resources.
	"iam:SimulatePrincipalPolicy":          {arnMembers: []string{"PolicySourceArn"}},
	"iam:GetContextKeysForPrincipalPolicy": {arnMembers: []string{"PolicySourceArn"}},
	"iam:GetAccessKeyLastUsed":             {resourceFromKeyOwner: true},

	// STS: tags and a source identity need their own permissions in the
	// role's trust policy (or, for GetFederationToken, the user's
	// policies).
	"sts:AssumeRole": {also: []conditionalAction{
		{action: "sts:TagSession", members: []string{"Tags", "TransitiveTagKeys"}},
		{action: "sts:SetSourceIdentity", members: []string{"SourceIdentity"}},
	}},
	// AssumeRoot's resource is the root user of the member account it
	// targets (arn:aws:iam::<TargetPrincipal>:root), not the caller's.
	"sts:AssumeRoot": {members: map[string][]string{"Account": {"TargetPrincipal"}}, identityOnly: true},
	"sts:GetFederationToken": {
		members: map[string][]string{"FederatedUserName": {"Name"}},
		also:    []conditionalAction{{action: "sts:TagSession", members: []string{"Tags"}}},
	},

	// KMS: ReEncrypt is authorized as two actions, each on its own key.
	"kms:ReEncrypt": {actions: []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"}},
	"kms:ReEncryptFrom": {
		members:    map[string][]string{"KeyId": {"SourceKeyId"}},
		arnMembers: []string{"SourceKeyId"},
	},
	"kms:ReEncryptTo": {
		members:    map[string][]string{"KeyId": {"DestinationKeyId"}},
		arnMembers: []string{"DestinationKeyId"},
	},

	// CloudTrail: ListInsightsMetricData is authorized as the Insights
	// read action.
	"cloudtrail:ListInsightsMetricData": {actions: []string{"cloudtrail:ListInsightsData"}},
}

// placeholderMembers maps, per service prefix, an ARN placeholder
// ("Placeholder" for every resource type, "type/Placeholder" for one) to
// the input members that supply it when no member has its name. A member
// name starting with "@" is a value of the request instead: "@account"
// the caller's account, "@region" the request's region.
var placeholderMembers = map[string]map[string][]string{
	"iam": {
		// The operations on existing providers name them by ARN; the
		// Create operations by URL (OIDC: the ARN holds the URL without
		// its scheme) and name (SAML).
		"OidcProviderName": {"Url"},
		"SamlProviderName": {"Name"},
	},
	"kms": {
		"KeyId": {"KeyId", "TargetKeyId"},
		// AliasName is "alias/<name>"; the alias ARN format adds the
		// "alias/" itself (see placeholderTransforms).
		"Alias": {"AliasName"},
	},
	"wafv2": {
		"Scope": {"Scope"},
	},
	"shield": {
		"protection/Id":       {"ProtectionId"},
		"protection-group/Id": {"ProtectionGroupId"},
		"attack/Id":           {"AttackId"},
	},
	"guardduty": {
		"FilterName":              {"FilterName", "Name"},
		"PublishingDestinationId": {"DestinationId"},
	},
	"inspector2": {
		"OwnerId": {"@account"},
	},
	"artifact": {
		"Version": {"ReportVersion"},
	},
	// An organization's resources live in its management account and
	// carry the organization id without its "o-"; the ids the API takes
	// carry their prefixes, which the ARN formats spell out themselves
	// (see placeholderTransforms).
	"organizations": {
		"Account":        {"@orgManagement"},
		"OrganizationId": {"@orgID"},
	},
	"cloudtrail": {
		"TrailName":        {"TrailName", "Name"},
		"EventDataStoreId": {"EventDataStore"},
		"ChannelId":        {"Channel"},
		"DashboardName":    {"DashboardId", "Name"},
	},
}

// placeholderTransforms turn a member's value into the text its ARN
// placeholder holds, per service prefix and placeholder.
var placeholderTransforms = map[string]map[string]func(string) string{
	"iam": {"OidcProviderName": trimScheme},
	"kms": {"Alias": trimAliasPrefix},
	// WAF's Scope is REGIONAL or CLOUDFRONT; its ARNs say regional or
	// global.
	"wafv2": {"Scope": wafScope},
	"organizations": {
		"OrganizationalUnitId": trimPrefixFunc("ou-"),
		"RootId":               trimPrefixFunc("r-"),
		"PolicyId":             trimPrefixFunc("p-"),
		"HandshakeId":          trimPrefixFunc("h-"),
	},
}

// trimPrefixFunc returns a transform that removes prefix from a value.
func trimPrefixFunc(prefix string) func(string) string {
	return func(s string) string { return strings.TrimPrefix(s, prefix) }
}

func trimScheme(s string) string {
	if len(s) > 8 && s[:8] == "https://" {
		return s[8:]
	}
	return s
}

func trimAliasPrefix(s string) string {
	if len(s) > 6 && s[:6] == "alias/" {
		return s[6:]
	}
	return s
}

func wafScope(s string) string {
	switch s {
	case "REGIONAL":
		return "regional"
	case "CLOUDFRONT":
		return "global"
	}
	return s
}

// keyMembers maps a service condition key (lower-cased, with its prefix)
// to the input member that supplies it when the member's name is not the
// key's name. A name starting with "@" is a value of the request instead.
var keyMembers = map[string]string{
	"kms:grantoperations":                        "Operations",
	"kms:keyorigin":                              "Origin",
	"kms:datakeypairspec":                        "KeyPairSpec",
	"kms:schedulekeydeletionpendingwindowindays": "PendingWindowInDays",
	"kms:encryptioncontextkeys":                  "EncryptionContext",
	"kms:calleraccount":                          "@account",
	"kms:grantisforawsresource":                  "@false",
	"kms:requestalias":                           "@requestAlias",
	"kms:validto":                                "@validTo",
	"organizations:policytype":                   "Type",
	"organizations:serviceprincipal":             "ServicePrincipal",
	"elasticloadbalancing:subnet":                "Subnets",
	"elasticloadbalancing:securitygroup":         "SecurityGroups",
	"elasticloadbalancing:listenerprotocol":      "Protocol",
}

// actionKeyMembers maps, per action (lower-cased), a service condition key
// (lower-cased) to the input member that supplies it for that action
// only, or to a value of the request ("@..."), where the action reads
// another member than its operation's name suggests. "@keymember" names
// the member whose alias is kms:RequestAlias.
var actionKeyMembers = map[string]map[string]string{
	// ReEncrypt is authorized as two actions: ReEncryptFrom reads the
	// source's encryption context and algorithm, ReEncryptTo the
	// destination's.
	"kms:reencryptfrom": {
		"kms:encryptioncontext:${encryptioncontextkey}": "SourceEncryptionContext",
		"kms:encryptioncontextkeys":                     "SourceEncryptionContext",
		"kms:encryptionalgorithm":                       "SourceEncryptionAlgorithm",
		"kms:reencryptonsamekey":                        "@sameKey",
		"@keymember":                                    "SourceKeyId",
	},
	"kms:reencryptto": {
		"kms:encryptioncontext:${encryptioncontextkey}": "DestinationEncryptionContext",
		"kms:encryptioncontextkeys":                     "DestinationEncryptionContext",
		"kms:encryptionalgorithm":                       "DestinationEncryptionAlgorithm",
		"kms:reencryptonsamekey":                        "@sameKey",
		"@keymember":                                    "DestinationKeyId",
	},
	// CreateGrant's encryption context keys describe the grant's
	// constraint ("kms:EncryptionContext: ... in CreateGrant, the
	// encryption context in the grant constraint").
	"kms:creategrant": {
		"kms:encryptioncontext:${encryptioncontextkey}": "@grantContext",
		"kms:encryptioncontextkeys":                     "@grantContextKeys",
		"kms:grantconstrainttype":                       "@grantConstraintType",
	},
	// CreateKey makes a primary key when MultiRegion is true.
	"kms:createkey": {
		"kms:multiregionkeytype": "@multiRegionKeyType",
	},
}

// withPathPlaceholders are IAM's ARN placeholders that hold an entity's
// path and name. The name comes from the member named here; the path from
// the input's Path member when the operation has one (the Create
// operations), else from the directory's entity of that name (path "/"
// when it does not exist).
var withPathPlaceholders = map[string]struct {
	member string
	kind   entityKind
}{
	"UserNameWithPath":            {"UserName", entityUser},
	"GroupNameWithPath":           {"GroupName", entityGroup},
	"RoleNameWithPath":            {"RoleName", entityRole},
	"PolicyNameWithPath":          {"PolicyName", entityPolicy},
	"InstanceProfileNameWithPath": {"InstanceProfileName", entityInstanceProfile},
	"CertificateNameWithPath":     {"ServerCertificateName", entityServerCertificate},
	"MfaTokenIdWithPath":          {"VirtualMFADeviceName", entityMFA},
}

// denialShapes are the error code and HTTP status each service answers an
// authorization failure with, by model id: the query services say
// AccessDenied (403); the JSON services AccessDeniedException, with the
// status their models give it (400 for awsJson services, 403 for the
// rest-json ones).
var denialShapes = map[string]denialShape{
	"iam":           {"AccessDenied", 403},
	"sts":           {"AccessDenied", 403},
	"elbv2":         {"AccessDenied", 403},
	"kms":           {"AccessDeniedException", 400},
	"organizations": {"AccessDeniedException", 400},
	"shield":        {"AccessDeniedException", 400},
	"cloudtrail":    {"AccessDeniedException", 400},
	"wafv2":         {"AccessDeniedException", 400},
	"guardduty":     {"AccessDeniedException", 403},
	"inspector2":    {"AccessDeniedException", 403},
	"artifact":      {"AccessDeniedException", 403},
}
