output "primary_address" {
  description = "Hostname of the primary (writes, migrations)."
  value       = aws_db_instance.primary.address
}

output "replica_addresses" {
  description = "Hostnames of the read replicas (reports, aggregates)."
  value       = aws_db_instance.replica[*].address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.primary.port
}

output "database_name" {
  description = "Application database name."
  value       = var.database_name
}

output "master_secret_arn" {
  description = "RDS-managed master secret (break-glass and the db-roles Job only)."
  value       = aws_db_instance.primary.master_user_secret[0].secret_arn
}

output "owner_secret_arn" {
  description = "Secret with schoolhub_owner's credentials: DATABASE_URL for `schoolhub migrate` only."
  value       = aws_secretsmanager_secret.role["owner"].arn
}

output "owner_secret_name" {
  description = "Name of the schoolhub_owner secret."
  value       = aws_secretsmanager_secret.role["owner"].name
}

output "app_secret_arn" {
  description = "Secret with schoolhub_app's credentials: DATABASE_APP_URL for the API and workers."
  value       = aws_secretsmanager_secret.role["app"].arn
}

output "app_secret_name" {
  description = "Name of the schoolhub_app secret."
  value       = aws_secretsmanager_secret.role["app"].name
}

output "app_statement_timeout_ms" {
  description = "statement_timeout the db-roles Job sets on schoolhub_app."
  value       = var.app_statement_timeout_ms
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}
