# Secrets and the KMS keys that protect them.
#
# Nothing secret enters Terraform state or plans:
#   - generated secrets (JWT signing secret, TURN static-auth-secret, SCHOOLHUB_SECRETS_KEY) come from an
#     `ephemeral "random_password"` and are written with the write-only `secret_string_wo` argument;
#   - externally issued secrets (the FCM service-account JSON from Google, VNPay merchant hash secrets
#     from the schools' VNPay contracts) are only *containers* here; operators put the values with
#     `aws secretsmanager put-secret-value` (see README.md, "Secrets").
# Pods receive values through External Secrets Operator (modules/workloads), coturn reads its secret at
# boot with its instance role (modules/turn).

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.7"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  generated = {
    jwt         = { description = "SCHOOLHUB_JWT_SECRET: HMAC key for access tokens", length = 64 }
    turn        = { description = "SCHOOLHUB_TURN_SECRET and coturn static-auth-secret (TURN REST API credentials)", length = 48 }
    secrets_key = { description = "SCHOOLHUB_SECRETS_KEY: decrypts per-school VNPay hash secrets stored in PostgreSQL", length = 64 }
  }
  external = {
    fcm   = "FCM service-account JSON (firebase-admin), mounted as a file; value put by operators"
    vnpay = "VNPay merchant onboarding secrets (tmn code -> hash secret); imported into the database encrypted with SCHOOLHUB_SECRETS_KEY"
  }
}

resource "aws_kms_key" "secrets" {
  description             = "${var.name}: Secrets Manager secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "SecretsManagerUse"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "kms:CallerAccount" = data.aws_caller_identity.current.account_id
            "kms:ViaService"    = "secretsmanager.${data.aws_region.current.region}.amazonaws.com"
          }
        }
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

# Key for CloudWatch log groups (flow logs, EKS control plane, RDS, Redis, WAF, coturn).
resource "aws_kms_key" "logs" {
  description             = "${var.name}: CloudWatch Logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUse"
        Effect    = "Allow"
        Principal = { Service = "logs.${data.aws_region.current.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:*"
          }
        }
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

ephemeral "random_password" "generated" {
  for_each = local.generated
  length   = each.value.length
  special  = false
}

resource "aws_secretsmanager_secret" "generated" {
  #checkov:skip=CKV2_AWS_57:rotated by bumping generated_secret_version (write-only, two keys accepted during overlap); a rotation Lambda cannot update coturn and the app's key ring together
  for_each                = local.generated
  name                    = "${var.name}/${each.key}"
  description             = each.value.description
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "generated" {
  for_each                 = local.generated
  secret_id                = aws_secretsmanager_secret.generated[each.key].id
  secret_string_wo         = ephemeral.random_password.generated[each.key].result
  secret_string_wo_version = var.generated_secret_version
}

resource "aws_secretsmanager_secret" "external" {
  #checkov:skip=CKV2_AWS_57:issued by third parties (Google FCM key, VNPay merchant contracts); rotation happens at the issuer and is put here by operators, a Lambda cannot mint them
  for_each                = local.external
  name                    = "${var.name}/${each.key}"
  description             = each.value
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = var.tags
}
