package organizations

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"time"
)

// This file computes the effective management policy of an account (a
// tag, backup, AI services opt-out, chatbot or declarative policy) the
// way "Understanding management policy inheritance" and "Inheritance
// operators" describe: the policies attached to the root are merged
// first, then those of each OU down the account's chain, then the
// account's own. At each node of the document @@assign replaces the
// inherited value, @@append adds to an inherited list and @@remove takes
// values out of it; @@operators_allowed_for_child_policies limits which
// of those operators policies further down may use at that node and
// below, and a child can only narrow, never widen, what it inherited.
// A child policy's operator that its parents forbid is ignored and
// reported as a validation error of the effective policy.

// EffectiveSource is one policy attached at one level of the chain.
type EffectiveSource struct {
	PolicyID string
	Content  string
}

// EffectiveValidationError is one problem of an effective policy, as
// ListEffectivePolicyValidationErrors reports it.
type EffectiveValidationError struct {
	// Code is OPERATOR_NOT_ALLOWED (a policy used an operator its parents
	// forbid at that node; the change was ignored),
	// INVALID_OPERATOR_FOR_VALUE (@@append or @@remove on a single value)
	// or MISSING_REQUIRED_ELEMENT (a backup plan the merge left without
	// regions, rules or selections).
	Code    string
	Message string
	// Path is the dotted path of the node in the policy.
	Path string
	// Policies are the ids of the policies that contributed.
	Policies []string
}

// EffectiveResult is the outcome of merging an account's policies of one
// management type.
type EffectiveResult struct {
	// Content is the effective policy as JSON, with the inheritance
	// operators resolved; "" when no policy of the type applies.
	Content string
	// Errors are the validation errors of the merge, in the order found.
	Errors []EffectiveValidationError
	// Policies are the ids of the policies merged, root first.
	Policies []string
	// LastUpdated is the latest attachment of a merged policy.
	LastUpdated time.Time
}

// effNode is one node of the effective document being built.
type effNode struct {
	children map[string]*effNode
	value    any
	hasValue bool
	// setBy are the policies whose operators shaped this node's value.
	setBy []string
	// allowed is the mask of operators policies below the current level
	// may use at this node and beneath; pending collects restrictions of
	// the level being merged, which bind only the levels after it.
	allowed, pending uint8
	// restrictedBy are the policies that narrowed allowed.
	restrictedBy, pendingBy []string
}

func newEffNode() *effNode { return &effNode{allowed: bitsAll, pending: bitsAll} }

func (n *effNode) child(key string) *effNode {
	if n.children == nil {
		n.children = map[string]*effNode{}
	}
	c, ok := n.children[key]
	if !ok {
		c = newEffNode()
		n.children[key] = c
	}
	return c
}

// effMerge is one merge in progress.
type effMerge struct {
	root   *effNode
	errors []EffectiveValidationError
}

// ComputeEffective merges levels (root first, the account last; each
// level's policies in attachment order) into the effective policy of
// policyType. Each content must have passed ValidatePolicyContent.
func ComputeEffective(policyType string, levels [][]EffectiveSource) (*EffectiveResult, error) {
	if IsAuthorizationPolicyType(policyType) || !KnownPolicyType(policyType) {
		return nil, fmt.Errorf("organizations: %s has no effective policy", policyType)
	}
	m := &effMerge{root: newEffNode()}
	res := &EffectiveResult{}
	for _, level := range levels {
		for _, src := range level {
			doc, err := decodeManagementPolicy(src.Content)
			if err != nil {
				return nil, fmt.Errorf("organizations: policy %s: %w", src.PolicyID, err)
			}
			m.apply(doc, m.root, "", bitsAll, nil, src.PolicyID)
			res.Policies = append(res.Policies, src.PolicyID)
		}
		m.commitLevel(m.root)
	}
	if len(res.Policies) == 0 {
		return res, nil
	}
	rendered, _ := render(m.root)
	if rendered == nil {
		rendered = map[string]any{}
	}
	if policyType == TypeBackup {
		m.checkBackupPlans()
	}
	raw, err := json.Marshal(rendered)
	if err != nil {
		return nil, err
	}
	res.Content = string(raw)
	res.Errors = m.errors
	return res, nil
}

// apply merges one policy's object obj into node. mask is what the
// levels above allow here; restrictors are the policies that narrowed it.
func (m *effMerge) apply(obj map[string]any, node *effNode, path string, mask uint8, restrictors []string, policyID string) {
	mask &= node.allowed
	if node.allowed != bitsAll {
		restrictors = appendUnique(restrictors, node.restrictedBy...)
	}
	if v, ok := obj[opChildAllowed]; ok {
		if allowed, err := parseChildOperators(v, path); err == nil {
			node.pending &= allowed
			node.pendingBy = appendUnique(node.pendingBy, policyID)
		}
	}
	for _, op := range []string{opAssign, opAppend, opRemove} {
		v, ok := obj[op]
		if !ok {
			continue
		}
		if mask&operatorBit(op) == 0 {
			m.errors = append(m.errors, EffectiveValidationError{
				Code:     "OPERATOR_NOT_ALLOWED",
				Message:  fmt.Sprintf("The operator %s is not allowed at %s: an inherited policy restricts the operators child policies may use. The change was ignored.", op, displayPolicyPath(path)),
				Path:     path,
				Policies: appendUnique(append([]string(nil), restrictors...), policyID),
			})
			continue
		}
		m.setValue(node, op, v, path, policyID)
	}
	for _, k := range sortedKeys(obj) {
		if len(k) >= 2 && k[:2] == operatorsPrefix {
			continue
		}
		child, ok := obj[k].(map[string]any)
		if !ok {
			continue
		}
		m.apply(child, node.child(k), joinPolicyPath(path, k), mask, restrictors, policyID)
	}
}

