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

# API, workers and SFU: the objects of the app's bucket (SCHOOLHUB_S3_BUCKET) under exactly the two
# owner prefixes the app writes (schoolhub.platform.storage: KEY_RE, RECORDING_KEY_RE):
#   school/<school_id>/<area>/<hex>.<ext>            documents, attachments, receipts, exports
#   school/<school_id>/recordings/<room_id>/<hex>.*  recordings (uploaded with the tag kind=recording)
#   office/<org_unit_id>/<area>/<hex>.<ext>          documents of the department and districts
#   office/<org_unit_id>/recordings/<room_id>/<hex>.* office meeting recordings (tagged the same)
# The pods read and write objects themselves with these credentials; clients never get a presigned
# URL: they download through the API (/files/<token>), which checks the caller's school or office.
resource "aws_iam_role" "app" {
  name               = "${var.name}-app-pods"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "app" {
  # s3:PutObjectTagging: a PutObject carrying x-amz-tagging (recordings) needs it as well.
  statement {
    sid       = "Objects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"]
    resources = ["${var.storage.bucket_arn}/school/*", "${var.storage.bucket_arn}/office/*"]
  }
  # Without s3:ListBucket, S3 answers 403 instead of 404 for a missing object, and the app would
  # report "access denied" where it means "no such file" (S3Storage.read/exists/delete).
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = [var.storage.bucket_arn]
  }
  statement {
    sid       = "StorageKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.storage.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
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
