output "files_bucket" {
  description = "The app's bucket (SCHOOLHUB_S3_BUCKET): school and office files and recordings (tag kind=recording)."
  value       = aws_s3_bucket.files.id
}

output "files_bucket_arn" {
  description = "ARN of the app's bucket, for the app pods' IAM policy."
  value       = aws_s3_bucket.files.arn
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
    files = aws_s3_bucket.files.arn
    audit = aws_s3_bucket.audit.arn
  }
}

output "kms_key_arn" {
  description = "KMS key encrypting the data buckets (readers and writers need kms:Decrypt/GenerateDataKey)."
  value       = aws_kms_key.storage.arn
}