// setValue applies one value operator to node.
func (m *effMerge) setValue(node *effNode, op string, v any, path, policyID string) {
	switch op {
	case opAssign:
		node.value = cloneJSON(v)
		node.hasValue = true
		node.setBy = []string{policyID}
		return
	}
	items, _ := v.([]any)
	var current []any
	if node.hasValue {
		arr, ok := node.value.([]any)
		if !ok {
			m.errors = append(m.errors, EffectiveValidationError{
				Code:     "INVALID_OPERATOR_FOR_VALUE",
				Message:  fmt.Sprintf("The operator %s applies only to lists, and %s holds a single value. The change was ignored.", op, displayPolicyPath(path)),
				Path:     path,
				Policies: appendUnique(append([]string(nil), node.setBy...), policyID),
			})
			return
		}
		current = arr
	}
	switch op {
	case opAppend:
		out := append([]any(nil), current...)
		for _, it := range items {
			if !containsJSON(out, it) {
				out = append(out, cloneJSON(it))
			}
		}
		node.value, node.hasValue = out, true
	case opRemove:
		if !node.hasValue {
			return
		}
		out := make([]any, 0, len(current))
		for _, it := range current {
			if !containsJSON(items, it) {
				out = append(out, it)
			}
		}
		node.value = out
	}
	node.setBy = appendUnique(node.setBy, policyID)
}

// commitLevel makes the restrictions collected while merging one level
// bind the levels below it.
func (m *effMerge) commitLevel(node *effNode) {
	if node.pending != bitsAll {
		node.allowed &= node.pending
		node.restrictedBy = appendUnique(node.restrictedBy, node.pendingBy...)
	}
	node.pending, node.pendingBy = bitsAll, nil
	for _, c := range node.children {
		m.commitLevel(c)
	}
}

// render turns the merged tree into plain JSON values; nodes that hold
// nothing are left out. ok is false for such an empty node.
func render(n *effNode) (any, bool) {
	if n.hasValue {
		return n.value, true
	}
	out := map[string]any{}
	for k, c := range n.children {
		if v, ok := render(c); ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil, false
	}
	return out, true
}

// checkBackupPlans reports the backup plans that the merge left without
// one of the elements "Backup policy syntax" requires of a plan.
func (m *effMerge) checkBackupPlans() {
	plans := m.root.children["plans"]
	if plans == nil {
		return
	}
	names := make([]string, 0, len(plans.children))
	for k := range plans.children {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		plan := plans.children[name]
		if _, ok := render(plan); !ok {
			continue
		}
		for _, req := range []string{"regions", "rules", "selections"} {
			if c := plan.children[req]; c != nil {
				if _, ok := render(c); ok {
					continue
				}
			}
			m.errors = append(m.errors, EffectiveValidationError{
				Code:     "MISSING_REQUIRED_ELEMENT",
				Message:  fmt.Sprintf("The backup plan %q of the effective policy has no %s.", name, req),
				Path:     "plans." + name + "." + req,
				Policies: collectSetBy(plan, nil),
			})
		}
	}
}

func collectSetBy(n *effNode, acc []string) []string {
	acc = appendUnique(acc, n.setBy...)
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		acc = collectSetBy(n.children[k], acc)
	}
	return acc
}

func appendUnique(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, have := range list {
			if have == it {
				found = true
				break
			}
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}

func containsJSON(list []any, v any) bool {
	for _, it := range list {
		if reflect.DeepEqual(it, v) {
			return true
		}
	}
	return false
}

func cloneJSON(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneJSON(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = cloneJSON(e)
		}
		return out
	}
	return v
}

// EffectivePolicy computes accountID's effective policy of policyType in
// org from the policies attached along its chain (root, OUs, account).
// A result with empty Content means no policy of the type applies.
// ErrNotFound when the account is not a member of org.
func (tx *Tx) EffectivePolicy(org *Organization, accountID, policyType string) (*EffectiveResult, error) {
	chain, err := tx.ParentChain(org, accountID)
	if err != nil {
		return nil, err
	}
	levels := make([][]EffectiveSource, 0, len(chain))
	var last time.Time
	for _, target := range chain {
		atts, err := tx.AttachmentsOf(org.ID, target)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(atts, func(i, j int) bool {
			if !atts[i].AttachedAt.Equal(atts[j].AttachedAt) {
				return atts[i].AttachedAt.Before(atts[j].AttachedAt)
			}
			return atts[i].PolicyID < atts[j].PolicyID
		})
		var level []EffectiveSource
		for _, a := range atts {
			if Managed(a.PolicyID) != nil {
				continue
			}
			p, err := tx.Policy(org.ID, a.PolicyID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if p.Type != policyType {
				continue
			}
			level = append(level, EffectiveSource{PolicyID: p.ID, Content: p.Content})
			if a.AttachedAt.After(last) {
				last = a.AttachedAt
			}
			if p.UpdatedAt.After(last) {
				last = p.UpdatedAt
			}
		}
		levels = append(levels, level)
	}
	res, err := ComputeEffective(policyType, levels)
	if err != nil {
		return nil, err
	}
	res.LastUpdated = last
	return res, nil
}
