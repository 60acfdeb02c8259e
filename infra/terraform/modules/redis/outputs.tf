output "endpoint" {
  description = "Host to connect to: the configuration endpoint in cluster mode, the primary endpoint otherwise."
  value = (var.cluster_mode
    ? aws_elasticache_replication_group.this.configuration_endpoint_address
  : aws_elasticache_replication_group.this.primary_endpoint_address)
}

output "reader_endpoint" {
  description = "Reader endpoint (single-shard mode only; null in cluster mode)."
  value       = var.cluster_mode ? null : aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "Redis port (TLS)."
  value       = 6379
}

output "cluster_mode" {
  description = "Whether Redis runs as a cluster (the app must then use a cluster client and SPUBLISH/SSUBSCRIBE)."
  value       = var.cluster_mode
}

output "app_secret_arn" {
  description = "Secret with the schoolhub_app Redis credentials; REDIS_URL is templated from it."
  value       = aws_secretsmanager_secret.app.arn
}

output "app_secret_name" {
  description = "Name of the schoolhub_app Redis secret."
  value       = aws_secretsmanager_secret.app.name
}

output "security_group_id" {
  description = "Security group of the Redis nodes."
  value       = aws_security_group.this.id
}
