package compliance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/kms"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// checks maps each served control to its check. Controls with Unserved set
// have none: they report NotApplicable.
var checks = map[*Control]func(*facts) []Result{
	ctlRootAccessKeys:      checkRootAccessKeys,
	ctlRootMFA:             checkRootMFA,
	ctlRootUse:             checkRootUse,
	ctlPasswordLength:      checkPasswordLength,
	ctlPasswordReuse:       checkPasswordReuse,
	ctlConsoleMFA:          checkConsoleMFA,
	ctlKeysAtSetup:         checkKeysAtSetup,
	ctlUnusedCredentials:   checkUnusedCredentials,
	ctlOneActiveKey:        checkOneActiveKey,
	ctlKeyRotation:         checkKeyRotation,
	ctlGroupsOnly:          checkGroupsOnly,
	ctlAdminPolicies:       checkAdminPolicies,
	ctlSupportRole:         checkSupportRole,
	ctlExpiredCertificates: checkExpiredCertificates,
	ctlCloudShell:          checkCloudShell,
	ctlKMSRotation:         checkKMSRotation,
}

// runChecks runs every control against one account's facts.
func runChecks(f *facts) []Result {
	var out []Result
	for _, c := range Controls {
		out = append(out, runCheck(c, f)...)
	}
	return out
}

// runCheck runs one control; its results carry the control and account.
func runCheck(c *Control, f *facts) []Result {
	var results []Result
	if c.Unserved != "" {
		results = []Result{{ResourceType: accountResourceType, Resource: accountResource(f.accountID), Status: NotApplicable,
			Detail: "not applicable yet: gatehouse does not serve " + c.Unserved + " yet"}}
	} else if check := checks[c]; check != nil {
		results = check(f)
	} else {
		results = []Result{{ResourceType: accountResourceType, Resource: accountResource(f.accountID), Status: NotApplicable,
			Detail: "not applicable yet: gatehouse has no check for this control yet"}}
	}
	for i := range results {
		results[i].Control, results[i].AccountID = c, f.accountID
	}
	return results
}

// accountPass is the single passing result of a per-resource control that
// found nothing to check.
func accountPass(f *facts, detail string) []Result {
	return []Result{{ResourceType: accountResourceType, Resource: accountResource(f.accountID), Status: Passed, Detail: detail}}
}

func userResult(u *iam.User, status Status, detail, command string) Result {
	return Result{ResourceType: userResourceType, Resource: u.ARN(), Status: status, Detail: detail, Command: command}
}

// 1.4: no root access key.
func checkRootAccessKeys(f *facts) []Result {
	r := Result{ResourceType: accountResourceType, Resource: rootARN(f.accountID)}
	if len(f.rootKeys) == 0 {
		r.Status, r.Detail = Passed, "the root user has no access key"
		return []Result{r}
	}
	ids := make([]string, len(f.rootKeys))
	cmds := make([]string, len(f.rootKeys))
	for i, k := range f.rootKeys {
		ids[i] = k.ID + " (" + k.Status + ")"
		cmds[i] = "aws iam delete-access-key --access-key-id " + k.ID
	}
	r.Status = Failed
	r.Detail = fmt.Sprintf("the root user has %d access key(s): %s", len(ids), strings.Join(ids, ", "))
	r.Command = strings.Join(cmds, " && ")
	return []Result{r}
}

// 1.5: root MFA.
func checkRootMFA(f *facts) []Result {
	r := Result{ResourceType: accountResourceType, Resource: rootARN(f.accountID)}
	if len(f.rootMFA) > 0 {
		r.Status, r.Detail = Passed, "the root user has MFA device "+f.rootMFA[0].SerialNumber
		return []Result{r}
	}
	r.Status, r.Detail = Failed, "the root user has no MFA device"
	r.Command = "aws iam create-virtual-mfa-device --virtual-mfa-device-name root-account-mfa-device --outfile root-mfa.seed --bootstrap-method Base32StringSeed"
	return []Result{r}
}

