output "namespaces" {
  description = "Kubernetes namespaces by role: app (API, workers), admin (migrate, db-roles), media (SFU)."
  value       = local.namespaces
}

output "app_environment" {
  description = "Non-secret environment every SchoolHub container receives (ConfigMap schoolhub-config)."
  value       = local.config
}

output "secret_environment_keys" {
  description = "Environment variables that come from Kubernetes Secrets synced by External Secrets (names only)."
  value = {
    "schoolhub-app"   = ["DATABASE_APP_URL", "DATABASE_REPLICA_APP_URL", "REDIS_URL", "SCHOOLHUB_JWT_SECRET", "SCHOOLHUB_TURN_SECRET", "SCHOOLHUB_SECRETS_KEY"]
    "schoolhub-owner" = ["DATABASE_URL"]
    "schoolhub-fcm"   = ["fcm.json (file at SCHOOLHUB_FCM_CREDENTIALS)"]
  }
}

output "migrate_job_name" {
  description = "Name of the migrate Job of this image digest."
  value       = kubernetes_job_v1.migrate.metadata[0].name
}

output "app_pod_role_arn" {
  description = "IAM role the API, worker and SFU pods assume through Pod Identity."
  value       = aws_iam_role.app.arn
}
