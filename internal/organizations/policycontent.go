package organizations

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file holds what Organizations checks in a policy's content before
// storing it: the size quota of its type, the IAM policy language for
// the authorization policies (SCPs and RCPs), and for every management
// policy type (tag, backup, AI services opt-out, chatbot, the declarative
// policies...) the JSON shape AWS documents: one top-level key naming the
// type, nested settings whose leaves are inheritance operators.

// TypeNetworkSecurityDirector is the network security director policy
// type, which the API model names though records.go does not list it.
const TypeNetworkSecurityDirector = "NETWORK_SECURITY_DIRECTOR_POLICY"

// policyTypeRule is what AWS's quotas and syntax pages say about one
// policy type.
type policyTypeRule struct {
	// maxChars is the largest document, in characters ("Quotas for AWS
	// Organizations": SCPs and RCPs 5,120, AI services opt-out 2,500,
	// upgrade rollout 5,120, the other management types 10,000).
	maxChars int
	// maxPerTarget is how many policies of the type one root, OU or
	// account may have attached (5 for SCPs, RCPs and AI services
	// opt-out policies, 10 for the others).
	maxPerTarget int
	// maxPerOrg is how many policies of the type an organization may
	// hold.
	maxPerOrg int
	// topKey is a management policy's only top-level key; "" for the
	// authorization policies, which are IAM policy documents.
	topKey string
}

var policyTypeRules = map[string]policyTypeRule{
	TypeSCP:                     {maxChars: policy.SCPMaxChars, maxPerTarget: 5, maxPerOrg: 10000},
	TypeRCP:                     {maxChars: policy.RCPMaxChars, maxPerTarget: 5, maxPerOrg: 1000},
	TypeTag:                     {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "tags"},
	TypeBackup:                  {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "plans"},
	TypeAIServicesOptOut:        {maxChars: 2500, maxPerTarget: 5, maxPerOrg: 1000, topKey: "services"},
	TypeChatbot:                 {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "chatbot"},
	TypeDeclarativeEC2:          {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "ec2_attributes"},
	TypeSecurityHub:             {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "securityhub"},
	TypeInspector:               {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "inspector"},
	TypeS3:                      {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "s3_attributes"},
	TypeBedrock:                 {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "bedrock"},
	TypeUpgradeRollout:          {maxChars: 5120, maxPerTarget: 10, maxPerOrg: 1000, topKey: "upgrade_rollout"},
	TypeNetworkSecurityDirector: {maxChars: 10000, maxPerTarget: 10, maxPerOrg: 1000, topKey: "network_security_director"},
}

// KnownPolicyType reports whether t is a policy type gatehouse knows the
// rules of.
func KnownPolicyType(t string) bool { _, ok := policyTypeRules[t]; return ok }

// IsAuthorizationPolicyType reports whether t is SCP or RCP: IAM policy
// documents the authorizer evaluates, never merged into an effective
// policy.
func IsAuthorizationPolicyType(t string) bool { return t == TypeSCP || t == TypeRCP }

// MaxPolicyChars returns the size quota of documents of type t, in
// characters.
func MaxPolicyChars(t string) int { return policyTypeRules[t].maxChars }

// MaxPoliciesPerTarget returns how many policies of type t one target may
// have attached.
func MaxPoliciesPerTarget(t string) int { return policyTypeRules[t].maxPerTarget }

// MaxPoliciesPerOrganization returns how many policies of type t an
// organization may hold.
func MaxPoliciesPerOrganization(t string) int { return policyTypeRules[t].maxPerOrg }

// ContentError is why ValidatePolicyContent rejected a document.
type ContentError struct {
	// TooLarge is set when the document exceeds its type's size quota
	// (AWS answers ConstraintViolation POLICY_CONTENT_LIMIT_EXCEEDED);
	// otherwise the document is malformed (MalformedPolicyDocument).
	TooLarge bool
	// Limit is the quota, in characters, when TooLarge.
	Limit int
	// Reason says what is wrong, naming the offending element.
	Reason string
}

// Error returns the reason.
func (e *ContentError) Error() string { return e.Reason }

func contentErrorf(format string, args ...any) *ContentError {
	return &ContentError{Reason: fmt.Sprintf(format, args...)}
}

