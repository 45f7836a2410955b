# The KMS configuration of the Terraform end-to-end test: a customer
# managed key with its own key policy and automatic rotation, an alias, a
# grant to an application role, and a multi-Region key replicated into a
# second Region through a second provider that talks to the same gatehouse
# endpoint.

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
    iam = var.endpoint
    sts = var.endpoint
    kms = var.endpoint
  }
}

# The replica's Region: same gatehouse, another Region.
provider "aws" {
  alias                   = "west"
  region                  = "us-west-2"
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
    kms = var.endpoint
  }
}

data "aws_caller_identity" "current" {}

# The application that uses the orders key through a grant.
resource "aws_iam_role" "orders_app" {
  name = "orders-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_kms_key" "orders" {
  description             = "orders at rest"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  rotation_period_in_days = 180
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "orders-key-policy"
    Statement = [
      {
        Sid       = "Enable IAM User Permissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowOrdersAppToDescribe"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.orders_app.arn }
        Action    = ["kms:DescribeKey", "kms:GetPublicKey"]
        Resource  = "*"
      },
    ]
  })
  tags = {
    team = "orders"
  }
}

resource "aws_kms_alias" "orders" {
  name          = "alias/orders"
  target_key_id = aws_kms_key.orders.key_id
}

resource "aws_kms_grant" "orders_app" {
  name              = "orders-app"
  key_id            = aws_kms_key.orders.key_id
  grantee_principal = aws_iam_role.orders_app.arn
  operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]
  constraints {
    encryption_context_equals = {
      department = "orders"
    }
  }
}

# An asymmetric signing key: no automatic rotation (its status reads false).
resource "aws_kms_key" "signer" {
  description              = "order receipts"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "global" {
  description             = "multi-Region customer data"
  multi_region            = true
  deletion_window_in_days = 7
}

resource "aws_kms_replica_key" "global_west" {
  provider                = aws.west
  description             = "multi-Region customer data (us-west-2)"
  primary_key_arn         = aws_kms_key.global.arn
  deletion_window_in_days = 7
}

output "orders_key_arn" {
  value = aws_kms_key.orders.arn
}

output "global_key_arn" {
  value = aws_kms_key.global.arn
}

output "replica_key_arn" {
  value = aws_kms_replica_key.global_west.arn
}

output "signer_key_arn" {
  value = aws_kms_key.signer.arn
}

output "grant_id" {
  value = aws_kms_grant.orders_app.grant_id
}
