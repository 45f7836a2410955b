package policy

import (
	"strconv"
	"strings"
)

// This file renders decisions for people: AWS's AccessDenied message forms
// ("Troubleshoot access denied error messages" in the IAM User Guide) and a
// fuller explanation naming the deciding statements.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html

// phrase is how AccessDenied messages name a policy type.
func (t PolicyType) phrase() string {
	switch t {
	case TypeIdentity:
		return "identity-based policy"
	case TypeResource:
		return "resource-based policy"
	case TypeBoundary:
		return "permissions boundary"
	case TypeSession:
		return "session policy"
	case TypeSCP:
		return "service control policy"
	case TypeRCP:
		return "resource control policy"
	}
	return "policy"
}

func article(phrase string) string {
	switch phrase[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an "
	}
	return "a "
}

// Message renders the AccessDenied message AWS gives for a denied request,
// for example:
//
//	User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject action
//	User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy
//
// It returns "" for an allowed request.
func (d *Decision) Message(req *Request) string {
	if d.Effect == Allow {
		return ""
	}
	var b strings.Builder
	b.WriteString("User: ")
	b.WriteString(req.Principal.ARN)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(req.Action)
	if req.Resource != "" {
		b.WriteString(" on resource: ")
		b.WriteString(req.Resource)
	}
	ph := d.DeniedBy.phrase()
	if d.Effect == ExplicitDeny {
		b.WriteString(" with an explicit deny in ")
		b.WriteString(article(ph))
		b.WriteString(ph)
		return b.String()
	}
	b.WriteString(" because no ")
	b.WriteString(ph)
	b.WriteString(" allows the ")
	b.WriteString(req.Action)
	b.WriteString(" action")
	return b.String()
}

// String describes the statement: `statement "ReadOnly" of identity-based
// policy arn:aws:iam::aws:policy/ReadOnlyAccess`, or `statement #2 of ...`
// when it has no Sid.
func (r StatementRef) String() string {
	var b strings.Builder
	b.WriteString("statement ")
	if sid := r.Sid(); sid != "" {
		b.WriteString(strconv.Quote(sid))
	} else {
		b.WriteString("#")
		b.WriteString(strconv.Itoa(r.Index))
	}
	b.WriteString(" of ")
	b.WriteString(r.Type.phrase())
	if r.Type == TypeSCP || r.Type == TypeRCP {
		b.WriteString(" (level ")
		b.WriteString(strconv.Itoa(r.Level))
		b.WriteString(")")
	}
	if r.Policy != nil && r.Policy.Name != "" {
		b.WriteString(" ")
		b.WriteString(r.Policy.Name)
	}
	return b.String()
}

// Key returns the compact reference the conformance files use:
// "<policy name>/<Sid>" or "<policy name>/#<index>".
func (r StatementRef) Key() string {
	name := ""
	if r.Policy != nil {
		name = r.Policy.Name
	}
	if sid := r.Sid(); sid != "" {
		return name + "/" + sid
	}
	return name + "/#" + strconv.Itoa(r.Index)
}

// Explain says in one sentence why the decision was made.
func (d *Decision) Explain() string {
	switch {
	case d.Reason == ReasonAlwaysAllowed:
		return "allowed: sts:GetCallerIdentity needs no permission"
	case d.Effect == ExplicitDeny:
		return "explicitly denied by " + d.refs[0].String()
	case d.Effect == ImplicitDeny:
		return "implicitly denied: no " + d.DeniedBy.phrase() + " allows the request"
	}
	var b strings.Builder
	if d.Reason == ReasonResourceGrant {
		b.WriteString("allowed by a resource-based policy that names the caller: ")
	} else {
		b.WriteString("allowed by ")
	}
	for i, r := range d.Statements() {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.String())
	}
	return b.String()
}
