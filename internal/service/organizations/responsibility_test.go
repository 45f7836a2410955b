package organizations_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
)

func TestResponsibilityTransfers(t *testing.T) {
	srv, client, _ := famTestOrg(t)
	ctx := context.Background()
	_, memberRoot := famTestMember(t, srv, "member")
	_, err := client.InviteOrganizationToTransferResponsibility(ctx, &orgsdk.InviteOrganizationToTransferResponsibilityInput{
		Type:           orgtypes.ResponsibilityTransferTypeBilling,
		Target:         &orgtypes.HandshakeParty{Id: aws.String("o-abcdefghij"), Type: orgtypes.HandshakePartyTypeOrganization},
		StartTimestamp: aws.Time(time.Now().AddDate(0, 1, 0)), SourceName: aws.String("us"),
	})
	famTestErr(t, "invite", err, "UnsupportedAPIEndpointException", "")
	var ae smithy.APIError
	if err != nil && (!errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "InviteOrganizationToTransferResponsibility")) {
		t.Errorf("the refusal does not name the operation: %v", err)
	}
	_, err = client.DescribeResponsibilityTransfer(ctx, &orgsdk.DescribeResponsibilityTransferInput{Id: aws.String("rt-abcdefgh")})
	famTestErr(t, "describe", err, "ResponsibilityTransferNotFoundException", "")
	_, err = client.TerminateResponsibilityTransfer(ctx, &orgsdk.TerminateResponsibilityTransferInput{Id: aws.String("rt-abcdefgh")})
	famTestErr(t, "terminate", err, "ResponsibilityTransferNotFoundException", "")
	_, err = client.UpdateResponsibilityTransfer(ctx, &orgsdk.UpdateResponsibilityTransferInput{Id: aws.String("rt-abcdefgh"), Name: aws.String("x")})
	famTestErr(t, "update", err, "ResponsibilityTransferNotFoundException", "")
	in, err := client.ListInboundResponsibilityTransfers(ctx, &orgsdk.ListInboundResponsibilityTransfersInput{Type: orgtypes.ResponsibilityTransferTypeBilling})
	if err != nil || len(in.ResponsibilityTransfers) != 0 {
		t.Errorf("inbound = %+v, %v", in, err)
	}
	out, err := client.ListOutboundResponsibilityTransfers(ctx, &orgsdk.ListOutboundResponsibilityTransfersInput{Type: orgtypes.ResponsibilityTransferTypeBilling})
	if err != nil || len(out.ResponsibilityTransfers) != 0 {
		t.Errorf("outbound = %+v, %v", out, err)
	}
	_, err = orgsdk.NewFromConfig(memberRoot).ListOutboundResponsibilityTransfers(ctx, &orgsdk.ListOutboundResponsibilityTransfersInput{Type: orgtypes.ResponsibilityTransferTypeBilling})
	famTestErr(t, "a member listing", err, "AccessDeniedException", "")
}
