# The Organizations configuration of the Terraform end-to-end test: an
# organization with all features and SCPs enabled, an OU, two member
# accounts (one in the OU) and an SCP attached to the OU.

variable "endpoint" {
  type = string
}

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region                  = "us-east-1"
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    iam           = var.endpoint
    sts           = var.endpoint
    organizations = var.endpoint
  }
}

resource "aws_organizations_organization" "company" {
  feature_set                   = "ALL"
  enabled_policy_types          = ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]
  aws_service_access_principals = ["iam.amazonaws.com"]
}

resource "aws_organizations_organizational_unit" "restricted" {
  name      = "restricted"
  parent_id = aws_organizations_organization.company.roots[0].id
  tags = {
    team = "people"
  }
}

resource "aws_organizations_account" "finance" {
  name      = "finance"
  email     = "finance@example.com"
  parent_id = aws_organizations_organization.company.roots[0].id
  tags = {
    cost-center = "100"
  }
}

resource "aws_organizations_account" "hr" {
  name      = "hr"
  email     = "hr@example.com"
  parent_id = aws_organizations_organizational_unit.restricted.id
}

resource "aws_organizations_policy" "deny_iam_writes" {
  name        = "DenyIAMWrites"
  description = "No IAM writes in restricted accounts"
  type        = "SERVICE_CONTROL_POLICY"
  # Policies belong to the organization, which must exist first.
  depends_on = [aws_organizations_organization.company]
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Deny"
      Action   = ["iam:Create*", "iam:Delete*", "iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Update*"]
      Resource = "*"
    }]
  })
}

resource "aws_organizations_policy_attachment" "restricted" {
  policy_id = aws_organizations_policy.deny_iam_writes.id
  target_id = aws_organizations_organizational_unit.restricted.id
}

output "hr_account_id" {
  value = aws_organizations_account.hr.id
}