// 1.7: root use within the window.
func checkRootUse(f *facts) []Result {
	r := Result{ResourceType: accountResourceType, Resource: rootARN(f.accountID)}
	days := int(f.now.Sub(f.rootUseSince) / (24 * time.Hour))
	if f.rootLastUsed.IsZero() || f.rootLastUsed.Before(f.rootUseSince) {
		r.Status, r.Detail = Passed, fmt.Sprintf("no root user activity in the last %d days", days)
		return []Result{r}
	}
	r.Status, r.Detail = Failed, fmt.Sprintf("the root user was used in the last %d days: %s", days, f.rootUseWhat)
	return []Result{r}
}

// passwordPolicyCommand is an update-account-password-policy command that
// keeps the policy's other settings (the call replaces the whole policy)
// and raises the length and reuse to CIS's values.
func passwordPolicyCommand(p *iam.PasswordPolicy) string {
	if p == nil {
		p = &iam.PasswordPolicy{}
	}
	args := []string{"aws iam update-account-password-policy",
		fmt.Sprintf("--minimum-password-length %d", max(p.MinimumPasswordLength, MinPasswordLength)),
		fmt.Sprintf("--password-reuse-prevention %d", max(p.PasswordReusePrevention, MinPasswordReuse))}
	flag := func(on bool, name string) {
		if on {
			args = append(args, "--"+name)
		}
	}
	flag(p.RequireSymbols, "require-symbols")
	flag(p.RequireNumbers, "require-numbers")
	flag(p.RequireUppercaseCharacters, "require-uppercase-characters")
	flag(p.RequireLowercaseCharacters, "require-lowercase-characters")
	flag(p.AllowUsersToChangePassword, "allow-users-to-change-password")
	flag(p.HardExpiry, "hard-expiry")
	if p.MaxPasswordAge > 0 {
		args = append(args, fmt.Sprintf("--max-password-age %d", p.MaxPasswordAge))
	}
	return strings.Join(args, " ")
}

// 1.8: minimum password length.
func checkPasswordLength(f *facts) []Result {
	r := Result{ResourceType: accountResourceType, Resource: accountResource(f.accountID)}
	switch p := f.passwordPolicy; {
	case p == nil:
		r.Status, r.Detail = Failed, "the account has no password policy"
	case p.MinimumPasswordLength < MinPasswordLength:
		r.Status, r.Detail = Failed, fmt.Sprintf("the password policy's minimum length is %d, below %d", p.MinimumPasswordLength, MinPasswordLength)
	default:
		r.Status, r.Detail = Passed, fmt.Sprintf("the password policy's minimum length is %d", p.MinimumPasswordLength)
	}
	if r.Status == Failed {
		r.Command = passwordPolicyCommand(f.passwordPolicy)
	}
	return []Result{r}
}

// 1.9: password reuse prevention.
func checkPasswordReuse(f *facts) []Result {
	r := Result{ResourceType: accountResourceType, Resource: accountResource(f.accountID)}
	switch p := f.passwordPolicy; {
	case p == nil:
		r.Status, r.Detail = Failed, "the account has no password policy"
	case p.PasswordReusePrevention < MinPasswordReuse:
		r.Status, r.Detail = Failed, fmt.Sprintf("the password policy remembers %d earlier passwords, fewer than %d", p.PasswordReusePrevention, MinPasswordReuse)
	default:
		r.Status, r.Detail = Passed, fmt.Sprintf("the password policy remembers %d earlier passwords", p.PasswordReusePrevention)
	}
	if r.Status == Failed {
		r.Command = passwordPolicyCommand(f.passwordPolicy)
	}
	return []Result{r}
}

