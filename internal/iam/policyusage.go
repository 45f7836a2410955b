package iam

import (
	"encoding/json"
	"fmt"
	"strings"
)

// PolicyUsage counts an account's uses of a managed policy: entities it is
// attached to, and entities using it as their permissions boundary.
type PolicyUsage struct {
	Attachments, Boundaries int
}

// AWSPolicyUsages returns the account's usage counts of every AWS managed
// policy it uses, by policy name, read in one pass (ListPolicies shows the
// counts of all AWS managed policies at once).
func (tx *Tx) AWSPolicyUsages(accountID string) (map[string]PolicyUsage, error) {
	items, err := tx.List(KindAWSPolicyUsage, accountID+"/", "", 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]PolicyUsage, len(items))
	for _, it := range items {
		var u struct{ A, B int } // the record AddAWSPolicyUsage writes
		if err := json.Unmarshal(it.Value, &u); err != nil {
			return nil, fmt.Errorf("iam: decode %s %s: %w", KindAWSPolicyUsage, it.Key, err)
		}
		out[strings.TrimPrefix(it.Key, accountID+"/")] = PolicyUsage{Attachments: u.A, Boundaries: u.B}
	}
	return out, nil
}