// ValidatePolicyContent checks content as a policy of policyType: its
// size against the type's quota, SCPs and RCPs against the IAM policy
// language, and management policies against their documented syntax.
// Errors are *ContentError.
func ValidatePolicyContent(policyType, content string) error {
	rule, ok := policyTypeRules[policyType]
	if !ok {
		return contentErrorf("The policy type %s is not supported.", policyType)
	}
	if n := utf8.RuneCountInString(content); n > rule.maxChars {
		return &ContentError{TooLarge: true, Limit: rule.maxChars,
			Reason: fmt.Sprintf("The policy content is %d characters long; policies of type %s may have at most %d.", n, policyType, rule.maxChars)}
	}
	switch policyType {
	case TypeSCP, TypeRCP:
		kind := policy.KindSCP
		if policyType == TypeRCP {
			kind = policy.KindRCP
		}
		if _, err := policy.Parse([]byte(content), kind); err != nil {
			var me *policy.MalformedError
			if errors.As(err, &me) {
				if me.Code == policy.CodeLimitExceeded {
					return &ContentError{TooLarge: true, Limit: me.Limit, Reason: me.Reason}
				}
				return &ContentError{Reason: me.Reason}
			}
			return &ContentError{Reason: err.Error()}
		}
		return nil
	}
	doc, err := decodeManagementPolicy(content)
	if err != nil {
		return err
	}
	return validateManagementPolicy(policyType, rule.topKey, doc)
}

// Inheritance operators of management policies.
const (
	opAssign        = "@@assign"
	opAppend        = "@@append"
	opRemove        = "@@remove"
	opChildAllowed  = "@@operators_allowed_for_child_policies"
	opAll           = "@@all"
	opNone          = "@@none"
	operatorsPrefix = "@@"
)

// maxManagementDepth bounds the nesting of a management policy; no
// documented syntax comes near it, and the bound keeps recursion cheap.
const maxManagementDepth = 32

// decodeManagementPolicy parses content as one JSON object, numbers kept
// as written, rejecting trailing data and duplicate keys.
func decodeManagementPolicy(content string) (map[string]any, error) {
	if err := checkJSONObjectKeys([]byte(content)); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(content))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, contentErrorf("The policy is not valid JSON: %v.", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, contentErrorf("The policy has data after its JSON object.")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, contentErrorf("The policy must be a JSON object.")
	}
	return obj, nil
}

// checkJSONObjectKeys rejects duplicate keys in any object of doc, which
// encoding/json would silently collapse, and nesting beyond
// maxManagementDepth. Syntax errors are left to the decoder.
func checkJSONObjectKeys(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		object    bool
		keys      map[string]bool
		expectKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error the decoder reports
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.expectKey = true
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expectKey: true})
				if len(stack) > maxManagementDepth {
					return contentErrorf("The policy is nested more than %d levels deep.", maxManagementDepth)
				}
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.expectKey {
				if top.keys[t] {
					return contentErrorf("The policy repeats the key %q in one object.", t)
				}
				top.keys[t] = true
				top.expectKey = false
				continue
			}
			if top != nil && top.object {
				top.expectKey = true
			}
		default:
			if top != nil && top.object {
				top.expectKey = true
			}
		}
	}
}

// validateManagementPolicy checks the generic operator syntax of every
// node and then the type's own rules.
func validateManagementPolicy(policyType, topKey string, doc map[string]any) error {
	if len(doc) == 0 {
		return contentErrorf("The policy must contain the top-level key %q.", topKey)
	}
	for k := range doc {
		if k != topKey && k != opChildAllowed {
			return contentErrorf("The policy has the top-level key %q; policies of type %s have only %q.", k, policyType, topKey)
		}
	}
	top, ok := doc[topKey]
	if !ok {
		return contentErrorf("The policy must contain the top-level key %q.", topKey)
	}
	if err := validateOperatorNode(doc, ""); err != nil {
		return err
	}
	topObj, ok := top.(map[string]any)
	if !ok {
		return contentErrorf("The value of %q must be a JSON object.", topKey)
	}
	switch policyType {
	case TypeTag:
		return validateTagPolicy(topObj)
	case TypeAIServicesOptOut:
		return validateAIOptOutPolicy(topObj)
	case TypeBackup:
		return validateBackupPolicy(topObj)
	case TypeS3:
		return validateS3Policy(topObj)
	}
	return nil
}

