output "api_url" {
  description = "Public base URL of the GraphQL API."
  value       = module.stack.api_url
}

output "database_url_secret_arn" {
  description = "DATABASE_URL (owner role, migrate Job only): Secrets Manager ARN."
  value       = module.stack.database_url_secret_arn
}

output "database_app_url_secret_arn" {
  description = "DATABASE_APP_URL (schoolhub_app, NOBYPASSRLS): Secrets Manager ARN."
  value       = module.stack.database_app_url_secret_arn
}

output "database_hosts" {
  description = "PostgreSQL primary and replica hosts."
  value       = module.stack.database_hosts
}

output "redis_url_secret_arn" {
  description = "REDIS_URL credentials: Secrets Manager ARN."
  value       = module.stack.redis_url_secret_arn
}

output "redis_endpoint" {
  description = "Redis endpoint and cluster mode."
  value       = module.stack.redis_endpoint
}

output "storage_bucket" {
  description = "SCHOOLHUB_S3_BUCKET: the app's bucket (documents, office files, recordings tagged kind=recording)."
  value       = module.stack.storage_bucket
}

output "turn_urls" {
  description = "SCHOOLHUB_TURN_URLS entries."
  value       = module.stack.turn_urls
}

output "secret_arns" {
  description = "Secrets Manager ARNs of the application secrets (references only)."
  value       = module.stack.secret_arns
}

output "app_environment" {
  description = "Non-secret environment every SchoolHub container receives."
  value       = module.stack.app_environment
}

output "secret_environment_keys" {
  description = "Environment variables delivered from Kubernetes Secrets (names only)."
  value       = module.stack.secret_environment_keys
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.stack.cluster_name
}
