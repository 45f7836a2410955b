package iam

import "time"

// Tag is an IAM tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// InlinePolicy is a policy embedded in a user, group or role. Document is
// the text as the caller sent it (IAM returns it URL-encoded, as sent).
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"`
}

// User is a stored IAM user. Everything that belongs to exactly one user and
// is small (inline policies, attachments, group names, key ids, the login
// profile, SSH keys, certificates, service-specific credentials) lives in
// its record, so that a user and what hangs off it change in one write and
// authorization reads one item per user.
type User struct {
	AccountID  string    `json:"account"`
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	ID         string    `json:"id"`
	CreateDate time.Time `json:"created"`
	Tags       []Tag     `json:"tags,omitempty"`
	// Boundary is the ARN of the permissions boundary, "" for none.
	Boundary string         `json:"boundary,omitempty"`
	Inline   []InlinePolicy `json:"inline,omitempty"`
	// Attached lists the ARNs of attached managed policies, in attach order.
	Attached []string `json:"attached,omitempty"`
	// Groups lists the names of the groups the user belongs to, in join order.
	Groups []string `json:"groups,omitempty"`
	// AccessKeys lists the ids of the user's access keys (at most 2).
	AccessKeys []string `json:"keys,omitempty"`
	// MFADevices lists the serial numbers of the user's enabled MFA devices.
	MFADevices       []string                    `json:"mfa,omitempty"`
	LoginProfile     *LoginProfile               `json:"login,omitempty"`
	PasswordLastUsed time.Time                   `json:"pwdUsed,omitzero"`
	SSHPublicKeys    []SSHPublicKey              `json:"ssh,omitempty"`
	SigningCerts     []SigningCertificate        `json:"certs,omitempty"`
	ServiceCreds     []ServiceSpecificCredential `json:"svcCreds,omitempty"`
}

// ARN is the user's ARN.
func (u *User) ARN() string { return UserARN(u.AccountID, u.Path, u.Name) }

// LoginProfile is a user's console password.
type LoginProfile struct {
	// PasswordSealed is the argon2id hash (PHC string) sealed under the
	// keyring; the password itself is never stored.
	PasswordSealed []byte    `json:"pwd"`
	CreateDate     time.Time `json:"created"`
	ChangedDate    time.Time `json:"changed"`
	ResetRequired  bool      `json:"reset,omitempty"`
	// History holds the sealed hashes of earlier passwords, newest first,
	// for the password policy's reuse prevention.
	History [][]byte `json:"history,omitempty"`
}

// SSHPublicKey is an SSH key uploaded for CodeCommit.
type SSHPublicKey struct {
	ID          string    `json:"id"`
	Body        string    `json:"body"`
	Fingerprint string    `json:"fp"`
	Status      string    `json:"status"`
	UploadDate  time.Time `json:"uploaded"`
}

// SigningCertificate is an X.509 signing certificate of a user.
type SigningCertificate struct {
	ID         string    `json:"id"`
	Body       string    `json:"body"`
	Status     string    `json:"status"`
	UploadDate time.Time `json:"uploaded"`
}

// ServiceSpecificCredential is a user name and password for one service
// (CodeCommit, Amazon Keyspaces, Bedrock).
type ServiceSpecificCredential struct {
	ID          string `json:"id"`
	ServiceName string `json:"service"`
	// ServiceUserName is the user name the service knows.
	ServiceUserName string `json:"serviceUser"`
	// PasswordSealed is the generated password, sealed: AWS shows it once,
	// at creation and reset, and never again.
	PasswordSealed []byte    `json:"pwd"`
	Status         string    `json:"status"`
	CreateDate     time.Time `json:"created"`
	ExpirationDate time.Time `json:"expires,omitzero"`
}

// Group is a stored IAM group.
type Group struct {
	AccountID  string         `json:"account"`
	Name       string         `json:"name"`
	Path       string         `json:"path"`
	ID         string         `json:"id"`
	CreateDate time.Time      `json:"created"`
	Inline     []InlinePolicy `json:"inline,omitempty"`
	Attached   []string       `json:"attached,omitempty"`
	// Members lists the names of the member users, in join order.
	Members []string `json:"members,omitempty"`
}

// ARN is the group's ARN.
func (g *Group) ARN() string { return GroupARN(g.AccountID, g.Path, g.Name) }

