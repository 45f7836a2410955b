// Package policy is gatehouse's IAM policy engine: it parses, validates and
// compiles AWS IAM policy documents, and evaluates requests against a
// principal's policies the way AWS documents it, explaining every decision.
//
// The package is pure: no I/O, no clocks, no global state but a pool of
// parser buffers. Callers (internal/authz) gather the policies and build the
// request context.
//
// Use it in two steps. Parse each document once, when it is stored:
//
//	p, err := policy.Parse(doc, policy.KindManaged)
//
// Parse validates the document with AWS's MalformedPolicyDocument reasons and
// compiles it (lower-cased actions indexed by service, pre-split wildcards,
// parsed CIDRs, dates and numbers). Then evaluate each request:
//
//	d := policy.Evaluate(&req, &set)
//	if d.Effect != policy.Allow {
//		return accessDenied(d.Message(&req))
//	}
//
// Evaluate does not allocate. The evaluation follows the IAM User Guide's
// "Policy evaluation logic" pages:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//
// Decisions where the AWS documentation leaves room, so callers and later
// changes know what was chosen and why:
//
//   - "Principal": "*" (and an Allow with NotPrincipal) names an IAM user
//     like its own ARN, but a role session like its role's ARN, so in the
//     caller's account a permissions boundary and session policies still
//     limit it. This is the stricter reading of the boundary and session
//     policy pages, which only exempt grants that name the session itself.
//   - A plain (non-set) operator on a multivalued key is true when any
//     request value matches (negated operators: when none does), as
//     ForAnyValue would be.
//   - A policy variable without a single value makes its whole statement
//     not apply, Allow or Deny, even under NotResource or a negated
//     operator; a default value (${key, 'x'}) avoids that.
//   - In ARN patterns a "*" stays in its colon-separated segment unless it
//     ends the segment; "?" matches any one character.
//   - Condition operator names are accepted in any case. Values that could
//     never match (a malformed CIDR, number, date or base64 value) are
//     rejected at Parse rather than silently never matching. JSON objects
//     with duplicate keys are rejected ("Syntax errors in policy.").
//   - Sids are limited to letters and digits in IAM and Organizations kinds,
//     not in KindResource (S3 and KMS accept spaces).
//   - Size quotas: identity kinds count characters without white space
//     outside strings; SCPs, RCPs and session policies count every
//     character. Resource-based and trust policy quotas vary by service and
//     account, so the owning service checks them.
//
// Not covered yet: the U+0020-U+00FF character set rule for IAM documents,
// VPC endpoint policies and ACLs, per-service lists of the actions RCPs
// apply to (callers pass RCPs only where they apply), and populating global
// condition keys (aws:PrincipalArn, aws:username, ...), which belongs to
// internal/authz.
package policy