// validateOperatorNode checks one object of a management policy: value
// operators carry a scalar or an array of scalars (@@append and @@remove
// only arrays), the child-control operator a list of operators, other
// keys nested objects; an object does not mix value operators with
// nested settings.
func validateOperatorNode(obj map[string]any, path string) error {
	hasValueOp, hasChild := false, false
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		p := joinPolicyPath(path, k)
		switch {
		case k == opAssign:
			hasValueOp = true
			if !isScalarOrScalarArray(v) {
				return contentErrorf("The value of %s must be a string, number, boolean or an array of them.", p)
			}
		case k == opAppend || k == opRemove:
			hasValueOp = true
			if arr, ok := v.([]any); !ok || !isScalarOrScalarArray(arr) {
				return contentErrorf("The value of %s must be an array.", p)
			}
		case k == opChildAllowed:
			if _, err := parseChildOperators(v, p); err != nil {
				return err
			}
		case strings.HasPrefix(k, operatorsPrefix):
			return contentErrorf("%s is not an inheritance operator.", p)
		case k == "":
			return contentErrorf("The policy has an empty key under %s.", displayPolicyPath(path))
		default:
			hasChild = true
			child, ok := v.(map[string]any)
			if !ok {
				return contentErrorf("The value of %s must be a JSON object holding an inheritance operator such as @@assign.", p)
			}
			if err := validateOperatorNode(child, p); err != nil {
				return err
			}
		}
	}
	if hasValueOp && hasChild {
		return contentErrorf("%s mixes inheritance operators with nested settings.", displayPolicyPath(path))
	}
	return nil
}

// Operator bits for child-control masks.
const (
	bitAssign uint8 = 1 << iota
	bitAppend
	bitRemove
	bitsAll = bitAssign | bitAppend | bitRemove
)

func operatorBit(op string) uint8 {
	switch op {
	case opAssign:
		return bitAssign
	case opAppend:
		return bitAppend
	case opRemove:
		return bitRemove
	}
	return 0
}

// parseChildOperators reads a @@operators_allowed_for_child_policies
// value into a mask of the value operators child policies may use.
func parseChildOperators(v any, path string) (uint8, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return 0, contentErrorf("The value of %s must be a non-empty array of operators.", path)
	}
	var mask uint8
	seenAllOrNone := false
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return 0, contentErrorf("The value of %s must list operators as strings.", path)
		}
		switch s {
		case opAll:
			mask = bitsAll
			seenAllOrNone = true
		case opNone:
			seenAllOrNone = true
		case opAssign, opAppend, opRemove:
			mask |= operatorBit(s)
		default:
			return 0, contentErrorf("%s lists %q; allowed are @@all, @@none, @@assign, @@append and @@remove.", path, s)
		}
	}
	if seenAllOrNone && len(arr) > 1 {
		return 0, contentErrorf("%s must list @@all or @@none alone.", path)
	}
	return mask, nil
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, json.Number, bool:
		return true
	}
	return false
}

func isScalarOrScalarArray(v any) bool {
	if isScalar(v) {
		return true
	}
	arr, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range arr {
		if !isScalar(e) {
			return false
		}
	}
	return true
}

