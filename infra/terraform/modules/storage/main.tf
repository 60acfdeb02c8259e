# Object storage (S3): three private buckets.
#
#   files       everything the app stores (SCHOOLHUB_S3_BUCKET): school documents and attachments
#               `school/<school_id>/<area>/...`, documents of the department and districts
#               `office/<org_unit_id>/<area>/...`, and recordings of class sessions
#               `school/<school_id>/recordings/<room_id>/...` and of office meetings
#               `office/<org_unit_id>/recordings/<room_id>/...`, which the app uploads with the
#               object tag `kind=recording` (the recording retention rules below select them by that
#               tag: the owner id comes before `recordings/`, so no key prefix can)
#   audit       audit exports (supervisor drill-downs, payment reconciliation, breach records), Object
#               Lock; the app pods have no access to it (modules/workloads/iam.tf)
#   logs        S3 server access logs and ALB access logs (SSE-S3: the only encryption those services
#               can deliver to)
#
# Every data bucket: public access blocked, SSE-KMS with a bucket key, versioning, TLS-only bucket
# policy, access logging, EventBridge notifications, and lifecycle rules implementing the retention
# policy documented in infra/terraform/README.md ("Retention"). Nothing is public and no presigned URL
# is ever issued: clients download through the API (`/files/<token>`, a signed reference checked
# against the caller's school or office), which reads the object with the pods' own credentials.

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_elb_service_account" "current" {}

locals {
  suffix       = data.aws_caller_identity.current.account_id
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
}

resource "aws_kms_key" "storage" {
  description             = "${var.name}: S3 files (documents and recordings) and audit exports"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = local.account_root }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
  tags = var.tags
}

resource "aws_kms_alias" "storage" {
  name          = "alias/${var.name}-storage"
  target_key_id = aws_kms_key.storage.key_id
}

resource "aws_s3_bucket" "files" {
  #checkov:skip=CKV_AWS_144:no second AWS region may hold pupils' personal data without a DPIA and the department's approval (Law 91/2025); versioning, Object Lock (audit) and RDS PITR cover recovery
  bucket = "${var.name}-files-${local.suffix}"
  tags   = merge(var.tags, { purpose = "documents, attachments and recordings" })
}

resource "aws_s3_bucket_public_access_block" "files" {
  bucket                  = aws_s3_bucket.files.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "files" {
  bucket = aws_s3_bucket.files.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "files" {
  bucket = aws_s3_bucket.files.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "files" {
  bucket = aws_s3_bucket.files.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.storage.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "files" {
  bucket        = aws_s3_bucket.files.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/files/"
}

resource "aws_s3_bucket_notification" "files" {
  bucket      = aws_s3_bucket.files.id
  eventbridge = true
}

data "aws_iam_policy_document" "files_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.files.arn, "${aws_s3_bucket.files.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "files" {
  bucket     = aws_s3_bucket.files.id
  policy     = data.aws_iam_policy_document.files_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.files]
}

resource "aws_s3_bucket" "audit" {
  #checkov:skip=CKV_AWS_144:no second AWS region may hold pupils' personal data without a DPIA and the department's approval (Law 91/2025); versioning, Object Lock (audit) and RDS PITR cover recovery
  bucket              = "${var.name}-audit-${local.suffix}"
  object_lock_enabled = true
  tags                = merge(var.tags, { purpose = "audit exports kept under Object Lock" })
}

resource "aws_s3_bucket_public_access_block" "audit" {
  bucket                  = aws_s3_bucket.audit.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "audit" {
  bucket = aws_s3_bucket.audit.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "audit" {
  bucket = aws_s3_bucket.audit.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "audit" {
  bucket = aws_s3_bucket.audit.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.storage.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "audit" {
  bucket        = aws_s3_bucket.audit.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/audit/"
}

resource "aws_s3_bucket_notification" "audit" {
  bucket      = aws_s3_bucket.audit.id
  eventbridge = true
}

data "aws_iam_policy_document" "audit_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.audit.arn, "${aws_s3_bucket.audit.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "audit" {
  bucket     = aws_s3_bucket.audit.id
  policy     = data.aws_iam_policy_document.audit_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.audit]
}

# Retention: files. Current documents stay until the school deletes them (they are school records);
# old versions are an undo window only. Recordings (tag kind=recording) live one school year at most:
# a backstop expiry, and one day once tagged consent=withdrawn (a parent or guardian withdrew consent,
# Decree 13 Art. 20(3)) or purpose=ended (the year-end purge job). The consent and purpose rules also
# require kind=recording, so no tag on a document can ever expire it; whoever adds those tags keeps
# kind=recording (PutObjectTagging replaces the whole tag set). Deleted versions of everything are gone
# after deleted_version_retention_days.
resource "aws_s3_bucket_lifecycle_configuration" "files" {
  bucket = aws_s3_bucket.files.id

  rule {
    id     = "infrequent-access-after-180-days"
    status = "Enabled"
    filter {}
    transition {
      days          = 180
      storage_class = "STANDARD_IA"
    }
  }

  rule {
    id     = "expire-deleted-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.deleted_version_retention_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "recordings-school-year-backstop"
    status = "Enabled"
    filter {
      tag {
        key   = "kind"
        value = "recording"
      }
    }
    expiration {
      days = var.recording_retention_days
    }
  }

  rule {
    id     = "recordings-consent-withdrawn"
    status = "Enabled"
    filter {
      and {
        tags = {
          kind    = "recording"
          consent = "withdrawn"
        }
      }
    }
    expiration {
      days = 1
    }
  }

  rule {
    id     = "recordings-purpose-ended"
    status = "Enabled"
    filter {
      and {
        tags = {
          kind    = "recording"
          purpose = "ended"
        }
      }
    }
    expiration {
      days = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.files]
}

# Retention: audit exports. Object Lock (governance mode) keeps every version for audit_retention_years;
# then the objects expire. Cold storage after 90 days.
resource "aws_s3_bucket_object_lock_configuration" "audit" {
  bucket = aws_s3_bucket.audit.id
  rule {
    default_retention {
      mode  = "GOVERNANCE"
      years = var.audit_retention_years
    }
  }
  depends_on = [aws_s3_bucket_versioning.audit]
}

resource "aws_s3_bucket_lifecycle_configuration" "audit" {
  bucket = aws_s3_bucket.audit.id

  rule {
    id     = "archive-then-expire"
    status = "Enabled"
    filter {}
    transition {
      days          = 90
      storage_class = "GLACIER_IR"
    }
    expiration {
      days = var.audit_retention_years * 366 + 30
    }
    noncurrent_version_expiration {
      noncurrent_days = var.audit_retention_years * 366 + 30
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.audit]
}

# Access-log bucket (S3 server access logs, ALB logs).
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_144:access logs are operational data kept in-region only; replicating them adds cost without a recovery need
  #checkov:skip=CKV_AWS_145:S3 server access logging and ALB access logs can only be delivered to buckets encrypted with SSE-S3, not SSE-KMS
  #checkov:skip=CKV_AWS_18:this is the access-log target bucket; logging it into itself would loop and logging it elsewhere only moves the problem
  bucket        = "${var.name}-logs-${local.suffix}"
  force_destroy = false
  tags          = merge(var.tags, { purpose = "access logs" })
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_notification" "logs" {
  bucket      = aws_s3_bucket.logs.id
  eventbridge = true
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/s3/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "AlbAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket     = aws_s3_bucket.logs.id
  policy     = data.aws_iam_policy_document.logs.json
  depends_on = [aws_s3_bucket_public_access_block.logs]
}
