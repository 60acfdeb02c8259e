# Pre-deploy Jobs in the admin namespace. Order on every apply:
#   db-roles (only when its SQL or run id changes) -> migrate (once per image digest) -> Deployments.

locals {
  db_roles_sql = <<-EOT
    \set ON_ERROR_STOP on
    \getenv owner_password OWNER_PASSWORD
    \getenv app_password APP_PASSWORD
    -- The owner of the schema; `schoolhub migrate` connects as this role (DATABASE_URL).
    SELECT 'CREATE ROLE schoolhub_owner LOGIN'
      WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schoolhub_owner') \gexec
    -- The application role (DATABASE_APP_URL): not the owner of anything, subject to RLS.
    SELECT 'CREATE ROLE schoolhub_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT'
      WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schoolhub_app') \gexec
    -- Owner of the outbox relay functions (migration m0001); the owner role cannot create roles, so the
    -- migration's IF NOT EXISTS finds it here, and the owner may hand functions to it.
    SELECT 'CREATE ROLE schoolhub_system NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS'
      WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schoolhub_system') \gexec
    SELECT 'CREATE ROLE rds_pgaudit NOLOGIN'
      WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_pgaudit') \gexec
    ALTER ROLE schoolhub_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
    ALTER ROLE schoolhub_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD :'app_password';
    GRANT schoolhub_system TO schoolhub_owner;
    ALTER ROLE schoolhub_app SET statement_timeout = '${var.database.app_statement_timeout_ms}ms';
    ALTER ROLE schoolhub_app SET idle_in_transaction_session_timeout = '30s';
    GRANT schoolhub_owner TO CURRENT_USER;
    ALTER DATABASE ${var.database.name} OWNER TO schoolhub_owner;
    ALTER SCHEMA public OWNER TO schoolhub_owner;
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    GRANT CONNECT ON DATABASE ${var.database.name} TO schoolhub_app;
    GRANT USAGE ON SCHEMA public TO schoolhub_app;
    CREATE EXTENSION IF NOT EXISTS pgaudit;
  EOT
}

resource "kubernetes_config_map_v1" "db_roles" {
  metadata {
    name      = "schoolhub-db-roles"
    namespace = kubernetes_namespace_v1.this["admin"].metadata[0].name
    labels    = local.labels
  }
  data = { "roles.sql" = local.db_roles_sql }
}

resource "kubernetes_job_v1" "db_roles" {
  metadata {
    name      = "schoolhub-db-roles-${substr(sha1("${local.db_roles_sql}${var.db_roles_run_id}"), 0, 10)}"
    namespace = kubernetes_namespace_v1.this["admin"].metadata[0].name
    labels    = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-db-roles" })
  }
  spec {
    backoff_limit              = 2
    ttl_seconds_after_finished = 604800
    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-db-roles" })
      }
      spec {
        # Deliberate deviation from CKV_K8S_35 (checkov 3.3.30 does not check this resource type for it): psql reads PGPASSWORD and the role passwords from the environment (\getenv); the values come from an ExternalSecret, never from Terraform
        service_account_name            = kubernetes_service_account_v1.this["roles"].metadata[0].name
        automount_service_account_token = false
        restart_policy                  = "Never"
        security_context {
          run_as_non_root = true
          run_as_user     = 65534
          run_as_group    = 65534
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name              = "psql"
          image             = var.psql_image
          image_pull_policy = "Always"
          command           = ["psql", "--no-psqlrc", "--file=/sql/roles.sql"]
          env {
            name  = "PGHOST"
            value = var.database.primary_host
          }
          env {
            name  = "PGPORT"
            value = tostring(var.database.port)
          }
          env {
            name  = "PGDATABASE"
            value = var.database.name
          }
          env {
            name  = "PGSSLMODE"
            value = "require"
          }
          env_from {
            secret_ref {
              name = "schoolhub-db-roles"
            }
          }
          resources {
            requests = { cpu = "50m", memory = "64Mi" }
            limits   = { cpu = "200m", memory = "128Mi" }
          }
          security_context {
            allow_privilege_escalation = false
            privileged                 = false
            read_only_root_filesystem  = true
            run_as_non_root            = true
            capabilities {
              drop = ["ALL"]
            }
          }
          volume_mount {
            name       = "sql"
            mount_path = "/sql"
            read_only  = true
          }
        }
        volume {
          name = "sql"
          config_map {
            name = kubernetes_config_map_v1.db_roles.metadata[0].name
          }
        }
      }
    }
  }
  wait_for_completion = true
  timeouts {
    create = "10m"
  }
  depends_on = [kubernetes_manifest.roles_secret]
}

# `schoolhub migrate` as the owner role, once per image digest, before the Deployments roll.
resource "kubernetes_job_v1" "migrate" {
  metadata {
    name      = "schoolhub-migrate-${substr(replace(var.image_digest, "sha256:", ""), 0, 12)}"
    namespace = kubernetes_namespace_v1.this["admin"].metadata[0].name
    labels    = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-migrate" })
  }
  spec {
    backoff_limit              = 0
    ttl_seconds_after_finished = 604800
    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-migrate" })
      }
      spec {
        # Deliberate deviation from CKV_K8S_35 (checkov 3.3.30 does not check this resource type for it): SchoolHub reads DATABASE_URL and its settings from environment variables (platform/settings.py); values come from ExternalSecrets, never from Terraform
        service_account_name            = kubernetes_service_account_v1.this["migrate"].metadata[0].name
        automount_service_account_token = false
        restart_policy                  = "Never"
        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          run_as_group    = 10001
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name              = "migrate"
          image             = "${var.image_repository}@${var.image_digest}"
          image_pull_policy = "Always"
          args              = ["migrate"]
          env_from {
            config_map_ref {
              name = kubernetes_config_map_v1.config["admin"].metadata[0].name
            }
          }
          env_from {
            secret_ref {
              name = "schoolhub-app"
            }
          }
          env {
            name = "DATABASE_URL"
            value_from {
              secret_key_ref {
                name = "schoolhub-owner"
                key  = "DATABASE_URL"
              }
            }
          }
          resources {
            requests = { cpu = "250m", memory = "256Mi" }
            limits   = { cpu = "1", memory = "512Mi" }
          }
          security_context {
            allow_privilege_escalation = false
            privileged                 = false
            read_only_root_filesystem  = true
            run_as_non_root            = true
            capabilities {
              drop = ["ALL"]
            }
          }
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
        }
        volume {
          name = "tmp"
          empty_dir {
            size_limit = "64Mi"
          }
        }
      }
    }
  }
  wait_for_completion = true
  timeouts {
    create = "30m"
  }
  depends_on = [kubernetes_job_v1.db_roles, kubernetes_manifest.owner_secret, kubernetes_manifest.app_secret]
}
