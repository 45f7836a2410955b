package iam

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file serves service-linked roles: roles an AWS service creates for
// itself, under /aws-service-role/<service principal>/, trusting only that
// service and carrying the service's AWS managed service-role policy. IAM
// refuses to change their trust policy or policies, or to delete them with
// DeleteRole.

// serviceLinkedRole describes the service-linked role of one service.
type serviceLinkedRole struct {
	// name is the role name (CustomSuffix, where allowed, follows "_").
	name string
	// policy is the name of the AWS managed policy under
	// /aws-service-role/ that the role carries.
	policy string
	// suffix reports whether the service accepts a CustomSuffix.
	suffix bool
}

// serviceLinkedRoles maps service principals to their service-linked
// roles: the services gatehouse serves, then common ones. The names are
// those the services' documentation gives ("AWS services that work with
// IAM" in the IAM User Guide); every policy named here is an AWS managed
// policy under /aws-service-role/.
var serviceLinkedRoles = map[string]serviceLinkedRole{
	// Served by gatehouse.
	"elasticloadbalancing.amazonaws.com":         {"AWSServiceRoleForElasticLoadBalancing", "AWSElasticLoadBalancingServiceRolePolicy", false},
	"guardduty.amazonaws.com":                    {"AWSServiceRoleForAmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy", false},
	"malware-protection.guardduty.amazonaws.com": {"AWSServiceRoleForAmazonGuardDutyMalwareProtection", "AmazonGuardDutyMalwareProtectionServiceRolePolicy", false},
	"inspector2.amazonaws.com":                   {"AWSServiceRoleForAmazonInspector2", "AmazonInspector2ServiceRolePolicy", false},
	"agentless.inspector2.amazonaws.com":         {"AWSServiceRoleForAmazonInspector2Agentless", "AmazonInspector2AgentlessServiceRolePolicy", false},
	"inspector.amazonaws.com":                    {"AWSServiceRoleForAmazonInspector", "AmazonInspectorServiceRolePolicy", false},
	"organizations.amazonaws.com":                {"AWSServiceRoleForOrganizations", "AWSOrganizationsServiceTrustPolicy", false},
	"cloudtrail.amazonaws.com":                   {"AWSServiceRoleForCloudTrail", "CloudTrailServiceRolePolicy", false},
	"wafv2.amazonaws.com":                        {"AWSServiceRoleForWAFV2Logging", "WAFV2LoggingServiceRolePolicy", false},
	"waf.amazonaws.com":                          {"AWSServiceRoleForWAFLogging", "WAFLoggingServiceRolePolicy", false},
	"waf-regional.amazonaws.com":                 {"AWSServiceRoleForWAFRegionalLogging", "WAFRegionalLoggingServiceRolePolicy", false},
	"shield.amazonaws.com":                       {"AWSServiceRoleForAWSShield", "AWSShieldServiceRolePolicy", false},
	"artifact.amazonaws.com":                     {"AWSServiceRoleForArtifact", "AWSArtifactServiceRolePolicy", false},
	"cks.kms.amazonaws.com":                      {"AWSServiceRoleForKeyManagementServiceCustomKeyStores", "AWSKeyManagementServiceCustomKeyStoresServiceRolePolicy", false},
	"mrk.kms.amazonaws.com":                      {"AWSServiceRoleForKeyManagementServiceMultiRegionKeys", "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy", false},
	// Common ones.
	"autoscaling.amazonaws.com":                      {"AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy", true},
	"ecs.amazonaws.com":                              {"AWSServiceRoleForECS", "AmazonECSServiceRolePolicy", false},
	"elasticbeanstalk.amazonaws.com":                 {"AWSServiceRoleForElasticBeanstalk", "AWSElasticBeanstalkServiceRolePolicy", false},
	"eks.amazonaws.com":                              {"AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy", false},
	"eks-nodegroup.amazonaws.com":                    {"AWSServiceRoleForAmazonEKSNodegroup", "AWSServiceRoleForAmazonEKSNodegroup", false},
	"rds.amazonaws.com":                              {"AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy", false},
	"spot.amazonaws.com":                             {"AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy", false},
	"spotfleet.amazonaws.com":                        {"AWSServiceRoleForEC2SpotFleet", "AWSEC2SpotFleetServiceRolePolicy", false},
	"es.amazonaws.com":                               {"AWSServiceRoleForAmazonElasticsearchService", "AmazonElasticsearchServiceRolePolicy", false},
	"opensearchservice.amazonaws.com":                {"AWSServiceRoleForAmazonOpenSearchService", "AmazonOpenSearchServiceRolePolicy", false},
	"replicator.lambda.amazonaws.com":                {"AWSServiceRoleForLambdaReplicator", "AWSLambdaReplicator", false},
	"sso.amazonaws.com":                              {"AWSServiceRoleForSSO", "AWSSSOServiceRolePolicy", false},
	"config.amazonaws.com":                           {"AWSServiceRoleForConfig", "AWSConfigServiceRolePolicy", false},
	"securityhub.amazonaws.com":                      {"AWSServiceRoleForSecurityHub", "AWSSecurityHubServiceRolePolicy", false},
	"access-analyzer.amazonaws.com":                  {"AWSServiceRoleForAccessAnalyzer", "AccessAnalyzerServiceRolePolicy", false},
	"support.amazonaws.com":                          {"AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy", false},
	"trustedadvisor.amazonaws.com":                   {"AWSServiceRoleForTrustedAdvisor", "AWSTrustedAdvisorServiceRolePolicy", false},
	"health.amazonaws.com":                           {"AWSServiceRoleForHealth_Organizations", "Health_OrganizationsServiceRolePolicy", false},
	"apigateway.amazonaws.com":                       {"AWSServiceRoleForAPIGateway", "APIGatewayServiceRolePolicy", false},
	"ssm.amazonaws.com":                              {"AWSServiceRoleForAmazonSSM", "AmazonSSMServiceRolePolicy", false},
	"replication.dynamodb.amazonaws.com":             {"AWSServiceRoleForDynamoDBReplication", "DynamoDBReplicationServiceRolePolicy", false},
	"ecs.application-autoscaling.amazonaws.com":      {"AWSServiceRoleForApplicationAutoScaling_ECSService", "AWSApplicationAutoscalingECSServicePolicy", false},
	"dynamodb.application-autoscaling.amazonaws.com": {"AWSServiceRoleForApplicationAutoScaling_DynamoDBTable", "AWSApplicationAutoscalingDynamoDBTablePolicy", false},
	"elasticache.amazonaws.com":                      {"AWSServiceRoleForElastiCache", "ElastiCacheServiceRolePolicy", false},
	"macie.amazonaws.com":                            {"AWSServiceRoleForAmazonMacie", "AmazonMacieServiceRolePolicy", false},
	"fms.amazonaws.com":                              {"AWSServiceRoleForFMS", "FMSServiceRolePolicy", false},
	"events.amazonaws.com":                           {"AWSServiceRoleForCloudWatchEvents", "CloudWatchEventsServiceRolePolicy", false},
	"transitgateway.amazonaws.com":                   {"AWSServiceRoleForVPCTransitGateway", "AWSVPCTransitGatewayServiceRolePolicy", false},
	"globalaccelerator.amazonaws.com":                {"AWSServiceRoleForGlobalAccelerator", "AWSGlobalAcceleratorSLRPolicy", false},
	"redshift.amazonaws.com":                         {"AWSServiceRoleForRedshift", "AmazonRedshiftServiceLinkedRolePolicy", false},
	"elasticmapreduce.amazonaws.com":                 {"AWSServiceRoleForEMRCleanup", "AmazonEMRCleanupPolicy", false},
	"batch.amazonaws.com":                            {"AWSServiceRoleForBatch", "BatchServiceRolePolicy", false},
	"backup.amazonaws.com":                           {"AWSServiceRoleForBackup", "AWSBackupServiceLinkedRolePolicyForBackup", false},
	"cloud9.amazonaws.com":                           {"AWSServiceRoleForAWSCloud9", "AWSCloud9ServiceRolePolicy", false},
	"kafka.amazonaws.com":                            {"AWSServiceRoleForKafka", "KafkaServiceRolePolicy", false},
}

