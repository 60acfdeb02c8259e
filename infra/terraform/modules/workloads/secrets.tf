# External Secrets Operator turns Secrets Manager entries into Kubernetes Secrets.
# First apply of a new cluster: the ExternalSecret CRDs must exist before kubernetes_manifest can plan, so
# apply helm_release.external_secrets first (see README.md, "First apply").

resource "helm_release" "external_secrets" {
  name             = "external-secrets"
  namespace        = "external-secrets"
  create_namespace = true
  repository       = "https://charts.external-secrets.io"
  chart            = "external-secrets"
  version          = var.external_secrets_chart_version
  atomic           = true

  set = [
    { name = "installCRDs", value = "true" },
    { name = "serviceAccount.name", value = "external-secrets" },
  ]

  depends_on = [aws_eks_pod_identity_association.external_secrets]
}

resource "kubernetes_manifest" "secret_store" {
  manifest = {
    apiVersion = "external-secrets.io/v1"
    kind       = "ClusterSecretStore"
    metadata   = { name = "aws-secrets-manager" }
    spec = {
      provider = {
        aws = {
          service = "SecretsManager"
          region  = var.aws_region
        }
      }
      conditions = [{ namespaces = values(local.namespaces) }]
    }
  }
  depends_on = [helm_release.external_secrets]
}

# schoolhub-app: what the API, workers, SFU and jobs read as environment variables.
resource "kubernetes_manifest" "app_secret" {
  for_each = local.namespaces
  manifest = {
    apiVersion = "external-secrets.io/v1"
    kind       = "ExternalSecret"
    metadata = {
      name      = "schoolhub-app"
      namespace = kubernetes_namespace_v1.this[each.key].metadata[0].name
    }
    spec = {
      refreshInterval = "1h"
      secretStoreRef  = { kind = "ClusterSecretStore", name = "aws-secrets-manager" }
      target = {
        name           = "schoolhub-app"
        creationPolicy = "Owner"
        template = {
          engineVersion = "v2"
          data = {
            DATABASE_APP_URL         = local.db_app_url
            DATABASE_REPLICA_APP_URL = local.db_read_url
            REDIS_URL                = local.redis_url
            SCHOOLHUB_JWT_SECRET     = "{{ .jwt }}"
            SCHOOLHUB_TURN_SECRET    = "{{ .turn }}"
            SCHOOLHUB_SECRETS_KEY    = "{{ .secrets_key }}"
          }
        }
      }
      data = [
        { secretKey = "app_user", remoteRef = { key = var.database.app_secret_name, property = "username" } },
        { secretKey = "app_password", remoteRef = { key = var.database.app_secret_name, property = "password" } },
        { secretKey = "redis_user", remoteRef = { key = var.redis.secret_name, property = "username" } },
        { secretKey = "redis_password", remoteRef = { key = var.redis.secret_name, property = "password" } },
        { secretKey = "jwt", remoteRef = { key = var.app_secret_names["jwt"] } },
        { secretKey = "turn", remoteRef = { key = var.app_secret_names["turn"] } },
        { secretKey = "secrets_key", remoteRef = { key = var.app_secret_names["secrets_key"] } },
      ]
    }
  }
  depends_on = [kubernetes_manifest.secret_store]
}

# schoolhub-fcm: the service-account JSON, mounted as a file (SCHOOLHUB_FCM_CREDENTIALS).
resource "kubernetes_manifest" "fcm_secret" {
  manifest = {
    apiVersion = "external-secrets.io/v1"
    kind       = "ExternalSecret"
    metadata = {
      name      = "schoolhub-fcm"
      namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
    }
    spec = {
      refreshInterval = "1h"
      secretStoreRef  = { kind = "ClusterSecretStore", name = "aws-secrets-manager" }
      target          = { name = "schoolhub-fcm", creationPolicy = "Owner" }
      data = [
        { secretKey = "fcm.json", remoteRef = { key = var.app_secret_names["fcm"] } },
      ]
    }
  }
  depends_on = [kubernetes_manifest.secret_store]
}

# schoolhub-owner: DATABASE_URL (owner role), only in the admin namespace, only for the migrate Job.
resource "kubernetes_manifest" "owner_secret" {
  manifest = {
    apiVersion = "external-secrets.io/v1"
    kind       = "ExternalSecret"
    metadata = {
      name      = "schoolhub-owner"
      namespace = kubernetes_namespace_v1.this["admin"].metadata[0].name
    }
    spec = {
      refreshInterval = "1h"
      secretStoreRef  = { kind = "ClusterSecretStore", name = "aws-secrets-manager" }
      target = {
        name           = "schoolhub-owner"
        creationPolicy = "Owner"
        template = {
          engineVersion = "v2"
          data          = { DATABASE_URL = local.db_owner }
        }
      }
      data = [
        { secretKey = "owner_user", remoteRef = { key = var.database.owner_secret_name, property = "username" } },
        { secretKey = "owner_password", remoteRef = { key = var.database.owner_secret_name, property = "password" } },
      ]
    }
  }
  depends_on = [kubernetes_manifest.secret_store]
}

# schoolhub-db-roles: the RDS master credentials and the two role passwords, for the db-roles Job.
resource "kubernetes_manifest" "roles_secret" {
  manifest = {
    apiVersion = "external-secrets.io/v1"
    kind       = "ExternalSecret"
    metadata = {
      name      = "schoolhub-db-roles"
      namespace = kubernetes_namespace_v1.this["admin"].metadata[0].name
    }
    spec = {
      refreshInterval = "1h"
      secretStoreRef  = { kind = "ClusterSecretStore", name = "aws-secrets-manager" }
      target          = { name = "schoolhub-db-roles", creationPolicy = "Owner" }
      data = [
        { secretKey = "PGUSER", remoteRef = { key = var.database.master_secret_arn, property = "username" } },
        { secretKey = "PGPASSWORD", remoteRef = { key = var.database.master_secret_arn, property = "password" } },
        { secretKey = "OWNER_PASSWORD", remoteRef = { key = var.database.owner_secret_name, property = "password" } },
        { secretKey = "APP_PASSWORD", remoteRef = { key = var.database.app_secret_name, property = "password" } },
      ]
    }
  }
  depends_on = [kubernetes_manifest.secret_store]
}
