// Package organizations keeps AWS Organizations' state: organizations,
// their roots, organizational units, member accounts, policies and their
// attachments, handshakes, account creation requests, delegated
// administrators, trusted services, resource policies and tags. The
// organizations service (internal/service/organizations) serves the API
// over it; the authorizer reads the policy chains that bind each account
// (chains.go) from it, from memory, invalidated on every write.
//
// Every write goes through Store.Update, which runs inside an IAM
// directory transaction, so that creating an account writes the account,
// its membership and its OrganizationAccountAccessRole atomically.
package organizations

import (
	"time"
)

// Storage kinds owned by this package. Keys are "<org id>/<id>" unless
// noted.
const (
	// KindOrganization: org id → Organization.
	KindOrganization = "org/organization"
	// KindAccountOrg: account id → the id of the organization the account
	// belongs to (the raw id, not JSON). An account is in at most one.
	KindAccountOrg = "org/account-org"
	// KindManagementOrg: management account id → org id (raw).
	KindManagementOrg = "org/management-org"
	// KindMember: org id/account id → Member.
	KindMember = "org/member"
	// KindOU: org id/ou id → OU.
	KindOU = "org/ou"
	// KindPolicy: org id/policy id → Policy (customer managed only; the
	// AWS managed policies are built in, see ManagedPolicies).
	KindPolicy = "org/policy"
	// KindAttachment: org id/target id/policy id → Attachment.
	KindAttachment = "org/attachment"
	// KindAttachmentByPolicy: org id/policy id/target id → Attachment.
	KindAttachmentByPolicy = "org/attachment-by-policy"
	// KindTags: org id/resource id → []Tag.
	KindTags = "org/tags"
	// KindHandshake: handshake id → Handshake (key without org id, since
	// invitations reach accounts outside the organization).
	KindHandshake = "org/handshake"
	// KindHandshakeByAccount: account id/handshake id → handshake id (raw),
	// the handshakes an account is a party to.
	KindHandshakeByAccount = "org/handshake-by-account"
	// KindCreateAccountStatus: org id/request id → CreateAccountStatus.
	KindCreateAccountStatus = "org/create-account-status"
	// KindResponsibilityTransfer: org id/transfer id → ResponsibilityTransfer.
	KindResponsibilityTransfer = "org/responsibility-transfer"
)

// Feature sets of an organization.
const (
	FeatureSetAll                 = "ALL"
	FeatureSetConsolidatedBilling = "CONSOLIDATED_BILLING"
)

// Policy types, as the API names them.
const (
	TypeSCP              = "SERVICE_CONTROL_POLICY"
	TypeRCP              = "RESOURCE_CONTROL_POLICY"
	TypeTag              = "TAG_POLICY"
	TypeBackup           = "BACKUP_POLICY"
	TypeAIServicesOptOut = "AISERVICES_OPT_OUT_POLICY"
	TypeChatbot          = "CHATBOT_POLICY"
	TypeDeclarativeEC2   = "DECLARATIVE_POLICY_EC2"
	TypeSecurityHub      = "SECURITYHUB_POLICY"
	TypeInspector        = "INSPECTOR_POLICY"
	TypeS3               = "S3_POLICY"
	TypeBedrock          = "BEDROCK_POLICY"
	TypeUpgradeRollout   = "UPGRADE_ROLLOUT_POLICY"
)

// Account statuses and joined methods.
const (
	StatusActive         = "ACTIVE"
	StatusSuspended      = "SUSPENDED"
	StatusPendingClosure = "PENDING_CLOSURE"

	JoinedCreated = "CREATED"
	JoinedInvited = "INVITED"
)

// Organization is one organization. Its small org-wide lists (enabled
// policy types, trusted services, delegated administrators, the resource
// policy) live in the record itself.
type Organization struct {
	ID                  string    `json:"id"`
	FeatureSet          string    `json:"featureSet"`
	ManagementAccountID string    `json:"managementAccountId"`
	ManagementEmail     string    `json:"managementEmail"`
	CreatedAt           time.Time `json:"createdAt"`
	// RootID is the id of the organization's only root (r-xxxx).
	RootID   string `json:"rootId"`
	RootName string `json:"rootName"`
	// PolicyTypes are the policy types enabled on the root, with their
	// status (ENABLED, PENDING_ENABLE, PENDING_DISABLE).
	PolicyTypes []PolicyTypeStatus `json:"policyTypes,omitempty"`
	// TrustedServices are the service principals with trusted access.
	TrustedServices []TrustedService `json:"trustedServices,omitempty"`
	// DelegatedAdmins are the registered delegated administrators.
	DelegatedAdmins []Delegation `json:"delegatedAdmins,omitempty"`
	// ResourcePolicy is the organization's resource-based policy, nil if
	// none.
	ResourcePolicy *ResourcePolicy `json:"resourcePolicy,omitempty"`
	// AllFeaturesHandshake is the id of the open ENABLE_ALL_FEATURES
	// handshake, if any.
	AllFeaturesHandshake string `json:"allFeaturesHandshake,omitempty"`
}

