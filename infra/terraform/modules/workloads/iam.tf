# EKS Pod Identity: AWS permissions for pods, without node-wide credentials (IMDS hop limit is 1).

data "aws_iam_policy_document" "pod_identity_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

# API, workers and SFU: objects under the data buckets (tenant prefixes are enforced by the app, which
# only issues short presigned URLs after a tenant check).
resource "aws_iam_role" "app" {
  name               = "${var.name}-app-pods"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "app" {
  statement {
    sid       = "Objects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:AbortMultipartUpload"]
    resources = [for arn in var.storage.bucket_arns : "${arn}/school/*"]
  }
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = var.storage.bucket_arns
  }
  statement {
    sid       = "StorageKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.storage.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "schoolhub-objects"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}

resource "aws_eks_pod_identity_association" "app" {
  for_each = {
    api    = local.namespaces.app
    worker = local.namespaces.app
    sfu    = local.namespaces.media
  }
  cluster_name    = var.cluster_name
  namespace       = each.value
  service_account = kubernetes_service_account_v1.this[each.key].metadata[0].name
  role_arn        = aws_iam_role.app.arn
  tags            = var.tags
}

# External Secrets Operator: read exactly the listed secrets.
resource "aws_iam_role" "external_secrets" {
  name               = "${var.name}-external-secrets"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid       = "ReadSchoolHubSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.readable_secret_arns
  }
  statement {
    sid       = "DecryptThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "external_secrets" {
  name   = "read-schoolhub-secrets"
  role   = aws_iam_role.external_secrets.id
  policy = data.aws_iam_policy_document.external_secrets.json
}

resource "aws_eks_pod_identity_association" "external_secrets" {
  cluster_name    = var.cluster_name
  namespace       = "external-secrets"
  service_account = "external-secrets"
  role_arn        = aws_iam_role.external_secrets.arn
  tags            = var.tags
}
