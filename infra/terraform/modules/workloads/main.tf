# Kubernetes workloads of one environment. One image (the repository's Dockerfile), four commands:
#
#   namespace        workload                     command                      notes
#   schoolhub        Deployment schoolhub-api     serve --host 0.0.0.0         HPA, PDB, port 8000, NodePort
#   schoolhub        Deployment schoolhub-worker  worker                       HPA
#   schoolhub-admin  Job schoolhub-migrate-<img>  migrate                      pre-deploy, owner role
#   schoolhub-media  DaemonSet schoolhub-sfu      sfu-worker                   SFU nodes, host network
#
# Plus the db-roles Job (creates schoolhub_owner / schoolhub_app from their secrets), External Secrets
# Operator (Secrets Manager -> Kubernetes Secrets), Pod Identity roles and NetworkPolicies.
# Secret *values* never pass through Terraform: ExternalSecret objects name the Secrets Manager entries
# and the operator templates the connection URLs inside the cluster.

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.36"
    }
    helm = {
      source  = "hashicorp/helm"
      version = ">= 3.0"
    }
  }
}

locals {
  namespaces = {
    app   = "schoolhub"
    admin = "schoolhub-admin"
    media = "schoolhub-media"
  }
  labels = { "app.kubernetes.io/part-of" = "schoolhub" }

  db_query    = "sslmode=require"
  db_app_url  = "postgresql://{{ .app_user }}:{{ .app_password | urlquery }}@${var.database.primary_host}:${var.database.port}/${var.database.name}?${local.db_query}"
  db_read_url = "postgresql://{{ .app_user }}:{{ .app_password | urlquery }}@${var.database.replica_host}:${var.database.port}/${var.database.name}?${local.db_query}"
  db_owner    = "postgresql://{{ .owner_user }}:{{ .owner_password | urlquery }}@${var.database.primary_host}:${var.database.port}/${var.database.name}?${local.db_query}"
  redis_url   = "rediss://{{ .redis_user }}:{{ .redis_password | urlquery }}@${var.redis.endpoint}:${var.redis.port}/0"

  fcm_mount_dir = "/var/run/secrets/schoolhub/fcm"

  # Non-secret configuration shared by every SchoolHub container.
  config = {
    SCHOOLHUB_ENV       = "production"
    SCHOOLHUB_PORT      = "8000"
    SCHOOLHUB_DATA_DIR  = "/tmp/schoolhub"
    SCHOOLHUB_TURN_URLS = join(",", var.turn_urls)
    # Object storage, exactly what schoolhub.platform.storage.get_storage() reads: the regional S3
    # endpoint, virtual-hosted addressing, and no keys: credentials come from EKS Pod Identity
    # (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, injected by EKS).
    SCHOOLHUB_S3_ENDPOINT         = "https://s3.${var.aws_region}.amazonaws.com"
    SCHOOLHUB_S3_BUCKET           = var.storage.bucket
    SCHOOLHUB_S3_REGION           = var.aws_region
    SCHOOLHUB_S3_PATH_STYLE       = "false"
    SCHOOLHUB_FCM_CREDENTIALS     = "${local.fcm_mount_dir}/fcm.json"
    SCHOOLHUB_REDIS_CLUSTER       = var.redis.cluster_mode ? "true" : "false"
    SCHOOLHUB_ALLOWED_ORIGINS     = join(",", var.allowed_origins)
    SCHOOLHUB_FIREBASE_PROJECT_ID = var.firebase_project_id
    AWS_REGION                    = var.aws_region
  }
}

resource "kubernetes_namespace_v1" "this" {
  for_each = local.namespaces
  metadata {
    name = each.value
    labels = merge(local.labels, {
      # SFU pods need host networking, which Pod Security "baseline" forbids; everything else is
      # "restricted".
      "pod-security.kubernetes.io/enforce" = each.key == "media" ? "privileged" : "restricted"
      "pod-security.kubernetes.io/warn"    = "restricted"
      "pod-security.kubernetes.io/audit"   = "restricted"
    })
  }
}

resource "kubernetes_config_map_v1" "config" {
  for_each = local.namespaces
  metadata {
    name      = "schoolhub-config"
    namespace = kubernetes_namespace_v1.this[each.key].metadata[0].name
    labels    = local.labels
  }
  data = local.config
}

resource "kubernetes_service_account_v1" "this" {
  for_each = {
    api     = local.namespaces.app
    worker  = local.namespaces.app
    migrate = local.namespaces.admin
    roles   = local.namespaces.admin
    sfu     = local.namespaces.media
  }
  metadata {
    name      = "schoolhub-${each.key}"
    namespace = kubernetes_namespace_v1.this[each.value == local.namespaces.app ? "app" : (each.value == local.namespaces.admin ? "admin" : "media")].metadata[0].name
    labels    = local.labels
  }
  automount_service_account_token = false
}
