package iam

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// TestDeleteUserConflictsOnEveryCredential checks DeleteUser's refusal for
// each thing that may hang off a user, including those other families
// manage (MFA devices, SSH keys, certificates, service-specific
// credentials, inline policies), by writing them into the user record.
func TestDeleteUserConflictsOnEveryCredential(t *testing.T) {
	cs := newClockedService(t)
	ctx := context.Background()
	now := time.Now()
	cases := []struct {
		what    string
		set     func(u *iam.User)
		message string
	}{
		{"login profile", func(u *iam.User) { u.LoginProfile = &iam.LoginProfile{CreateDate: now} }, "Cannot delete entity, must delete login profile first."},
		{"access key", func(u *iam.User) { u.AccessKeys = []string{"AKIAEXAMPLEEXAMPLE12"} }, "Cannot delete entity, must delete access keys first."},
		{"signing certificate", func(u *iam.User) { u.SigningCerts = []iam.SigningCertificate{{ID: "CERT", Status: "Active"}} }, "Cannot delete entity, must delete certificates first."},
		{"MFA device", func(u *iam.User) { u.MFADevices = []string{"arn:aws:iam::123456789012:mfa/x"} }, "Cannot delete entity, must delete MFA device first."},
		{"SSH key", func(u *iam.User) { u.SSHPublicKeys = []iam.SSHPublicKey{{ID: "APKAEXAMPLE"}} }, "Cannot delete entity, must remove referenced objects first."},
		{"service-specific credential", func(u *iam.User) { u.ServiceCreds = []iam.ServiceSpecificCredential{{ID: "ACCAEXAMPLE"}} }, "Cannot delete entity, must remove referenced objects first."},
		{"inline policy", func(u *iam.User) { u.Inline = []iam.InlinePolicy{{Name: "p", Document: "{}"}} }, "Cannot delete entity, must delete policies first."},
		{"attached policy", func(u *iam.User) { u.Attached = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"} }, "Cannot delete entity, must detach all policies first."},
		{"group", func(u *iam.User) { u.Groups = []string{"g"} }, "Cannot delete entity, must remove users from group first."},
	}
	for _, c := range cases {
		if _, err := cs.CreateUser(ctx, cs.root(), &api.CreateUserInput{UserName: ptr("yann")}); err != nil {
			t.Fatal(err)
		}
		err := cs.dir.Update(ctx, func(tx *iam.Tx) error {
			u, err := tx.User(cs.account, "yann")
			if err != nil {
				return err
			}
			c.set(u)
			return tx.PutUser(u)
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cs.DeleteUser(ctx, cs.root(), &api.DeleteUserInput{UserName: ptr("yann")})
		pe, ok := protocol.AsError(err)
		if !ok || pe.Code != "DeleteConflict" || pe.Message != c.message || pe.Status != 409 {
			t.Errorf("%s: DeleteUser = %v, want DeleteConflict %q", c.what, err, c.message)
		}
		// Clear the user so the next case starts from a bare one.
		err = cs.dir.Update(ctx, func(tx *iam.Tx) error { return tx.DeleteUser(cs.account, "yann") })
		if err != nil {
			t.Fatal(err)
		}
	}
}
