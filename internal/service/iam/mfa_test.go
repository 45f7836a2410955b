package iam_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// These tests drive the MFA operations with aws-sdk-go-v2 against an
// in-process node. TOTP codes are computed here with pquerna/otp from the
// Base32 seed the server returns, at chosen time steps around the real
// clock (the node's IAM service uses the wall clock).

// credsNode starts a node and returns an IAM client signed by its root
// user, and the account id.
func credsNode(t *testing.T) (*awsiam.Client, string) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return awsiam.NewFromConfig(srv.RootConfig()), srv.App.ManagementAccountID
}

// wantAPIError fails the test unless err is the AWS error code.
func wantAPIError(t *testing.T, what string, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
}

func credsCreateUser(t *testing.T, client *awsiam.Client, name string) {
	t.Helper()
	if _, err := client.CreateUser(context.Background(), &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
}

// stableStep returns the current TOTP time step, first waiting for the
// next step when fewer than 8 seconds of this one remain, so that the codes
// a test computes stay valid for the calls it makes next.
func stableStep(t *testing.T) int64 {
	t.Helper()
	now := time.Now()
	if left := 30 - now.Unix()%30; left < 8 {
		time.Sleep(time.Duration(left)*time.Second + 100*time.Millisecond)
	}
	return time.Now().Unix() / 30
}

// totpCode is the code of a seed at a time step, computed by pquerna/otp.
func totpCode(t *testing.T, seed string, step int64) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, time.Unix(step*30, 0), totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func createDevice(t *testing.T, client *awsiam.Client, in *awsiam.CreateVirtualMFADeviceInput) (serial, seed string) {
	t.Helper()
	out, err := client.CreateVirtualMFADevice(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateVirtualMFADevice %s: %v", aws.ToString(in.VirtualMFADeviceName), err)
	}
	return aws.ToString(out.VirtualMFADevice.SerialNumber), string(out.VirtualMFADevice.Base32StringSeed)
}

func enableDevice(ctx context.Context, client *awsiam.Client, user, serial, code1, code2 string) error {
	_, err := client.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{
		UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
	})
	return err
}

// TestCreateVirtualMFADevice: the serial number is the device ARN, the seed
// is 20 bytes of Base32, and the QR code is a PNG of the otpauth:// URI.
func TestCreateVirtualMFADevice(t *testing.T) {
	client, acct := credsNode(t)
	ctx := context.Background()
	out, err := client.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{
		VirtualMFADeviceName: aws.String("alice-phone"), Path: aws.String("/team/"),
		Tags: []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dev := out.VirtualMFADevice
	if got, want := aws.ToString(dev.SerialNumber), "arn:aws:iam::"+acct+":mfa/team/alice-phone"; got != want {
		t.Errorf("SerialNumber = %s, want %s", got, want)
	}
	seed := string(dev.Base32StringSeed)
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(seed)
	if err != nil || len(raw) != 20 {
		t.Fatalf("Base32StringSeed %q decodes to %d bytes, %v; want 20", seed, len(raw), err)
	}
	if len(dev.Tags) != 1 || aws.ToString(dev.Tags[0].Key) != "owner" {
		t.Errorf("Tags = %+v", dev.Tags)
	}

	if ct := http.DetectContentType(dev.QRCodePNG); ct != "image/png" {
		t.Fatalf("QRCodePNG content type = %s", ct)
	}
	img, err := png.Decode(bytes.NewReader(dev.QRCodePNG))
	if err != nil {
		t.Fatalf("QRCodePNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR code is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
	// The image is exactly the QR code of the enrolment URI: AWS's issuer
	// and "<device name>@<account id>" (the account has no alias).
	uri := "otpauth://totp/Amazon%20Web%20Services:alice-phone@" + acct + "?secret=" + seed + "&issuer=Amazon+Web+Services"
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if key.Issuer() != "Amazon Web Services" || key.AccountName() != "alice-phone@"+acct || key.Secret() != seed {
		t.Fatalf("test URI parses as issuer %q account %q", key.Issuer(), key.AccountName())
	}
	want, err := key.Image(256, 256)
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(img, want) {
		t.Error("QRCodePNG is not the QR code of " + uri)
	}

	_, err = client.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("Alice-Phone"), Path: aws.String("/team/")})
	wantAPIError(t, "same path and name in another case", err, "EntityAlreadyExists")
	_, err = client.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("x"), Path: aws.String("no-slash")})
	wantAPIError(t, "bad path", err, "ValidationError")
}

