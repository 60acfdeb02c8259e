# What the application's configuration consumes. References to secrets, never their values.

output "api_url" {
  description = "Public base URL of the GraphQL API."
  value       = module.edge.api_url
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Private Kubernetes API endpoint (reachable from inside the VPC)."
  value       = module.eks.cluster_endpoint
}

output "cluster_ca_certificate" {
  description = "Base64 CA bundle of the Kubernetes API."
  value       = module.eks.cluster_ca_certificate
}

output "database_url_secret_arn" {
  description = "DATABASE_URL source: Secrets Manager entry of schoolhub_owner (migrate Job only)."
  value       = module.postgres.owner_secret_arn
}

output "database_app_url_secret_arn" {
  description = "DATABASE_APP_URL source: Secrets Manager entry of schoolhub_app (API, workers, SFU)."
  value       = module.postgres.app_secret_arn
}

output "database_hosts" {
  description = "PostgreSQL primary and read-replica hostnames."
  value = {
    primary  = module.postgres.primary_address
    replicas = module.postgres.replica_addresses
    port     = module.postgres.port
    database = module.postgres.database_name
  }
}

output "redis_url_secret_arn" {
  description = "REDIS_URL source: Secrets Manager entry of the schoolhub_app Redis user."
  value       = module.redis.app_secret_arn
}

output "redis_endpoint" {
  description = "Redis endpoint (configuration endpoint in cluster mode) and whether cluster mode is on."
  value = {
    host         = module.redis.endpoint
    port         = module.redis.port
    cluster_mode = module.redis.cluster_mode
  }
}

output "storage_bucket" {
  description = "SCHOOLHUB_S3_BUCKET: the app's bucket (documents, office files, recordings tagged kind=recording)."
  value       = module.storage.files_bucket
}

output "audit_bucket" {
  description = "Bucket for audit exports (Object Lock)."
  value       = module.storage.audit_bucket
}

output "turn_urls" {
  description = "SCHOOLHUB_TURN_URLS (comma-join these)."
  value       = module.turn.turn_urls
}

output "secret_arns" {
  description = "Secrets Manager ARNs: SCHOOLHUB_JWT_SECRET (jwt), SCHOOLHUB_TURN_SECRET (turn), SCHOOLHUB_SECRETS_KEY (secrets_key), SCHOOLHUB_FCM_CREDENTIALS file (fcm), VNPay onboarding (vnpay)."
  value       = module.secrets.secret_arns
}

output "app_environment" {
  description = "Non-secret environment of every SchoolHub container."
  value       = module.workloads.app_environment
}

output "secret_environment_keys" {
  description = "Environment variables delivered from Kubernetes Secrets (names only)."
  value       = module.workloads.secret_environment_keys
}