// stringsOf returns v as a list of strings: a string alone, or an array
// of strings; ok is false for anything else.
func stringsOf(v any) ([]string, bool) {
	if s, ok := v.(string); ok {
		return []string{s}, true
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// joinPolicyPath names a node of a policy as AWS's PathToError does:
// keys joined by dots.
func joinPolicyPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func displayPolicyPath(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// validateTagPolicy applies "Tag policy syntax": each entry of "tags"
// holds only tag_key (@@assign of a string that matches the entry's key
// but for case, at most 128 characters), tag_value (strings of at most 256
// characters) and enforced_for ("service:resource" strings).
func validateTagPolicy(tags map[string]any) error {
	for _, name := range sortedKeys(tags) {
		if name == opChildAllowed {
			continue
		}
		if strings.HasPrefix(name, operatorsPrefix) {
			return contentErrorf("tags.%s: tags holds tag entries, not operators.", name)
		}
		entry := tags[name].(map[string]any) // validateOperatorNode checked
		path := "tags." + name
		if utf8.RuneCountInString(name) > 128 {
			return contentErrorf("%s: a tag key has at most 128 characters.", path)
		}
		for _, field := range sortedKeys(entry) {
			sub, _ := entry[field].(map[string]any)
			fp := path + "." + field
			switch field {
			case opChildAllowed:
			case "tag_key":
				for op, v := range sub {
					switch op {
					case opAssign:
						s, ok := v.(string)
						if !ok {
							return contentErrorf("%s.@@assign must be a string.", fp)
						}
						if !strings.EqualFold(s, name) {
							return contentErrorf("%s.@@assign %q must match the tag key %q apart from case.", fp, s, name)
						}
						if utf8.RuneCountInString(s) > 128 {
							return contentErrorf("%s: a tag key has at most 128 characters.", fp)
						}
					case opChildAllowed:
					default:
						return contentErrorf("%s supports only @@assign.", fp)
					}
				}
			case "tag_value":
				for op, v := range sub {
					if op == opChildAllowed {
						continue
					}
					vals, ok := stringsOf(v)
					if !ok {
						return contentErrorf("%s.%s must be a string or an array of strings.", fp, op)
					}
					for _, s := range vals {
						if utf8.RuneCountInString(s) > 256 {
							return contentErrorf("%s: a tag value has at most 256 characters.", fp)
						}
					}
				}
			case "enforced_for":
				for op, v := range sub {
					if op == opChildAllowed {
						continue
					}
					vals, ok := stringsOf(v)
					if !ok {
						return contentErrorf("%s.%s must be an array of strings.", fp, op)
					}
					for _, s := range vals {
						svc, res, found := strings.Cut(s, ":")
						if !found || svc == "" || res == "" || strings.Contains(res, ":") {
							return contentErrorf("%s: %q must have the form service:resource_type (or service:*).", fp, s)
						}
					}
				}
			default:
				return contentErrorf("%s is not a tag policy element; use tag_key, tag_value or enforced_for.", fp)
			}
		}
	}
	return nil
}

// validateAIOptOutPolicy applies "AI services opt-out policy syntax":
// each entry of "services" (a service name or "default") holds only
// opt_out_policy, whose @@assign is optOut or optIn.
func validateAIOptOutPolicy(services map[string]any) error {
	for _, svc := range sortedKeys(services) {
		if svc == opChildAllowed {
			continue
		}
		if strings.HasPrefix(svc, operatorsPrefix) {
			return contentErrorf("services.%s: services holds service entries, not operators.", svc)
		}
		entry := services[svc].(map[string]any)
		for _, field := range sortedKeys(entry) {
			fp := "services." + svc + "." + field
			switch field {
			case opChildAllowed:
			case "opt_out_policy":
				for op, v := range entry[field].(map[string]any) {
					switch op {
					case opChildAllowed:
					case opAssign:
						if s, _ := v.(string); s != "optOut" && s != "optIn" {
							return contentErrorf("%s.@@assign must be \"optOut\" or \"optIn\".", fp)
						}
					default:
						return contentErrorf("%s supports only @@assign.", fp)
					}
				}
			default:
				return contentErrorf("%s is not an AI services opt-out policy element; use opt_out_policy.", fp)
			}
		}
	}
	return nil
}

// backupPlanElements are the elements "Backup policy syntax" documents
// under a plan.
var backupPlanElements = map[string]bool{
	"regions": true, "rules": true, "selections": true,
	"advanced_backup_settings": true, "backup_plan_tags": true,
	opChildAllowed: true,
}

// validateBackupPolicy applies "Backup policy syntax": "plans" holds
// named plans whose elements are regions, rules, selections,
// advanced_backup_settings and backup_plan_tags; regions is a list of
// region names.
func validateBackupPolicy(plans map[string]any) error {
	for _, name := range sortedKeys(plans) {
		if name == opChildAllowed {
			continue
		}
		if strings.HasPrefix(name, operatorsPrefix) {
			return contentErrorf("plans.%s: plans holds named backup plans, not operators.", name)
		}
		plan := plans[name].(map[string]any)
		for _, field := range sortedKeys(plan) {
			fp := "plans." + name + "." + field
			if !backupPlanElements[field] {
				return contentErrorf("%s is not a backup plan element; use regions, rules, selections, advanced_backup_settings or backup_plan_tags.", fp)
			}
			if field != "regions" {
				continue
			}
			for op, v := range plan[field].(map[string]any) {
				if op == opChildAllowed {
					continue
				}
				if _, ok := stringsOf(v); !ok {
					return contentErrorf("%s.%s must be an array of region names.", fp, op)
				}
			}
		}
	}
	return nil
}

// validateS3Policy applies "Amazon S3 policy syntax":
// public_access_block_configuration is assigned "all" or "none".
func validateS3Policy(attrs map[string]any) error {
	for _, field := range sortedKeys(attrs) {
		fp := "s3_attributes." + field
		switch field {
		case opChildAllowed:
		case "public_access_block_configuration":
			for op, v := range attrs[field].(map[string]any) {
				switch op {
				case opChildAllowed:
				case opAssign:
					if s, _ := v.(string); s != "all" && s != "none" {
						return contentErrorf("%s.@@assign must be \"all\" or \"none\".", fp)
					}
				default:
					return contentErrorf("%s supports only @@assign.", fp)
				}
			}
		default:
			return contentErrorf("%s is not an Amazon S3 policy element.", fp)
		}
	}
	return nil
}