// 1.10: MFA for console users.
func checkConsoleMFA(f *facts) []Result {
	var out []Result
	for _, u := range f.users {
		if u.LoginProfile == nil {
			continue
		}
		if len(u.MFADevices) > 0 {
			out = append(out, userResult(u, Passed, "console user with MFA device "+u.MFADevices[0], ""))
			continue
		}
		serial := "arn:aws:iam::" + f.accountID + ":mfa/" + u.Name
		out = append(out, userResult(u, Failed, "console user "+u.Name+" has no MFA device",
			"aws iam create-virtual-mfa-device --virtual-mfa-device-name "+u.Name+" --outfile "+u.Name+"-mfa.seed --bootstrap-method Base32StringSeed"+
				" && aws iam enable-mfa-device --user-name "+u.Name+" --serial-number "+serial+" --authentication-code1 CODE1 --authentication-code2 CODE2"))
	}
	if len(out) == 0 {
		return accountPass(f, "no IAM user has a console password")
	}
	return out
}

// 1.11: console users with access keys never used.
func checkKeysAtSetup(f *facts) []Result {
	var out []Result
	for _, u := range f.users {
		if u.LoginProfile == nil {
			continue
		}
		var unused, cmds []string
		for _, k := range f.activeKeys(u) {
			if _, used := f.keyUse[k.ID]; !used {
				unused = append(unused, k.ID)
				cmds = append(cmds, "aws iam delete-access-key --user-name "+u.Name+" --access-key-id "+k.ID)
			}
		}
		if len(unused) == 0 {
			out = append(out, userResult(u, Passed, "console user "+u.Name+" has no unused active access key", ""))
			continue
		}
		out = append(out, userResult(u, Failed, "console user "+u.Name+" has active access key(s) never used: "+strings.Join(unused, ", "), strings.Join(cmds, " && ")))
	}
	if len(out) == 0 {
		return accountPass(f, "no IAM user has a console password")
	}
	return out
}

// 1.12: credentials unused for 45 days.
func checkUnusedCredentials(f *facts) []Result {
	var out []Result
	cutoff := f.now.Add(-UnusedCredentialAge)
	for _, u := range f.users {
		var stale, cmds []string
		checked := false
		if lp := u.LoginProfile; lp != nil {
			checked = true
			last, what := u.PasswordLastUsed, "last used"
			if last.IsZero() {
				last, what = lp.CreateDate, "never used, created"
			}
			if !last.After(cutoff) {
				stale = append(stale, "console password "+what+" "+day(last))
				cmds = append(cmds, "aws iam delete-login-profile --user-name "+u.Name)
			}
		}
		for _, k := range f.activeKeys(u) {
			checked = true
			last, used := f.keyLastActive(k)
			if !last.After(cutoff) {
				what := "last used"
				if !used {
					what = "never used, created"
				}
				stale = append(stale, "access key "+k.ID+" "+what+" "+day(last))
				cmds = append(cmds, "aws iam update-access-key --user-name "+u.Name+" --access-key-id "+k.ID+" --status Inactive")
			}
		}
		switch {
		case !checked:
		case len(stale) > 0:
			out = append(out, userResult(u, Failed, joinLines(stale), strings.Join(cmds, " && ")))
		default:
			out = append(out, userResult(u, Passed, "every credential of "+u.Name+" was used in the last 45 days", ""))
		}
	}
	if len(out) == 0 {
		return accountPass(f, "no IAM user has a console password or an active access key")
	}
	return out
}

// 1.13: at most one active key per user.
func checkOneActiveKey(f *facts) []Result {
	var out []Result
	for _, u := range f.users {
		active := f.activeKeys(u)
		switch {
		case len(active) == 0:
		case len(active) == 1:
			out = append(out, userResult(u, Passed, u.Name+" has one active access key", ""))
		default:
			oldest := active[0]
			out = append(out, userResult(u, Failed, fmt.Sprintf("%s has %d active access keys", u.Name, len(active)),
				"aws iam update-access-key --user-name "+u.Name+" --access-key-id "+oldest.ID+" --status Inactive"))
		}
	}
	if len(out) == 0 {
		return accountPass(f, "no IAM user has an active access key")
	}
	return out
}

