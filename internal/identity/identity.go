// Package identity describes who made a request: the principal that
// authentication resolved, with the session context that authorization and the
// audit trail need. Every service receives the same resolved Principal.
package identity

import "time"

// Type is the kind of principal, spelled as CloudTrail's userIdentity.type.
type Type string

// Principal types, as CloudTrail names them.
const (
	Root          Type = "Root"
	IAMUser       Type = "IAMUser"
	AssumedRole   Type = "AssumedRole"
	FederatedUser Type = "FederatedUser"
	// Anonymous is an unauthenticated caller, for the few operations AWS
	// serves without a signature (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).
	Anonymous Type = "AWSAccount"
)

// Principal is an authenticated caller.
type Principal struct {
	Type Type
	// AccountID is the 12-digit account the principal belongs to.
	AccountID string
	// ARN is the principal's ARN: arn:aws:iam::123456789012:root,
	// arn:aws:iam::123456789012:user/path/name,
	// arn:aws:sts::123456789012:assumed-role/name/session, ...
	ARN string
	// PrincipalID is the unique id AWS reports: the account id for root, the
	// user id (AIDA...) for users, "AROA...:session" for role sessions.
	PrincipalID string
	// UserName is the IAM user name, the role name for role sessions, or ""
	// for root.
	UserName string
	// AccessKeyID is the key that signed the request.
	AccessKeyID string
	// Session is set for temporary credentials (ASIA keys).
	Session *Session
}

// Session is the context carried by temporary credentials.
type Session struct {
	IssuedAt   time.Time
	Expiration time.Time
	// MFAAuthenticated is true when the session was created with a valid MFA
	// code; MFAAuthenticatedAt is when.
	MFAAuthenticated   bool
	MFAAuthenticatedAt time.Time
	SourceIdentity     string
	// Tags are the session tags; TransitiveTagKeys those passed on when the
	// session assumes another role.
	Tags              map[string]string
	TransitiveTagKeys []string
	// IssuerARN is the role (or user, for GetSessionToken and
	// GetFederationToken) the session was issued for.
	IssuerARN string
	// IssuerPrincipalID is the issuer's unique id (AROA..., AIDA..., account).
	IssuerPrincipalID string
	// IssuerType is the type of the issuer (Role, IAMUser, Root).
	IssuerType string
	// Policy is the inline session policy passed when the session was
	// made ("" for none); PolicyARNs the managed session policies.
	Policy     string
	PolicyARNs []string
	// RoleChained is true when the session was created by a role session
	// assuming a role, which caps it at one hour.
	RoleChained bool
}
