// Package authz authorizes every request, of every service, with the IAM
// policy engine (internal/policy), before its handler runs. It implements
// server.Authorizer.
//
// # What a request is authorized as
//
// A table built once at start-up (BuildTable) says, for every operation
// of every served model, the IAM action(s) it is authorized as, how to
// build the ARN of each resource it acts on from its input, and which
// input members supply the service's condition keys. The table is
// derived from the service authorization catalog (internal/catalog) by
// matching names: the operation's name to the action's, each ${...}
// placeholder of the action's resource ARN formats to the input member of
// that name, each service condition key to the member of that name. Input
// members that hold whole ARNs of an action's resource type are resources
// as given. IAM's ${UserNameWithPath} and the like take the entity's path
// from the directory (a missing entity has path "/"), and IAM operations
// whose UserName defaults to the caller name the calling user. The data in
// overrides.go covers what names cannot say: operations authorized as
// other actions (kms:ReEncrypt), members named differently from their
// placeholders, renames that need both names, session tags that need
// sts:TagSession, the services' AccessDenied spellings.
//
// An action the catalog lists without resource types supports no
// resource-level permissions: it is evaluated against "*" only
// (policy.Request.WildcardOnly). So is an action whose resource the input
// does not name, which for now includes AWS Organizations' resources,
// whose ARNs carry the organization's id: the organizations service will
// supply them through a ResourceResolver, as KMS will resolve aliases to
// their keys and supply key policies.
//
// # Whose policies
//
// An IAM user's policies (with its groups' and its permissions boundary),
// a role session's (the role's, plus the session policies the session was
// created with), a federated user's (the issuing user's plus the session
// policies), a GetSessionToken session's (the user's). The directory
// caches the compiled permissions per IAM generation. IAM policies never
// bind an account's root user: root requests are allowed unless an
// Organizations implementation supplies SCPs (the Organizations hook, nil
// until AWS Organizations exists). Unsigned operations (web identity and
// SAML federation) are left to their handlers. sts:AssumeRole is decided
// with the role's trust policy as the resource-based policy that must
// allow; a role that does not exist is denied on the ARN given.
//
// # Condition keys
//
// The global keys gatehouse can know (see context.go), the request's tags,
// the service keys the catalog lists for the action, and the tags of IAM
// resources. Only the keys that one of the request's policies reads are
// set (needs.go): the decision is the same, and most requests then build
// a nearly empty context.
//
// # Enforcement modes
//
// On denies with the service's AccessDenied error and the engine's
// message. Soft (dev mode only) logs the would-be denial and records it in
// the call's trail event (additionalEventData.softEnforcementDenial), and
// lets the call through. Off (dev mode only, its default) authorizes
// nothing. In every mode the use of a long-term access key is noted for
// GetAccessKeyLastUsed.
package authz