// PolicyTypeStatus is one policy type's state on the root.
type PolicyTypeStatus struct {
	Type   string `json:"type"`
	Status string `json:"status"`
}

// TrustedService is an AWS service given trusted access.
type TrustedService struct {
	Principal string    `json:"principal"`
	EnabledAt time.Time `json:"enabledAt"`
}

// Delegation registers a member account as a delegated administrator
// for a service.
type Delegation struct {
	AccountID        string    `json:"accountId"`
	ServicePrincipal string    `json:"servicePrincipal"`
	EnabledAt        time.Time `json:"enabledAt"`
}

// ResourcePolicy is the organization's resource-based policy.
type ResourcePolicy struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

// Member is an account's membership of an organization.
type Member struct {
	AccountID string `json:"accountId"`
	OrgID     string `json:"orgId"`
	// ParentID is the root or OU the account sits in.
	ParentID     string    `json:"parentId"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Status       string    `json:"status"`
	JoinedMethod string    `json:"joinedMethod"`
	JoinedAt     time.Time `json:"joinedAt"`
	// ClosedAt is when CloseAccount was called (Status SUSPENDED or
	// PENDING_CLOSURE).
	ClosedAt *time.Time `json:"closedAt,omitempty"`
}

// OU is an organizational unit.
type OU struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Name      string    `json:"name"`
	ParentID  string    `json:"parentId"`
	CreatedAt time.Time `json:"createdAt"`
}

// Policy is a customer managed policy of an organization.
type Policy struct {
	ID          string `json:"id"`
	OrgID       string `json:"orgId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	Content     string `json:"content"`
	// UpdatedAt is when the policy was created or last updated; the
	// effective policy's LastUpdatedTimestamp reads it.
	UpdatedAt time.Time `json:"updatedAt,omitempty"`
}

// Attachment records that a policy is attached to a target (root, OU or
// account).
type Attachment struct {
	PolicyID   string    `json:"policyId"`
	TargetID   string    `json:"targetId"`
	AttachedAt time.Time `json:"attachedAt"`
}

// Tag is a key and value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Handshake is a two-party request: an invitation to join, or the
// approval of all features.
type Handshake struct {
	ID    string `json:"id"`
	OrgID string `json:"orgId"`
	// ManagementAccountID is the organization's management account (it
	// owns the ARN).
	ManagementAccountID string `json:"managementAccountId"`
	// Action is INVITE, ENABLE_ALL_FEATURES, APPROVE_ALL_FEATURES,
	// ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE or
	// TRANSFER_RESPONSIBILITY.
	Action string `json:"action"`
	// State is REQUESTED, OPEN, CANCELED, ACCEPTED, DECLINED or EXPIRED.
	State     string              `json:"state"`
	Parties   []HandshakeParty    `json:"parties"`
	Resources []HandshakeResource `json:"resources,omitempty"`
	// Notes is the invitation's note.
	Notes       string    `json:"notes,omitempty"`
	RequestedAt time.Time `json:"requestedAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// ParentHandshakeID links APPROVE_ALL_FEATURES handshakes to their
	// ENABLE_ALL_FEATURES handshake.
	ParentHandshakeID string `json:"parentHandshakeId,omitempty"`
}

// HandshakeParty is one party of a handshake: Type ACCOUNT, ORGANIZATION
// or EMAIL.
type HandshakeParty struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// HandshakeResource is one resource of a handshake (the API's nested
// structure).
type HandshakeResource struct {
	Type      string              `json:"type"`
	Value     string              `json:"value"`
	Resources []HandshakeResource `json:"resources,omitempty"`
}

// CreateAccountStatus tracks one CreateAccount request.
type CreateAccountStatus struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"orgId"`
	AccountName string     `json:"accountName"`
	State       string     `json:"state"` // IN_PROGRESS, SUCCEEDED, FAILED
	RequestedAt time.Time  `json:"requestedAt"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	AccountID   string     `json:"accountId,omitempty"`
	// FailureReason is the API's CreateAccountFailureReason.
	FailureReason string `json:"failureReason,omitempty"`
}

// ResponsibilityTransfer is a billing responsibility transfer between
// organizations.
type ResponsibilityTransfer struct {
	ID                string     `json:"id"`
	OrgID             string     `json:"orgId"`
	Name              string     `json:"name"`
	Type              string     `json:"type"`
	Status            string     `json:"status"`
	Direction         string     `json:"direction"` // inbound or outbound
	SourceOrgID       string     `json:"sourceOrgId,omitempty"`
	SourceManagement  string     `json:"sourceManagement,omitempty"`
	TargetOrgID       string     `json:"targetOrgId,omitempty"`
	TargetManagement  string     `json:"targetManagement,omitempty"`
	StartAt           time.Time  `json:"startAt"`
	EndAt             *time.Time `json:"endAt,omitempty"`
	ActiveHandshakeID string     `json:"activeHandshakeId,omitempty"`
}
