package audit

import (
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
)

// User identity types gatehouse writes besides those of identity.Type.
const (
	// TypeUnknown is CloudTrail's type for "an identity type that CloudTrail
	// can't determine": gatehouse uses it for calls that failed
	// authentication, where at most the access key id is known.
	TypeUnknown = "Unknown"
	// issuerTypeRole is the sessionIssuer type of role sessions.
	issuerTypeRole = "Role"
)

// Hidden replaces a value CloudTrail (and gatehouse) will not record because
// it could be a secret: CloudTrail writes this string, for instance, for a
// console sign-in user name that may be a mistyped password.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// UserIdentity is the record's userIdentity element: the type of identity that
// made the call and the credentials it used. It carries an access key id but,
// by construction, never a secret key or session token.
type UserIdentity struct {
	// Type is Root, IAMUser, AssumedRole, FederatedUser, AWSAccount,
	// AWSService or Unknown.
	Type string `json:"type"`
	// PrincipalID is the caller's unique id: the account id for root, AIDA...
	// for users, "AROA...:session" for role sessions, "account:name" for
	// federated users.
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	// AccessKeyID is the key that signed the request.
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// UserName is set for IAM users (and for root when the account has an
	// alias); CloudTrail leaves it out for role sessions and federated users,
	// whose issuer's name is in SessionContext.SessionIssuer.
	UserName string `json:"userName,omitempty"`
	// SessionContext is set for calls made with temporary credentials; it
	// is left out when zero. (It is a value, not a pointer, so that building
	// a UserIdentity on the request path allocates nothing.)
	SessionContext SessionContext `json:"sessionContext,omitzero"`
	// InvokedBy names the AWS service that made the call on the caller's
	// behalf, when one did.
	InvokedBy string `json:"invokedBy,omitempty"`
}