// Role is a stored IAM role.
type Role struct {
	AccountID  string    `json:"account"`
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	ID         string    `json:"id"`
	CreateDate time.Time `json:"created"`
	// TrustPolicy is the assume-role policy document as sent.
	TrustPolicy        string         `json:"trust"`
	Description        string         `json:"desc,omitempty"`
	MaxSessionDuration int32          `json:"maxSession"`
	Tags               []Tag          `json:"tags,omitempty"`
	Boundary           string         `json:"boundary,omitempty"`
	Inline             []InlinePolicy `json:"inline,omitempty"`
	Attached           []string       `json:"attached,omitempty"`
	// InstanceProfiles lists the names of the instance profiles holding the role.
	InstanceProfiles []string  `json:"profiles,omitempty"`
	LastUsedDate     time.Time `json:"lastUsed,omitzero"`
	LastUsedRegion   string    `json:"lastUsedRegion,omitempty"`
	// ServiceLinked marks roles created by CreateServiceLinkedRole; IAM
	// refuses to change or delete them with the ordinary operations.
	ServiceLinked bool `json:"slr,omitempty"`
}

// ARN is the role's ARN.
func (r *Role) ARN() string { return RoleARN(r.AccountID, r.Path, r.Name) }

// ManagedPolicy is a customer managed policy, or (AccountID "aws") an AWS
// managed one.
type ManagedPolicy struct {
	AccountID   string    `json:"account"`
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	ID          string    `json:"id"`
	Description string    `json:"desc,omitempty"`
	CreateDate  time.Time `json:"created"`
	UpdateDate  time.Time `json:"updated"`
	// DefaultVersion is the id of the default version ("v1", "v2", ...).
	DefaultVersion string          `json:"default"`
	Versions       []PolicyVersion `json:"versions"`
	// NextVersion is the number the next version gets: version ids are
	// never reused.
	NextVersion int `json:"next"`
	// AttachmentCount counts the users, groups and roles it is attached
	// to; BoundaryCount those using it as a permissions boundary.
	AttachmentCount int   `json:"attachments"`
	BoundaryCount   int   `json:"boundaries"`
	Tags            []Tag `json:"tags,omitempty"`
}

// ARN is the policy's ARN.
func (p *ManagedPolicy) ARN() string { return PolicyARN(p.AccountID, p.Path, p.Name) }

// Default returns the default version.
func (p *ManagedPolicy) Default() *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == p.DefaultVersion {
			return &p.Versions[i]
		}
	}
	return nil
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID         string    `json:"id"`
	Document   string    `json:"doc"`
	CreateDate time.Time `json:"created"`
}

// InstanceProfile is a stored instance profile.
type InstanceProfile struct {
	AccountID  string    `json:"account"`
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	ID         string    `json:"id"`
	CreateDate time.Time `json:"created"`
	// Roles lists the names of its roles (at most one, as AWS allows).
	Roles []string `json:"roles,omitempty"`
	Tags  []Tag    `json:"tags,omitempty"`
}

// ARN is the instance profile's ARN.
func (p *InstanceProfile) ARN() string {
	return "arn:aws:iam::" + p.AccountID + ":instance-profile" + p.Path + p.Name
}

// MFADevice is a virtual MFA device. Its TOTP seed is sealed under the
// keyring.
type MFADevice struct {
	AccountID string `json:"account"`
	// SerialNumber is the device ARN: arn:aws:iam::ACCOUNT:mfa/PATH/NAME.
	SerialNumber string `json:"serial"`
	SeedSealed   []byte `json:"seed"`
	// UserName is the user it is enabled for ("" when unassigned; the
	// account's root user is "<root_account>").
	UserName   string    `json:"user,omitempty"`
	EnableDate time.Time `json:"enabled,omitzero"`
	// LastStep is the last TOTP time step accepted, so that no code is
	// accepted twice.
	LastStep int64 `json:"lastStep,omitempty"`
	Tags     []Tag `json:"tags,omitempty"`
}

// RootMFAUser is the UserName of an MFA device enabled for the root user.
const RootMFAUser = "<root_account>"

