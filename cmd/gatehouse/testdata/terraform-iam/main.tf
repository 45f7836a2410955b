# The IAM configuration of the Terraform end-to-end test: every resource
# type the IAM issue names, wired together the way a team would.

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
  }
}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 14
  require_lowercase_characters   = true
  require_uppercase_characters   = true
  require_numbers                = true
  require_symbols                = true
  allow_users_to_change_password = true
  password_reuse_prevention      = 5
  max_password_age               = 90
}

resource "aws_iam_user" "cashier" {
  name = "cashier"
  path = "/shop/"
  tags = {
    team = "front"
  }
}

resource "aws_iam_user" "baker" {
  name = "baker"
}

resource "aws_iam_group" "cashiers" {
  name = "Cashiers"
  path = "/shop/"
}

resource "aws_iam_group_membership" "cashiers" {
  name  = "cashiers-membership"
  group = aws_iam_group.cashiers.name
  users = [aws_iam_user.cashier.name, aws_iam_user.baker.name]
}

resource "aws_iam_policy" "list_bucket" {
  name        = "ListOneBucket"
  path        = "/shop/"
  description = "List the shop's bucket"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:ListBucket"
      Resource = "arn:aws:s3:::AWSDOC-EXAMPLE-BUCKET"
    }]
  })
}

resource "aws_iam_role" "inventory" {
  name                 = "Inventory"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
  tags = {
    app = "inventory"
  }
}

resource "aws_iam_role_policy_attachment" "inventory_list" {
  role       = aws_iam_role.inventory.name
  policy_arn = aws_iam_policy.list_bucket.arn
}

resource "aws_iam_user_policy" "cashier_inline" {
  name = "ReadReceipts"
  user = aws_iam_user.cashier.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = "arn:aws:s3:::AWSDOC-EXAMPLE-BUCKET/receipts/*"
    }]
  })
}

resource "aws_iam_access_key" "cashier" {
  user = aws_iam_user.cashier.name
}

resource "aws_iam_user_login_profile" "cashier" {
  user                    = aws_iam_user.cashier.name
  password_length         = 20
  password_reset_required = true
  depends_on              = [aws_iam_account_password_policy.strict]
}

resource "aws_iam_virtual_mfa_device" "cashier" {
  virtual_mfa_device_name = "cashier-phone"
}

resource "aws_iam_instance_profile" "inventory" {
  name = "inventory-hosts"
  role = aws_iam_role.inventory.name
}

output "access_key_id" {
  value = aws_iam_access_key.cashier.id
}

output "mfa_serial" {
  value = aws_iam_virtual_mfa_device.cashier.arn
}
