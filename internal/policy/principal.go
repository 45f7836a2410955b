package policy

import "strings"

// This file describes who makes a request and matches it against the
// Principal and NotPrincipal elements of resource-based policies.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html

// PrincipalType is the kind of caller.
type PrincipalType uint8

const (
	// PrincipalAnonymous is an unauthenticated caller; only "Principal": "*"
	// names it.
	PrincipalAnonymous PrincipalType = iota
	// PrincipalRoot is an account's root user. It has every permission in its
	// own account that SCPs and explicit denies leave it.
	PrincipalRoot
	// PrincipalUser is an IAM user.
	PrincipalUser
	// PrincipalRoleSession is an assumed-role session
	// (arn:aws:sts::111122223333:assumed-role/RoleName/SessionName).
	PrincipalRoleSession
	// PrincipalFederatedUser is a GetFederationToken session
	// (arn:aws:sts::111122223333:federated-user/Name).
	PrincipalFederatedUser
	// PrincipalService is an AWS service principal (ec2.amazonaws.com).
	PrincipalService
	// PrincipalWebIdentity is a caller authenticated by an OIDC or SAML
	// provider, as it calls AssumeRoleWithWebIdentity or AssumeRoleWithSAML.
	PrincipalWebIdentity
)

var principalTypeNames = [...]string{"anonymous", "root", "user", "role-session", "federated-user", "service", "web-identity"}

// String names the principal type as the conformance files spell it.
func (t PrincipalType) String() string {
	if int(t) < len(principalTypeNames) {
		return principalTypeNames[t]
	}
	return "unknown"
}

// ParsePrincipalType returns the PrincipalType that String names.
func ParsePrincipalType(s string) (PrincipalType, bool) {
	for i, n := range principalTypeNames {
		if n == s {
			return PrincipalType(i), true
		}
	}
	return 0, false
}

// Principal is the caller of a request.
type Principal struct {
	Type PrincipalType
	// ARN is the caller's ARN: the root ARN (arn:aws:iam::111122223333:root),
	// the user ARN, the session ARN or the federated-user ARN. Messages quote it.
	ARN string
	// Account is the caller's account ID.
	Account string
	// RoleARN is, for a role session, the role's ARN, with its path. Session
	// ARNs carry no path (arn:aws:iam::1:role/ops/Admin has sessions
	// arn:aws:sts::1:assumed-role/Admin/name).
	RoleARN string
	// UserARN is, for a federated user, the IAM user that called
	// GetFederationToken.
	UserARN string
	// Service is, for a service principal, its name (lambda.amazonaws.com).
	Service string
	// Federated is, for a web identity, the identity provider as trust
	// policies name it (accounts.google.com, or a SAML/OIDC provider ARN).
	Federated string
	// CanonicalUser is the caller's S3 canonical user ID, when known.
	CanonicalUser string
}

// SessionARN returns the ARN of a session of the role roleARN: the path is
// dropped and the service becomes sts.
func SessionARN(roleARN, sessionName string) string {
	// arn:partition:iam::account:role/path/Name
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return ""
	}
	name := parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	return "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/" + sessionName
}

// grant says how directly a resource-based policy statement names the
// caller, which decides whether its Allow stands alone in the caller's own
// account (see Evaluate).
type grant uint8

const (
	grantNone    grant = iota
	grantAccount       // the caller's account (account ID or :root): delegates to IAM
	grantEntity        // the role of a session, or the user behind a federated user
	grantDirect        // the caller itself: user, role session, service, web identity
)

// principals is a compiled Principal or NotPrincipal element.
type principals struct {
	all       bool
	accounts  []string
	arns      []string
	services  []string
	federated []string
	canonical []string
}

func compilePrincipals(p *Principals) *principals {
	c := &principals{all: p.All, services: p.Service, federated: p.Federated, canonical: p.CanonicalUser}
	for _, v := range p.AWS {
		if v == "*" {
			c.all = true
			continue
		}
		form, _ := principalARNKind(v)
		switch form {
		case formAccount:
			if isAccountID(v) {
				c.accounts = append(c.accounts, v)
			} else {
				c.accounts = append(c.accounts, strings.SplitN(v, ":", 6)[4])
			}
		case formEntity:
			c.arns = append(c.arns, v)
		}
	}
	for _, s := range p.Service {
		if s == "*" {
			c.all = true
		}
	}
	return c
}

func (c *principals) hasARN(arn string) bool {
	return arn != "" && containsString(c.arns, arn)
}

func (c *principals) hasAccount(acct string) bool {
	return acct != "" && containsString(c.accounts, acct)
}

// match says how the element names the caller.
func (c *principals) match(p *Principal) grant {
	if c.all {
		return wildcardGrant(p)
	}
	if p.CanonicalUser != "" && containsString(c.canonical, p.CanonicalUser) {
		return grantDirect
	}
	switch p.Type {
	case PrincipalUser:
		if c.hasARN(p.ARN) {
			return grantDirect
		}
	case PrincipalRoleSession:
		if c.hasARN(p.ARN) {
			return grantDirect
		}
		if c.hasARN(p.RoleARN) {
			return grantEntity
		}
	case PrincipalFederatedUser:
		if c.hasARN(p.ARN) {
			return grantDirect
		}
		if c.hasARN(p.UserARN) {
			return grantEntity
		}
	case PrincipalService:
		if p.Service != "" && containsString(c.services, p.Service) {
			return grantDirect
		}
		return grantNone
	case PrincipalWebIdentity:
		if p.Federated != "" && containsString(c.federated, p.Federated) {
			return grantDirect
		}
		return grantNone
	case PrincipalAnonymous:
		return grantNone
	}
	if c.hasAccount(p.Account) {
		return grantAccount
	}
	return grantNone
}

// wildcardGrant is how "Principal": "*" names the caller: like its own ARN
// for users and services; like the role (not the session) for role sessions,
// so boundaries and session policies still limit it; like the account for
// the root user.
func wildcardGrant(p *Principal) grant {
	switch p.Type {
	case PrincipalRoleSession, PrincipalFederatedUser:
		return grantEntity
	case PrincipalRoot:
		return grantAccount
	}
	return grantDirect
}

// excludes reports whether a NotPrincipal element leaves the caller out of
// its statement. AWS checks the caller at every level it is known by
// (account, role, session), so the caller is excluded only when all of them
// are listed; the NotPrincipal page tells authors to list the account and
// role ARNs along with the session ARN for this reason.
func (c *principals) excludes(p *Principal) bool {
	if c.all {
		return true
	}
	if p.CanonicalUser != "" && containsString(c.canonical, p.CanonicalUser) {
		return true
	}
	switch p.Type {
	case PrincipalRoot:
		return c.hasAccount(p.Account)
	case PrincipalUser:
		return c.hasAccount(p.Account) && c.hasARN(p.ARN)
	case PrincipalRoleSession:
		return c.hasAccount(p.Account) && c.hasARN(p.RoleARN) && c.hasARN(p.ARN)
	case PrincipalFederatedUser:
		return c.hasAccount(p.Account) && c.hasARN(p.ARN)
	case PrincipalService:
		return p.Service != "" && containsString(c.services, p.Service)
	case PrincipalWebIdentity:
		return p.Federated != "" && containsString(c.federated, p.Federated)
	}
	return false
}
