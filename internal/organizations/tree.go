package organizations

import (
	"fmt"
	"strings"
)

// This file walks an organization's tree: root → OUs → account. The
// authorizer builds the SCP/RCP chain of an account from ParentChain, and
// the aws:PrincipalOrgPaths / aws:ResourceOrgPaths values and the API's
// Path / Paths members from EntityPath.

// MaxOUDepth is the number of levels of OUs AWS allows under the root.
const MaxOUDepth = 5

// ParentChain returns the ids of the targets from org's root down to
// accountID: the root id, the OUs that contain the account from the
// outermost in, and the account id last. The management account sits in
// the tree like any member. ErrNotFound when the account is not a member
// of org.
func (tx *Tx) ParentChain(org *Organization, accountID string) ([]string, error) {
	m, err := tx.Member(org.ID, accountID)
	if err != nil {
		return nil, err
	}
	chain, err := tx.containerChain(org, m.ParentID)
	if err != nil {
		return nil, err
	}
	return append(chain, accountID), nil
}

// OUChain returns the ids from org's root down to the OU ouID, ouID
// last. ErrNotFound when the OU does not exist.
func (tx *Tx) OUChain(org *Organization, ouID string) ([]string, error) {
	if _, err := tx.OU(org.ID, ouID); err != nil {
		return nil, err
	}
	return tx.containerChain(org, ouID)
}

// containerChain returns the ids from the root down to containerID (the
// root or an OU), containerID included.
func (tx *Tx) containerChain(org *Organization, containerID string) ([]string, error) {
	var rev []string
	id := containerID
	for id != org.RootID {
		// A well-formed tree is at most MaxOUDepth OUs deep; the bound
		// keeps a corrupt cycle from looping forever.
		if len(rev) > MaxOUDepth+1 {
			return nil, fmt.Errorf("organizations: OU %s of %s is nested too deep or in a cycle", containerID, org.ID)
		}
		ou, err := tx.OU(org.ID, id)
		if err != nil {
			return nil, err
		}
		rev = append(rev, ou.ID)
		id = ou.ParentID
	}
	chain := make([]string, 0, len(rev)+1)
	chain = append(chain, org.RootID)
	for i := len(rev) - 1; i >= 0; i-- {
		chain = append(chain, rev[i])
	}
	return chain, nil
}

// EntityPath returns AWS's entity path of the last id of chain (a chain
// as ParentChain or OUChain return it): "<org id>/<root id>/<ou id>/.../"
// with a trailing slash. For an account's chain it ends with the account
// id, which is the form of the Account.Paths member; the condition keys
// aws:PrincipalOrgPaths and aws:ResourceOrgPaths stop at the account's
// parent, so pass chain[:len(chain)-1] (see OrgPathOfAccount).
func EntityPath(org *Organization, chain []string) string {
	var sb strings.Builder
	sb.WriteString(org.ID)
	sb.WriteByte('/')
	for _, id := range chain {
		sb.WriteString(id)
		sb.WriteByte('/')
	}
	return sb.String()
}

// OrgPathOfAccount returns the value of aws:PrincipalOrgPaths (and
// aws:ResourceOrgPaths) for an account whose ParentChain is chain: the
// path of the root or OU that holds the account.
func OrgPathOfAccount(org *Organization, chain []string) string {
	if len(chain) == 0 {
		return org.ID + "/"
	}
	return EntityPath(org, chain[:len(chain)-1])
}
