output "secrets_kms_key_arn" {
  description = "KMS key that encrypts SchoolHub secrets (grant kms:Decrypt to readers)."
  value       = aws_kms_key.secrets.arn
}

output "logs_kms_key_arn" {
  description = "KMS key for CloudWatch log groups."
  value       = aws_kms_key.logs.arn
}

output "secret_arns" {
  description = "ARN of each secret by key: jwt, turn, secrets_key, fcm, vnpay. References only, never values."
  value = merge(
    { for key, secret in aws_secretsmanager_secret.generated : key => secret.arn },
    { for key, secret in aws_secretsmanager_secret.external : key => secret.arn },
  )
}

output "secret_names" {
  description = "Name of each secret by key (what External Secrets Operator looks up)."
  value = merge(
    { for key, secret in aws_secretsmanager_secret.generated : key => secret.name },
    { for key, secret in aws_secretsmanager_secret.external : key => secret.name },
  )
}
