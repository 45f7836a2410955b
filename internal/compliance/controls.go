// Package compliance is gatehouse's auditing security checklist: it checks
// every account of the management account's organization against the
// controls of the CIS AWS Foundations Benchmark (v3.0.0) that apply to the
// services gatehouse serves, and reports each control's result per resource
// with its severity and remediation, as text, as AWS Security Finding
// Format (ASFF) JSON, and as a dated PDF report.
//
// Audit reads the facts from the IAM directory, the account records, the
// Organizations state and the audit trail; it never writes. The checks
// themselves are pure functions of those facts, so they are tested one by
// one. Controls of services gatehouse does not serve yet (CloudTrail trails,
// KMS, GuardDuty, IAM Access Analyzer) report NOT_APPLICABLE with the
// reason, never a pass.
package compliance

// Status is a control result's compliance status.
type Status string

// Statuses. ASFF spells NotApplicable as NOT_AVAILABLE (see ASFFStatus).
const (
	Passed        Status = "PASSED"
	Failed        Status = "FAILED"
	NotApplicable Status = "NOT_APPLICABLE"
)

// Severity is a control's severity, as Security Hub labels it.
type Severity string

// Severities, from the most to the least severe.
const (
	Critical      Severity = "CRITICAL"
	High          Severity = "HIGH"
	Medium        Severity = "MEDIUM"
	Low           Severity = "LOW"
	Informational Severity = "INFORMATIONAL"
)

// Standard identifiers used in ASFF GeneratorId.
const (
	// CISStandard is the CIS benchmark version the control numbers follow.
	CISStandard = "cis-aws-foundations-benchmark/v/3.0.0"
	// FSBPStandard is AWS Foundational Security Best Practices, for the
	// checks that CIS v3.0.0 does not number (GuardDuty).
	FSBPStandard = "aws-foundational-security-best-practices/v/1.0.0"
)

// Control is one check of the checklist.
type Control struct {
	// ID is the CIS v3.0.0 recommendation number ("1.4"), or, for a check
	// outside CIS, the Security Hub control id.
	ID string
	// SecurityHubID is the matching Security Hub control ("IAM.4"), "" if
	// there is none.
	SecurityHubID string
	// Standard is the standard ID belongs to (CISStandard or FSBPStandard).
	Standard string
	Title    string
	Severity Severity
	// Description says what the check looks at.
	Description string
	// Remediation says how to make the control pass.
	Remediation string
	// Unserved names the gatehouse service the control needs and that
	// gatehouse does not serve yet; such a control reports NotApplicable.
	Unserved string
}

// GeneratorID is the control's ASFF GeneratorId.
func (c *Control) GeneratorID() string { return c.Standard + "/" + c.ID }

// Controls is the checklist, in report order.
var Controls = []*Control{
	ctlRootAccessKeys, ctlRootMFA, ctlRootHardwareMFA, ctlRootUse,
	ctlPasswordLength, ctlPasswordReuse, ctlConsoleMFA, ctlKeysAtSetup,
	ctlUnusedCredentials, ctlOneActiveKey, ctlKeyRotation, ctlGroupsOnly,
	ctlAdminPolicies, ctlSupportRole, ctlExpiredCertificates, ctlAccessAnalyzer,
	ctlCloudShell, ctlTrailAllRegions, ctlTrailValidation, ctlTrailEncryption,
	ctlKMSRotation, ctlGuardDuty,
}

// ControlByID returns the control with the given ID ("1.4", "GuardDuty.1"),
// or nil.
func ControlByID(id string) *Control {
	for _, c := range Controls {
		if c.ID == id {
			return c
		}
	}
	return nil
}