// OIDCProvider is an OpenID Connect identity provider.
type OIDCProvider struct {
	AccountID   string    `json:"account"`
	ARN         string    `json:"arn"`
	URL         string    `json:"url"`
	ClientIDs   []string  `json:"clientIds,omitempty"`
	Thumbprints []string  `json:"thumbprints,omitempty"`
	CreateDate  time.Time `json:"created"`
	Tags        []Tag     `json:"tags,omitempty"`
}

// SAMLProvider is a SAML 2.0 identity provider.
type SAMLProvider struct {
	AccountID  string    `json:"account"`
	ARN        string    `json:"arn"`
	Name       string    `json:"name"`
	Metadata   string    `json:"metadata"`
	CreateDate time.Time `json:"created"`
	ValidUntil time.Time `json:"validUntil"`
	Tags       []Tag     `json:"tags,omitempty"`
	// UUID is the provider's SAMLProviderUUID.
	UUID string `json:"uuid,omitempty"`
	// EncryptionMode is the AssertionEncryptionMode: "Allowed" (or "") or
	// "Required" (the provider must encrypt its assertions).
	EncryptionMode string `json:"encMode,omitempty"`
	// PrivateKeys are the keys (at most 2) that decrypt encrypted assertions.
	PrivateKeys []SAMLPrivateKey `json:"keys,omitempty"`
}

// SAMLPrivateKey is a private key that decrypts a SAML provider's encrypted
// assertions. The PEM text is sealed under the keyring (purpose
// SAMLKeySealPurpose, the key id as additional data) and never returned.
type SAMLPrivateKey struct {
	ID         string    `json:"id"`
	PEMSealed  []byte    `json:"pem"`
	CreateDate time.Time `json:"created"`
}

// ServerCertificate is an uploaded server certificate. The private key is
// sealed under the keyring and never returned.
type ServerCertificate struct {
	AccountID        string    `json:"account"`
	Name             string    `json:"name"`
	Path             string    `json:"path"`
	ID               string    `json:"id"`
	Body             string    `json:"body"`
	Chain            string    `json:"chain,omitempty"`
	PrivateKeySealed []byte    `json:"key"`
	UploadDate       time.Time `json:"uploaded"`
	Expiration       time.Time `json:"expires"`
	Tags             []Tag     `json:"tags,omitempty"`
}

// AccountSettings holds an account's IAM-wide settings.
type AccountSettings struct {
	AccountID string `json:"account"`
	// Alias is the account alias ("" for none; an account has at most one).
	Alias          string          `json:"alias,omitempty"`
	PasswordPolicy *PasswordPolicy `json:"passwordPolicy,omitempty"`
	// CredentialReport is the last generated credential report (CSV).
	CredentialReport     []byte    `json:"report,omitempty"`
	CredentialReportTime time.Time `json:"reportTime,omitzero"`
	// GlobalEndpointTokenVersion is SetSecurityTokenServicePreferences' value.
	GlobalEndpointTokenVersion string `json:"stsTokenVersion,omitempty"`
	// OutboundFederationEnabled is whether outbound web identity federation
	// (STS GetWebIdentityToken) is on; OutboundIssuer is the account's
	// unique issuer URL, made by the first EnableOutboundWebIdentityFederation
	// and kept across disabling so that verifiers keep trusting it. See
	// outbound.go.
	OutboundFederationEnabled bool   `json:"outboundFed,omitempty"`
	OutboundIssuer            string `json:"outboundIssuer,omitempty"`
	// RootSigningCerts are the root user's X.509 signing certificates (the
	// root user has no User record; IAM users keep theirs in User).
	RootSigningCerts []SigningCertificate `json:"rootCerts,omitempty"`
}

// PasswordPolicy is the account password policy.
type PasswordPolicy struct {
	MinimumPasswordLength      int32 `json:"minLength"`
	RequireSymbols             bool  `json:"symbols"`
	RequireNumbers             bool  `json:"numbers"`
	RequireUppercaseCharacters bool  `json:"upper"`
	RequireLowercaseCharacters bool  `json:"lower"`
	AllowUsersToChangePassword bool  `json:"allowChange"`
	// MaxPasswordAge is in days; 0 means passwords do not expire.
	MaxPasswordAge int32 `json:"maxAge,omitempty"`
	// PasswordReusePrevention is how many earlier passwords may not be reused.
	PasswordReusePrevention int32 `json:"reuse,omitempty"`
	HardExpiry              bool  `json:"hardExpiry,omitempty"`
}