// 1.14: keys rotated within 90 days.
func checkKeyRotation(f *facts) []Result {
	var out []Result
	cutoff := f.now.Add(-KeyRotationAge)
	for _, u := range f.users {
		active := f.activeKeys(u)
		if len(active) == 0 {
			continue
		}
		var old, cmds []string
		for _, k := range active {
			if k.CreatedAt.Before(cutoff) {
				old = append(old, k.ID+" created "+day(k.CreatedAt))
				cmds = append(cmds, "aws iam update-access-key --user-name "+u.Name+" --access-key-id "+k.ID+" --status Inactive")
			}
		}
		if len(old) == 0 {
			out = append(out, userResult(u, Passed, "every active access key of "+u.Name+" is younger than 90 days", ""))
			continue
		}
		out = append(out, userResult(u, Failed, "access key(s) older than 90 days: "+strings.Join(old, ", "),
			"aws iam create-access-key --user-name "+u.Name+" && "+strings.Join(cmds, " && ")))
	}
	if len(out) == 0 {
		return accountPass(f, "no IAM user has an active access key")
	}
	return out
}

// 1.15: permissions only through groups.
func checkGroupsOnly(f *facts) []Result {
	var out []Result
	for _, u := range f.users {
		if len(u.Attached) == 0 && len(u.Inline) == 0 {
			out = append(out, userResult(u, Passed, u.Name+" has no policy of its own", ""))
			continue
		}
		var what, cmds []string
		for _, arn := range u.Attached {
			what = append(what, "attached "+arn)
			cmds = append(cmds, "aws iam detach-user-policy --user-name "+u.Name+" --policy-arn "+arn)
		}
		for _, p := range u.Inline {
			what = append(what, "inline "+p.Name)
			cmds = append(cmds, "aws iam delete-user-policy --user-name "+u.Name+" --policy-name "+p.Name)
		}
		out = append(out, userResult(u, Failed, u.Name+" has policies of its own: "+strings.Join(what, ", "), strings.Join(cmds, " && ")))
	}
	if len(out) == 0 {
		return accountPass(f, "the account has no IAM users")
	}
	return out
}

// allowsFullAdmin reports whether a policy document has a statement that
// allows every action on every resource (Security Hub's IAM.1 test: Effect
// Allow, Action "*" or "*:*", Resource "*"; conditions are not considered).
func allowsFullAdmin(doc string) (bool, error) {
	p, err := policy.Parse([]byte(doc), policy.KindManaged)
	if err != nil {
		return false, err
	}
	for _, st := range p.Statements {
		if st.Effect != "Allow" {
			continue
		}
		if (slices.Contains(st.Action, "*") || slices.Contains(st.Action, "*:*")) && slices.Contains(st.Resource, "*") {
			return true, nil
		}
	}
	return false, nil
}