var (
	ctlRootAccessKeys = &Control{
		ID: "1.4", SecurityHubID: "IAM.4", Standard: CISStandard, Severity: Critical,
		Title:       "No access key exists for the root user",
		Description: "The root user can do anything in the account and IAM policies never limit it; a long-term access key for it is the most valuable credential an attacker can steal.",
		Remediation: "Delete every access key of the root user (signed in as root, or with the key itself as the last call) and do daily work as IAM users or roles.",
	}
	ctlRootMFA = &Control{
		ID: "1.5", SecurityHubID: "IAM.9", Standard: CISStandard, Severity: Critical,
		Title:       "MFA is enabled for the root user",
		Description: "With MFA the root user's password alone does not sign in.",
		Remediation: "Create a virtual MFA device, load its seed into an authenticator app and assign it to the root user with two consecutive codes. As on AWS, the IAM API assigns MFA devices to IAM users only: gatehouse has no console yet, so the operator assigns the root user's device with `gatehouse account enable-root-mfa`.",
	}
	ctlRootHardwareMFA = &Control{
		ID: "1.6", SecurityHubID: "IAM.6", Standard: CISStandard, Severity: Critical,
		Title:       "Hardware MFA is enabled for the root user",
		Description: "CIS asks for a hardware device for the root user, whose seed cannot be copied off a phone.",
		Remediation: "gatehouse serves virtual (TOTP) MFA devices only, so this control cannot pass or fail here; the root user's MFA is checked by 1.5. Keep the root user's authenticator seed offline.",
		Unserved:    "hardware MFA devices",
	}
	ctlRootUse = &Control{
		ID: "1.7", Standard: CISStandard, Severity: Low,
		Title:       "The root user is not used for administrative and daily tasks",
		Description: "The root user should sign in only for the few tasks that need it; the check fails when the audit trail or the root access keys' last use show root activity within the look-back window.",
		Remediation: "Create an IAM user or role with the permissions the work needs (for administrators, through a group) and use it instead of the root user; lock the root credentials away.",
	}
	ctlPasswordLength = &Control{
		ID: "1.8", SecurityHubID: "IAM.15", Standard: CISStandard, Severity: Medium,
		Title:       "The password policy requires a minimum length of 14 or more",
		Description: "Long passwords resist guessing; without an account password policy IAM accepts passwords of 8 characters.",
		Remediation: "Set an account password policy with a minimum length of at least 14.",
	}
	ctlPasswordReuse = &Control{
		ID: "1.9", SecurityHubID: "IAM.16", Standard: CISStandard, Severity: Low,
		Title:       "The password policy prevents password reuse",
		Description: "Users must not cycle back to a password that may have leaked; CIS asks that the last 24 passwords be remembered.",
		Remediation: "Set the account password policy's password reuse prevention to 24.",
	}
	ctlConsoleMFA = &Control{
		ID: "1.10", SecurityHubID: "IAM.5", Standard: CISStandard, Severity: Medium,
		Title:       "MFA is enabled for every IAM user that has a console password",
		Description: "A console password without MFA is a single factor that phishing defeats.",
		Remediation: "Create a virtual MFA device for each console user and enable it with two consecutive codes, or delete console passwords that are not needed.",
	}
	ctlKeysAtSetup = &Control{
		ID: "1.11", Standard: CISStandard, Severity: Low,
		Title:       "No access keys are created at initial setup of console users",
		Description: "A console user given an access key it never used holds a credential nobody needs; the check fails for console users with an active access key that was never used.",
		Remediation: "Delete access keys that were never used; create a key only when the user needs programmatic access.",
	}
	ctlUnusedCredentials = &Control{
		ID: "1.12", SecurityHubID: "IAM.22", Standard: CISStandard, Severity: Medium,
		Title:       "Credentials unused for 45 days or more are disabled",
		Description: "Console passwords and active access keys not used for 45 days are forgotten credentials that still work.",
		Remediation: "Deactivate or delete access keys, and delete console passwords, that have not been used for 45 days.",
	}
	ctlOneActiveKey = &Control{
		ID: "1.13", Standard: CISStandard, Severity: Medium,
		Title:       "There is only one active access key for any single IAM user",
		Description: "A second active key is only needed during a rotation; two long-lived keys double what can leak.",
		Remediation: "Deactivate, then delete, the access key the user no longer uses.",
	}
	ctlKeyRotation = &Control{
		ID: "1.14", SecurityHubID: "IAM.3", Standard: CISStandard, Severity: Medium,
		Title:       "Access keys are rotated every 90 days or less",
		Description: "An old key has had more time to be copied somewhere it should not be.",
		Remediation: "Create a new access key, move the applications to it, then deactivate and delete the key older than 90 days.",
	}
	ctlGroupsOnly = &Control{
		ID: "1.15", SecurityHubID: "IAM.2", Standard: CISStandard, Severity: Low,
		Title:       "IAM users receive permissions only through groups",
		Description: "Policies attached to groups keep permissions consistent and reviewable; policies on individual users drift.",
		Remediation: "Move each policy attached to or embedded in a user to a group, add the user to the group, then detach or delete the user's own policies.",
	}
	ctlAdminPolicies = &Control{
		ID: "1.16", SecurityHubID: "IAM.1", Standard: CISStandard, Severity: High,
		Title:       "No attached customer managed policy allows full \"*:*\" administrative privileges",
		Description: "A policy statement that allows every action on every resource grants full control; grant the actions the work needs instead.",
		Remediation: "Detach the policy from every user, group and role (or change its default version) so that no statement allows Action \"*\" on Resource \"*\".",
	}
	ctlSupportRole = &Control{
		ID: "1.17", SecurityHubID: "IAM.18", Standard: CISStandard, Severity: Low,
		Title:       "A support role exists to manage incidents with AWS Support",
		Description: "A role with the AWSSupportAccess policy lets the people who handle incidents open and follow support cases without broader permissions.",
		Remediation: "Create a role trusted by the account (or the incident team's principals) and attach the AWS managed policy AWSSupportAccess to it.",
	}
	ctlExpiredCertificates = &Control{
		ID: "1.19", SecurityHubID: "IAM.26", Standard: CISStandard, Severity: Medium,
		Title:       "Expired SSL/TLS certificates stored in IAM are removed",
		Description: "An expired server certificate can be deployed by mistake and breaks clients.",
		Remediation: "Delete the expired server certificate after moving its users to a current one.",
	}
	ctlAccessAnalyzer = &Control{
		ID: "1.20", SecurityHubID: "IAM.28", Standard: CISStandard, Severity: High,
		Title:       "IAM Access Analyzer is enabled",
		Description: "Access Analyzer finds resources shared outside the account.",
		Remediation: "Create an external access analyzer in every region once gatehouse serves IAM Access Analyzer.",
		Unserved:    "IAM Access Analyzer",
	}
	ctlCloudShell = &Control{
		ID: "1.22", SecurityHubID: "IAM.27", Standard: CISStandard, Severity: Medium,
		Title:       "The AWSCloudShellFullAccess policy is not attached",
		Description: "AWSCloudShellFullAccess allows uploading and downloading files through CloudShell, a path around data exfiltration controls.",
		Remediation: "Detach AWSCloudShellFullAccess from every user, group and role; grant a narrower CloudShell policy if CloudShell is needed.",
	}
	ctlTrailAllRegions = &Control{
		ID: "3.1", SecurityHubID: "CloudTrail.1", Standard: CISStandard, Severity: High,
		Title:       "CloudTrail is enabled in all regions",
		Description: "A multi-region trail records management events everywhere. (gatehouse records every call it serves in its own audit trail regardless; CloudTrail trails are not served yet.)",
		Remediation: "Create a multi-region trail once gatehouse serves CloudTrail trails.",
		Unserved:    "CloudTrail trails",
	}
	ctlTrailValidation = &Control{
		ID: "3.2", SecurityHubID: "CloudTrail.4", Standard: CISStandard, Severity: Low,
		Title:       "CloudTrail log file validation is enabled",
		Description: "Digest files prove that delivered log files were not changed.",
		Remediation: "Enable log file validation on every trail once gatehouse serves CloudTrail trails.",
		Unserved:    "CloudTrail trails",
	}
	ctlTrailEncryption = &Control{
		ID: "3.5", SecurityHubID: "CloudTrail.2", Standard: CISStandard, Severity: Medium,
		Title:       "CloudTrail logs are encrypted at rest with KMS keys",
		Description: "Trail logs encrypted under a customer managed KMS key are readable only by those the key policy allows.",
		Remediation: "Configure every trail to encrypt with a customer managed KMS key once gatehouse serves CloudTrail trails.",
		Unserved:    "CloudTrail trails",
	}
	ctlKMSRotation = &Control{
		ID: "3.6", SecurityHubID: "KMS.4", Standard: CISStandard, Severity: Medium,
		Title:       "Rotation is enabled for customer managed symmetric KMS keys",
		Description: "Yearly rotation limits how much data one key version protects.",
		Remediation: "Enable automatic rotation on every customer managed symmetric key whose key material gatehouse generated (imported material cannot rotate automatically); rotation keeps every older key version for decryption.",
	}
	ctlGuardDuty = &Control{
		ID: "GuardDuty.1", SecurityHubID: "GuardDuty.1", Standard: FSBPStandard, Severity: High,
		Title:       "GuardDuty is enabled",
		Description: "GuardDuty watches the event stream for signs of compromise. (AWS Foundational Security Best Practices; CIS v3.0.0 does not number it.)",
		Remediation: "Create a GuardDuty detector in every account once gatehouse serves GuardDuty.",
		Unserved:    "GuardDuty",
	}
)