// sameImage compares two images pixel by pixel in grey levels.
func sameImage(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	ab, bb := a.Bounds(), b.Bounds()
	dark := 0
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ga := color.GrayModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.Gray)
			gb := color.GrayModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.Gray)
			if ga != gb {
				return false
			}
			if ga.Y < 128 {
				dark++
			}
		}
	}
	return dark > 0 && dark < ab.Dx()*ab.Dy()
}

// TestMFADeviceLifecycle walks a device through enable, resync,
// deactivate and delete, with the codes and conflicts IAM checks.
func TestMFADeviceLifecycle(t *testing.T) {
	client, acct := credsNode(t)
	ctx := context.Background()
	credsCreateUser(t, client, "alice")
	credsCreateUser(t, client, "bob")
	serial, seed := createDevice(t, client, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	if serial != "arn:aws:iam::"+acct+":mfa/alice" {
		t.Fatalf("serial = %s", serial)
	}

	cur := stableStep(t)
	code := func(step int64) string { return totpCode(t, seed, step) }
	for _, tc := range []struct {
		name         string
		code1, code2 string
	}{
		{"wrong codes", "123456", "654321"},
		{"not consecutive", code(cur - 2), code(cur)},
		{"reversed", code(cur), code(cur - 1)},
		{"the same code twice", code(cur), code(cur)},
		{"too old", code(cur - 4), code(cur - 3)},
	} {
		wantAPIError(t, tc.name, enableDevice(ctx, client, "alice", serial, tc.code1, tc.code2), "InvalidAuthenticationCode")
	}
	wantAPIError(t, "unknown user", enableDevice(ctx, client, "carol", serial, code(cur-2), code(cur-1)), "NoSuchEntity")
	wantAPIError(t, "unknown device", enableDevice(ctx, client, "alice", serial+"x", code(cur-2), code(cur-1)), "NoSuchEntity")

	if err := enableDevice(ctx, client, "alice", serial, code(cur-2), code(cur-1)); err != nil {
		t.Fatalf("EnableMFADevice with two consecutive codes: %v", err)
	}
	wantAPIError(t, "device already enabled", enableDevice(ctx, client, "bob", serial, code(cur), code(cur+1)), "EntityAlreadyExists")

	list, err := client.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("ALICE")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.MFADevices) != 1 || aws.ToString(list.MFADevices[0].SerialNumber) != serial ||
		aws.ToString(list.MFADevices[0].UserName) != "alice" || list.MFADevices[0].EnableDate == nil {
		t.Fatalf("ListMFADevices(alice) = %+v", list.MFADevices)
	}
	rootList, err := client.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{})
	if err != nil || len(rootList.MFADevices) != 0 {
		t.Fatalf("ListMFADevices for the root caller = %+v, %v; want none", rootList, err)
	}
	got, err := client.GetMFADevice(ctx, &awsiam.GetMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial)})
	if err != nil || aws.ToString(got.UserName) != "alice" || got.EnableDate == nil {
		t.Fatalf("GetMFADevice = %+v, %v", got, err)
	}
	_, err = client.GetMFADevice(ctx, &awsiam.GetMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial)})
	wantAPIError(t, "GetMFADevice for another user", err, "NoSuchEntity")

	assigned := listVirtual(t, client, iamtypes.AssignmentStatusTypeAssigned)
	if len(assigned) != 1 || assigned[0].User == nil || aws.ToString(assigned[0].User.UserName) != "alice" ||
		aws.ToString(assigned[0].User.Arn) != "arn:aws:iam::"+acct+":user/alice" || assigned[0].EnableDate == nil {
		t.Fatalf("assigned devices = %+v", assigned)
	}
	if assigned[0].Base32StringSeed != nil || assigned[0].QRCodePNG != nil {
		t.Error("ListVirtualMFADevices returned the seed")
	}
	if un := listVirtual(t, client, iamtypes.AssignmentStatusTypeUnassigned); len(un) != 0 {
		t.Errorf("unassigned devices = %+v", un)
	}

	resync := func(code1, code2 string) error {
		_, err := client.ResyncMFADevice(ctx, &awsiam.ResyncMFADeviceInput{
			UserName: aws.String("alice"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
		})
		return err
	}
	wantAPIError(t, "resync with the codes that enabled it", resync(code(cur-2), code(cur-1)), "InvalidAuthenticationCode")
	if err := resync(code(cur), code(cur+1)); err != nil {
		t.Fatalf("ResyncMFADevice: %v", err)
	}
	wantAPIError(t, "resync with the same codes again", resync(code(cur), code(cur+1)), "InvalidAuthenticationCode")

	_, err = client.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantAPIError(t, "delete an enabled device", err, "DeleteConflict")
	_, err = client.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial)})
	wantAPIError(t, "deactivate for the wrong user", err, "NoSuchEntity")
	if _, err := client.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial)}); err != nil {
		t.Fatalf("DeactivateMFADevice: %v", err)
	}
	list, err = client.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("alice")})
	if err != nil || len(list.MFADevices) != 0 {
		t.Fatalf("after deactivation ListMFADevices = %+v, %v", list, err)
	}
	un := listVirtual(t, client, iamtypes.AssignmentStatusTypeUnassigned)
	if len(un) != 1 || un[0].User != nil || un[0].EnableDate != nil {
		t.Fatalf("after deactivation unassigned devices = %+v", un)
	}
	// The device remembers the codes it accepted: they do not enable it again.
	wantAPIError(t, "re-enable with used codes", enableDevice(ctx, client, "bob", serial, code(cur), code(cur+1)), "InvalidAuthenticationCode")

	if _, err := client.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)}); err != nil {
		t.Fatalf("DeleteVirtualMFADevice: %v", err)
	}
	if all := listVirtual(t, client, ""); len(all) != 0 {
		t.Errorf("after delete devices = %+v", all)
	}
	_, err = client.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantAPIError(t, "delete twice", err, "NoSuchEntity")
}