// SessionContext describes the session of temporary credentials.
type SessionContext struct {
	// SessionIssuer is the role, user or root that issued the session; it is
	// left out (zero) for sessions of the caller's own long-term identity
	// (GetSessionToken).
	SessionIssuer SessionIssuer `json:"sessionIssuer,omitzero"`
	// Attributes holds when the session was created and whether with MFA.
	Attributes SessionAttributes `json:"attributes"`
	// SourceIdentity is the source identity set when the role was assumed.
	SourceIdentity string `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the identity that issued a session.
type SessionIssuer struct {
	// Type is Role, IAMUser or Root.
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	// UserName is the role or user name; left out for root.
	UserName string `json:"userName,omitempty"`
}

// IsZero reports whether sc is empty: no session, so no sessionContext.
func (sc *SessionContext) IsZero() bool {
	return sc.SessionIssuer == SessionIssuer{} && sc.Attributes.CreationDate.IsZero() &&
		!sc.Attributes.MFAAuthenticated && sc.SourceIdentity == ""
}

// SessionAttributes are the session's creation time and MFA state.
type SessionAttributes struct {
	// CreationDate is when the credentials were issued, written like
	// eventTime; left out when zero.
	CreationDate time.Time `json:"creationDate"`
	// MFAAuthenticated is written as the string "true" or "false", as
	// CloudTrail does.
	MFAAuthenticated bool `json:"mfaAuthenticated,string"`
}

// UserIdentityFor builds the userIdentity of a call made by p, as CloudTrail
// writes it for each principal type:
//
//   - Root: principalId is the account id; userName only if p carries the
//     account alias.
//   - IAMUser: userName is the user name.
//   - AssumedRole: no userName; sessionContext.sessionIssuer is the role
//     (type Role, its name in userName).
//   - FederatedUser: no userName; sessionIssuer is the user or root that
//     called GetFederationToken.
//
// Temporary credentials of the caller's own identity (GetSessionToken) get a
// sessionContext with attributes and no issuer.
//
// p == nil, or a p without a Type, is a call whose authentication failed:
// CloudTrail's type Unknown, with whatever p still knows (the access key id
// the request was signed with, the account if the key was found). See
// UnknownIdentity.
//
// An access key id that is not shaped like one (16 to 128 upper-case letters
// and digits) is written as Hidden instead: a value sent in a key id's place
// by a broken or careless client may well be a secret key.
func UserIdentityFor(p *identity.Principal) UserIdentity {
	if p == nil {
		return UserIdentity{Type: TypeUnknown}
	}
	ui := UserIdentity{
		Type:        string(p.Type),
		PrincipalID: p.PrincipalID,
		ARN:         p.ARN,
		AccountID:   p.AccountID,
		AccessKeyID: SanitizeAccessKeyID(p.AccessKeyID),
	}
	switch p.Type {
	case "":
		ui.Type = TypeUnknown
	case identity.Root:
		if ui.PrincipalID == "" {
			ui.PrincipalID = p.AccountID
		}
		ui.UserName = p.UserName // the account alias, if any
		ui.SessionContext = ownSessionContext(p.Session)
	case identity.IAMUser:
		ui.UserName = p.UserName
		ui.SessionContext = ownSessionContext(p.Session)
	case identity.AssumedRole, identity.FederatedUser:
		ui.SessionContext = issuedSessionContext(p)
	default:
		ui.UserName = p.UserName
	}
	return ui
}

// UnknownIdentity is the userIdentity of a call that failed authentication
// when only the access key id it was signed with is known (the key may not
// exist): type Unknown and the key id, sanitized as by UserIdentityFor.
func UnknownIdentity(accessKeyID string) UserIdentity {
	return UserIdentity{Type: TypeUnknown, AccessKeyID: SanitizeAccessKeyID(accessKeyID)}
}

// SanitizeAccessKeyID returns id if it has the shape of an AWS access key id
// (16 to 128 characters, upper-case letters and digits: AKIA..., ASIA...),
// "" if it is empty, and Hidden otherwise. Secret access keys contain
// lower-case letters, '/' or '+', so a secret pasted in a key id's place is
// never recorded.
func SanitizeAccessKeyID(id string) string {
	if id == "" {
		return ""
	}
	if len(id) < 16 || len(id) > 128 {
		return Hidden
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return Hidden
		}
	}
	return id
}

// ownSessionContext is the sessionContext of temporary credentials issued to
// the caller's own identity (root or IAM user, GetSessionToken), or zero for
// long-term credentials.
func ownSessionContext(s *identity.Session) SessionContext {
	if s == nil {
		return SessionContext{}
	}
	return SessionContext{
		Attributes:     sessionAttributes(s),
		SourceIdentity: s.SourceIdentity,
	}
}

// issuedSessionContext is the sessionContext of a role session or federated
// user: the attributes plus the issuer.
func issuedSessionContext(p *identity.Principal) SessionContext {
	s := p.Session
	if s == nil {
		return SessionContext{}
	}
	issuer := SessionIssuer{
		Type:        s.IssuerType,
		PrincipalID: s.IssuerPrincipalID,
		ARN:         s.IssuerARN,
		AccountID:   arnAccount(s.IssuerARN),
	}
	if issuer.Type == "" && p.Type == identity.AssumedRole {
		issuer.Type = issuerTypeRole
	}
	if issuer.AccountID == "" {
		issuer.AccountID = p.AccountID
	}
	if issuer.Type != string(identity.Root) {
		// The last segment of the role or user ARN's path is its name.
		issuer.UserName = lastSegment(arnResource(s.IssuerARN), '/')
	}
	return SessionContext{
		SessionIssuer:  issuer,
		Attributes:     sessionAttributes(s),
		SourceIdentity: s.SourceIdentity,
	}
}

func sessionAttributes(s *identity.Session) SessionAttributes {
	return SessionAttributes{CreationDate: s.IssuedAt, MFAAuthenticated: s.MFAAuthenticated}
}

// lookupUsername is the LookupEvents Username of an event made by ui, the
// value the Username lookup attribute matches: "root" for the root user, the
// user name for IAM users, the role session name for role sessions (the last
// segment of the assumed-role ARN) and the federated user's name, as the
// CloudTrail console and LookupEvents show them.
func lookupUsername(ui *UserIdentity) string {
	switch ui.Type {
	case string(identity.Root):
		return "root"
	case string(identity.AssumedRole), string(identity.FederatedUser):
		if r := arnResource(ui.ARN); r != "" {
			return lastSegment(r, '/')
		}
		// "AROA...:session" or "account:name".
		if i := strings.IndexByte(ui.PrincipalID, ':'); i >= 0 {
			return ui.PrincipalID[i+1:]
		}
		return ""
	}
	return ui.UserName
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	account, _, _ := arnTail(arn)
	return account
}

// arnResource returns the resource part of an ARN (after the account), or "".
func arnResource(arn string) string {
	_, resource, _ := arnTail(arn)
	return resource
}

// arnTail splits arn:partition:service:region:account:resource into its
// account and resource, without allocating; ok is false for a string that is
// not an ARN.
func arnTail(arn string) (account, resource string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:")
	if !found {
		return "", "", false
	}
	for range 3 { // partition, service, region
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return "", "", false
		}
		rest = rest[i+1:]
	}
	account, resource, ok = strings.Cut(rest, ":")
	if !ok {
		return "", "", false
	}
	return account, resource, true
}

// lastSegment returns the part of s after the last sep.
func lastSegment(s string, sep byte) string {
	return s[strings.LastIndexByte(s, sep)+1:]
}
