package organizations

import (
	"context"
	"errors"

	iamservice "github.com/gatehouse/gatehouse/internal/service/iam"
)

// IAMServicePrincipal is IAM's service principal, whose trusted access
// and delegated administrators govern centralized root access.
const IAMServicePrincipal = "iam.amazonaws.com"

// IAMFacts tells the IAM and STS services what they need of an account's
// organization (centralized root access: all features, trusted access for
// IAM, IAM's delegated administrators). It implements
// iamservice.Organizations over the store.
type IAMFacts struct {
	Store *Store
}

// AccountOrganization returns the organization accountID belongs to; ok is
// false when it is in none.
func (f IAMFacts) AccountOrganization(ctx context.Context, accountID string) (iamservice.OrganizationInfo, bool, error) {
	var info iamservice.OrganizationInfo
	found := false
	err := f.Store.View(ctx, func(tx *Tx) error {
		org, err := tx.OrganizationOfAccount(accountID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		info = IAMInfo(org)
		return nil
	})
	return info, found, err
}

// IAMInfo summarizes org for IAM.
func IAMInfo(org *Organization) iamservice.OrganizationInfo {
	info := iamservice.OrganizationInfo{
		ID:                  org.ID,
		ManagementAccountID: org.ManagementAccountID,
		AllFeatures:         org.FeatureSet == FeatureSetAll,
	}
	for _, t := range org.TrustedServices {
		if t.Principal == IAMServicePrincipal {
			info.IAMTrustedAccess = true
		}
	}
	for _, d := range org.DelegatedAdmins {
		if d.ServicePrincipal == IAMServicePrincipal {
			info.IAMDelegatedAdministrators = append(info.IAMDelegatedAdministrators, d.AccountID)
		}
	}
	return info
}
