output "files_bucket" {
  description = "Bucket for school files (SCHOOLHUB_STORAGE_BUCKET)."
  value       = aws_s3_bucket.files.id
}

output "recordings_bucket" {
  description = "Bucket for class and meeting recordings."
  value       = aws_s3_bucket.recordings.id
}

output "audit_bucket" {
  description = "Bucket for audit exports (Object Lock)."
  value       = aws_s3_bucket.audit.id
}

output "logs_bucket" {
  description = "Bucket receiving S3 and ALB access logs."
  value       = aws_s3_bucket.logs.id
}

output "bucket_arns" {
  description = "ARNs of the data buckets by purpose, for IAM policies."
  value = {
    files      = aws_s3_bucket.files.arn
    recordings = aws_s3_bucket.recordings.arn
    audit      = aws_s3_bucket.audit.arn
  }
}

output "kms_key_arn" {
  description = "KMS key encrypting the data buckets (readers and writers need kms:Decrypt/GenerateDataKey)."
  value       = aws_kms_key.storage.arn
}
