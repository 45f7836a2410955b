package artifact

import (
	"context"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/artifact"
)

const tokenAgreements = "customer-agreements"

// listCustomerAgreements lists the agreements in force for the caller's
// account: its own acceptances and its organization's.
func (s *Service) listCustomerAgreements(ctx context.Context, c *call.Call, in *api.ListCustomerAgreementsInput) (*api.ListCustomerAgreementsOutput, error) {
	start, err := decodeIntToken(tokenAgreements, in.NextToken)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ActiveAgreements(ctx, c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	if start > int64(len(all)) {
		return nil, validationError(api.ValidationExceptionReasonInvalidToken, "nextToken", "The pagination token is not valid.")
	}
	end := min(len(all), int(start)+pageSize(in.MaxResults))
	out := &api.ListCustomerAgreementsOutput{CustomerAgreements: make([]api.CustomerAgreementSummary, 0, end-int(start))}
	for _, a := range all[start:end] {
		sum := api.CustomerAgreementSummary{
			Name: ptr(a.Agreement.Name), Arn: ptr(a.ARN()), Id: ptr(a.ID), AgreementArn: ptr(artifact.AgreementARN(a.AgreementID)),
			AwsAccountId: ptr(a.AccountID), OrganizationArn: nonEmpty(a.OrganizationARN),
			EffectiveStart: ptr(a.EffectiveStart), EffectiveEnd: a.EffectiveEnd, State: api.CustomerAgreementState(a.State),
			Description: nonEmpty(a.Agreement.Description), AcceptanceTerms: a.Agreement.AcceptanceTerms,
			TerminateTerms: a.Agreement.TerminateTerms, Type: api.AgreementType(a.Agreement.Type),
		}
		out.CustomerAgreements = append(out.CustomerAgreements, sum)
	}
	if end < len(all) {
		out.NextToken = encodeToken(tokenAgreements, strconv.Itoa(end))
	}
	return out, nil
}