// 1.16: no attached customer managed policy with "*:*".
func checkAdminPolicies(f *facts) []Result {
	var out []Result
	for _, p := range f.policies {
		if p.AttachmentCount == 0 {
			continue
		}
		r := Result{ResourceType: policyResourceType, Resource: p.ARN()}
		v := p.Default()
		if v == nil {
			continue
		}
		admin, err := allowsFullAdmin(v.Document)
		switch {
		case err != nil:
			r.Status, r.Detail = Failed, "the default version "+v.ID+" of "+p.Name+" could not be read: "+err.Error()
		case admin:
			r.Status, r.Detail = Failed, "the default version "+v.ID+" of "+p.Name+" allows \"*\" on \"*\" and is attached to "+plural(p.AttachmentCount, "entity", "entities")
			r.Command = "aws iam list-entities-for-policy --policy-arn " + p.ARN() + "   # then detach it from each"
		default:
			r.Status, r.Detail = Passed, p.Name+" does not allow full administrative privileges"
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return accountPass(f, "no customer managed policy is attached")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// 1.17: a role with AWSSupportAccess.
func checkSupportRole(f *facts) []Result {
	var out []Result
	for _, r := range f.roles {
		if slices.Contains(r.Attached, SupportAccessPolicyARN) {
			out = append(out, Result{ResourceType: roleResourceType, Resource: r.ARN(), Status: Passed,
				Detail: "role " + r.Name + " has AWSSupportAccess attached"})
		}
	}
	if len(out) > 0 {
		return out
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + f.accountID + `:root"},"Action":"sts:AssumeRole"}]}`
	return []Result{{ResourceType: accountResourceType, Resource: accountResource(f.accountID), Status: Failed,
		Detail: "no role has the AWSSupportAccess policy attached",
		Command: "aws iam create-role --role-name AWSSupportRole --assume-role-policy-document '" + trust + "'" +
			" && aws iam attach-role-policy --role-name AWSSupportRole --policy-arn " + SupportAccessPolicyARN}}
}

// 1.19: expired server certificates.
func checkExpiredCertificates(f *facts) []Result {
	var out []Result
	for _, c := range f.certificates {
		r := Result{ResourceType: serverCertificateARNType, Resource: c.ARN()}
		if c.Expiration.Before(f.now) {
			r.Status, r.Detail = Failed, "server certificate "+c.Name+" expired "+day(c.Expiration)
			r.Command = "aws iam delete-server-certificate --server-certificate-name " + c.Name
		} else {
			r.Status, r.Detail = Passed, "server certificate "+c.Name+" is valid until "+day(c.Expiration)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return accountPass(f, "the account has no server certificates")
	}
	return out
}

// 1.22: AWSCloudShellFullAccess not attached.
func checkCloudShell(f *facts) []Result {
	var out []Result
	for _, u := range f.users {
		if slices.Contains(u.Attached, CloudShellFullAccessARN) {
			out = append(out, userResult(u, Failed, "AWSCloudShellFullAccess is attached to user "+u.Name,
				"aws iam detach-user-policy --user-name "+u.Name+" --policy-arn "+CloudShellFullAccessARN))
		}
	}
	for _, g := range f.groups {
		if slices.Contains(g.Attached, CloudShellFullAccessARN) {
			out = append(out, Result{ResourceType: otherResourceType, Resource: g.ARN(), Status: Failed,
				Detail:  "AWSCloudShellFullAccess is attached to group " + g.Name,
				Command: "aws iam detach-group-policy --group-name " + g.Name + " --policy-arn " + CloudShellFullAccessARN})
		}
	}
	for _, r := range f.roles {
		if slices.Contains(r.Attached, CloudShellFullAccessARN) {
			out = append(out, Result{ResourceType: roleResourceType, Resource: r.ARN(), Status: Failed,
				Detail:  "AWSCloudShellFullAccess is attached to role " + r.Name,
				Command: "aws iam detach-role-policy --role-name " + r.Name + " --policy-arn " + CloudShellFullAccessARN})
		}
	}
	if len(out) == 0 {
		return accountPass(f, "AWSCloudShellFullAccess is attached to no user, group or role")
	}
	return out
}

// 3.6: automatic rotation on every customer managed symmetric key with
// generated key material (the keys that can rotate), not pending deletion.
func checkKMSRotation(f *facts) []Result {
	var out []Result
	for _, k := range f.kmsKeys {
		if k.KeySpec != "SYMMETRIC_DEFAULT" || k.Origin != "AWS_KMS" || k.State == kms.StatePendingDeletion || k.State == kms.StatePendingReplicaDeletion {
			continue
		}
		r := Result{ResourceType: kmsKeyResourceType, Resource: k.ARN()}
		if k.RotationEnabled {
			r.Status, r.Detail = Passed, fmt.Sprintf("automatic rotation every %d days", k.RotationPeriodDays)
		} else {
			r.Status, r.Detail = Failed, "automatic rotation is off"
			r.Command = "aws kms enable-key-rotation --region " + k.Region + " --key-id " + k.ARN()
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return accountPass(f, "no customer managed symmetric key with generated key material")
	}
	return out
}