// kindDeletionTask holds DeleteServiceLinkedRole's deletion tasks, keyed
// by "<account>/<task id>".
const kindDeletionTask = "iam/slr-deletion-task"

// deletionTask is a finished DeleteServiceLinkedRole. gatehouse deletes the
// role at once, so every task it knows has succeeded.
type deletionTask struct {
	ID       string `json:"id"`
	RoleName string `json:"role"`
	Status   string `json:"status"`
}

func (s *Service) registerServiceLinkedRoles(r *call.Registry) {
	r.Handle(api.Service, "CreateServiceLinkedRole", call.Typed(s.CreateServiceLinkedRole))
	r.Handle(api.Service, "DeleteServiceLinkedRole", call.Typed(s.DeleteServiceLinkedRole))
	r.Handle(api.Service, "GetServiceLinkedRoleDeletionStatus", call.Typed(s.GetServiceLinkedRoleDeletionStatus))
}

// serviceTrustPolicy is the trust policy of a service-linked role.
func serviceTrustPolicy(service string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
}

// CreateServiceLinkedRole creates the service-linked role of an AWS
// service: its name, path, trust policy and service-role policy come from
// the service; the caller may add a description and, for services that
// allow it, a suffix so that the service can have several.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, c *call.Call, in *api.CreateServiceLinkedRoleInput) (*api.CreateServiceLinkedRoleOutput, error) {
	acct := c.Principal.AccountID
	service := *in.AWSServiceName
	slr, ok := serviceLinkedRoles[service]
	if !ok {
		return nil, invalidInput("Service name %s is not valid.", service)
	}
	name := slr.name
	if in.CustomSuffix != nil {
		if !slr.suffix {
			return nil, invalidInput("Custom suffix is not allowed for %s", service)
		}
		name += "_" + *in.CustomSuffix
		if len(name) > 64 {
			return nil, invalidInput("The role name %s is longer than 64 characters; choose a shorter suffix.", name)
		}
	}
	r := &iam.Role{
		AccountID: acct, Name: name, Path: serviceRolePathPrefix + service + "/", ID: iam.NewID(iam.PrefixRole),
		CreateDate: s.now(), TrustPolicy: serviceTrustPolicy(service), Description: deref(in.Description),
		MaxSessionDuration: defaultMaxSessionDuration, ServiceLinked: true,
	}
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.Role(acct, name); err == nil {
			return invalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindRole, acct)
		if err != nil {
			return err
		}
		if n >= rolesQuota {
			return limitExceeded("RolesPerAccount", rolesQuota)
		}
		arn := iam.PolicyARN("aws", serviceRolePathPrefix, slr.policy)
		if _, err := tx.Policy(acct, arn); err == nil {
			if err := tx.AddAWSPolicyUsage(acct, slr.policy, 1, 0); err != nil {
				return err
			}
			r.Attached = []string{arn}
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		return tx.PutRole(r)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(roleResource(r))
	out := apiRole(r, false)
	return &api.CreateServiceLinkedRoleOutput{Role: &out}, nil
}