func listVirtual(t *testing.T, client *awsiam.Client, status iamtypes.AssignmentStatusType) []iamtypes.VirtualMFADevice {
	t.Helper()
	var out []iamtypes.VirtualMFADevice
	p := awsiam.NewListVirtualMFADevicesPaginator(client, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: status, MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		pg, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListVirtualMFADevices: %v", err)
		}
		out = append(out, pg.VirtualMFADevices...)
	}
	return out
}

// TestMFADevicesPerUser: a user may have eight MFA devices enabled, and
// ListVirtualMFADevices pages through them in serial number order.
func TestMFADevicesPerUser(t *testing.T) {
	client, _ := credsNode(t)
	ctx := context.Background()
	credsCreateUser(t, client, "dave")
	cur := stableStep(t)
	for i := range 9 {
		name := string(rune('a'+i)) + "-device"
		serial, seed := createDevice(t, client, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
		err := enableDevice(ctx, client, "dave", serial, totpCode(t, seed, cur-1), totpCode(t, seed, cur))
		if i < 8 && err != nil {
			t.Fatalf("device %d: %v", i+1, err)
		}
		if i == 8 {
			wantAPIError(t, "ninth device", err, "LimitExceeded")
		}
	}
	all := listVirtual(t, client, iamtypes.AssignmentStatusTypeAny)
	if len(all) != 9 {
		t.Fatalf("listed %d devices, want 9", len(all))
	}
	for i := 1; i < len(all); i++ {
		if aws.ToString(all[i-1].SerialNumber) >= aws.ToString(all[i].SerialNumber) {
			t.Errorf("devices out of order: %s before %s", aws.ToString(all[i-1].SerialNumber), aws.ToString(all[i].SerialNumber))
		}
	}
	if assigned := listVirtual(t, client, iamtypes.AssignmentStatusTypeAssigned); len(assigned) != 8 {
		t.Errorf("%d assigned devices, want 8", len(assigned))
	}
}

// TestMFADeviceTags covers TagMFADevice, UntagMFADevice and
// ListMFADeviceTags.
func TestMFADeviceTags(t *testing.T) {
	client, _ := credsNode(t)
	ctx := context.Background()
	serial, _ := createDevice(t, client, &awsiam.CreateVirtualMFADeviceInput{
		VirtualMFADeviceName: aws.String("tagged"),
		Tags:                 []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}},
	})
	_, err := client.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: aws.String(serial), Tags: []iamtypes.Tag{
		{Key: aws.String("A"), Value: aws.String("2")}, {Key: aws.String("b"), Value: aws.String("3")}, {Key: aws.String("c"), Value: aws.String("4")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: aws.String(serial), TagKeys: []string{"C"}}); err != nil {
		t.Fatal(err)
	}
	var tags []iamtypes.Tag
	p := awsiam.NewListMFADeviceTagsPaginator(client, &awsiam.ListMFADeviceTagsInput{SerialNumber: aws.String(serial), MaxItems: aws.Int32(1)})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, pg.Tags...)
	}
	if len(tags) != 2 || aws.ToString(tags[0].Key) != "A" || aws.ToString(tags[0].Value) != "2" || aws.ToString(tags[1].Key) != "b" {
		t.Errorf("tags = %+v", tags)
	}
	_, err = client.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: aws.String(serial + "-nope"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantAPIError(t, "tag an unknown device", err, "NoSuchEntity")
}