// DeleteServiceLinkedRole deletes a service-linked role and returns the id
// of its deletion task. AWS first asks the service whether resources still
// use the role; gatehouse's services keep no such resources, so the role
// goes at once (with its policies) and the task has succeeded.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, c *call.Call, in *api.DeleteServiceLinkedRoleInput) (*api.DeleteServiceLinkedRoleOutput, error) {
	acct := c.Principal.AccountID
	var r *iam.Role
	var task deletionTask
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		r, err = tx.Role(acct, *in.RoleName)
		if err != nil {
			return notFound(err, "role", *in.RoleName)
		}
		if !r.ServiceLinked {
			return invalidInput("Role %s is not a service-linked role; delete it with DeleteRole.", r.Name)
		}
		for _, arn := range r.Attached {
			if pacct, _, pname, ok := iam.ParsePolicyARN(arn); ok && pacct == "aws" {
				if err := tx.AddAWSPolicyUsage(acct, pname, -1, 0); err != nil {
					return err
				}
			}
		}
		service := strings.TrimSuffix(strings.TrimPrefix(r.Path, serviceRolePathPrefix), "/")
		task = deletionTask{
			ID:       "task" + serviceRolePathPrefix + service + "/" + r.Name + "/" + newUUID(),
			RoleName: r.Name, Status: string(api.DeletionTaskStatusTypeSucceeded),
		}
		raw, err := json.Marshal(task)
		if err != nil {
			return err
		}
		if err := tx.Put(kindDeletionTask, acct+"/"+task.ID, raw); err != nil {
			return err
		}
		return tx.DeleteRole(acct, r.Name)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(roleResource(r))
	return &api.DeleteServiceLinkedRoleOutput{DeletionTaskId: ptr(task.ID)}, nil
}

// GetServiceLinkedRoleDeletionStatus reports the status of a deletion task.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, c *call.Call, in *api.GetServiceLinkedRoleDeletionStatusInput) (*api.GetServiceLinkedRoleDeletionStatusOutput, error) {
	var task deletionTask
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		raw, err := tx.Get(kindDeletionTask, c.Principal.AccountID+"/"+*in.DeletionTaskId)
		if errors.Is(err, store.ErrNotFound) {
			return api.NewNoSuchEntityException("Deletion task %s cannot be found.", *in.DeletionTaskId)
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &task)
	})
	if err != nil {
		return nil, err
	}
	return &api.GetServiceLinkedRoleDeletionStatusOutput{Status: api.DeletionTaskStatusType(task.Status)}, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("iam: no randomness: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
