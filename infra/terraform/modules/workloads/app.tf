# API and workers (namespace schoolhub, general nodes).

# ---------------------------------------------------------------- API

resource "kubernetes_deployment_v1" "api" {
  metadata {
    name      = "schoolhub-api"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
    labels    = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-api" })
  }
  spec {
    replicas = var.api.min_replicas
    selector {
      match_labels = { "app.kubernetes.io/name" = "schoolhub-api" }
    }
    strategy {
      type = "RollingUpdate"
      rolling_update {
        max_surge       = "25%"
        max_unavailable = "0"
      }
    }
    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-api" })
      }
      spec {
        #checkov:skip=CKV_K8S_35:SchoolHub reads its settings, secrets included, from environment variables (platform/settings.py); values come from ExternalSecrets, never from Terraform
        service_account_name             = kubernetes_service_account_v1.this["api"].metadata[0].name
        automount_service_account_token  = false
        termination_grace_period_seconds = 60
        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          run_as_group    = 10001
          fs_group        = 10001
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        topology_spread_constraint {
          max_skew           = 1
          topology_key       = "topology.kubernetes.io/zone"
          when_unsatisfiable = "ScheduleAnyway"
          label_selector {
            match_labels = { "app.kubernetes.io/name" = "schoolhub-api" }
          }
        }
        node_selector = { "schoolhub.io/pool" = "general" }
        container {
          name              = "api"
          image             = "${var.image_repository}@${var.image_digest}"
          image_pull_policy = "Always"
          # --no-migrate: the API has no owner credentials; the migrate Job ran before this rollout.
          args = ["serve", "--host", "0.0.0.0", "--no-migrate"]
          port {
            name           = "http"
            container_port = 8000
            protocol       = "TCP"
          }
          env_from {
            config_map_ref {
              name = kubernetes_config_map_v1.config["app"].metadata[0].name
            }
          }
          env_from {
            secret_ref {
              name = "schoolhub-app"
            }
          }
          readiness_probe {
            http_get {
              path = "/health/ready"
              port = "http"
            }
            period_seconds    = 5
            timeout_seconds   = 3
            failure_threshold = 3
          }
          liveness_probe {
            http_get {
              path = "/health/live"
              port = "http"
            }
            initial_delay_seconds = 10
            period_seconds        = 10
            timeout_seconds       = 3
            failure_threshold     = 6
          }
          startup_probe {
            http_get {
              path = "/health/live"
              port = "http"
            }
            period_seconds    = 2
            failure_threshold = 30
          }
          lifecycle {
            # Keep serving while the ALB deregisters the pod (deregistration_delay is 30 s).
            pre_stop {
              exec {
                command = ["sleep", "20"]
              }
            }
          }
          resources {
            requests = { cpu = var.api.cpu_request, memory = var.api.memory_request }
            limits   = { cpu = var.api.cpu_limit, memory = var.api.memory_limit }
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
          volume_mount {
            name       = "fcm"
            mount_path = local.fcm_mount_dir
            read_only  = true
          }
        }
        volume {
          name = "tmp"
          empty_dir {
            size_limit = "256Mi"
          }
        }
        volume {
          name = "fcm"
          secret {
            secret_name  = "schoolhub-fcm"
            default_mode = "0440"
          }
        }
      }
    }
  }
  wait_for_rollout = true
  depends_on       = [kubernetes_job_v1.migrate, kubernetes_manifest.fcm_secret]

  lifecycle {
    # The HPA owns the replica count.
    ignore_changes = [spec[0].replicas]
  }
}

resource "kubernetes_service_v1" "api" {
  metadata {
    name      = "schoolhub-api"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
    labels    = local.labels
  }
  spec {
    type     = "NodePort"
    selector = { "app.kubernetes.io/name" = "schoolhub-api" }
    port {
      name        = "http"
      port        = 80
      target_port = "http"
      node_port   = var.api_node_port
      protocol    = "TCP"
    }
  }
}

resource "kubernetes_horizontal_pod_autoscaler_v2" "api" {
  metadata {
    name      = "schoolhub-api"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
  }
  spec {
    min_replicas = var.api.min_replicas
    max_replicas = var.api.max_replicas
    scale_target_ref {
      api_version = "apps/v1"
      kind        = "Deployment"
      name        = kubernetes_deployment_v1.api.metadata[0].name
    }
    metric {
      type = "Resource"
      resource {
        name = "cpu"
        target {
          type                = "Utilization"
          average_utilization = var.api.cpu_target_percent
        }
      }
    }
    behavior {
      # Morning peaks arrive fast: scale up quickly, scale down slowly.
      scale_up {
        stabilization_window_seconds = 0
        select_policy                = "Max"
        policy {
          type           = "Percent"
          value          = 100
          period_seconds = 30
        }
      }
      scale_down {
        stabilization_window_seconds = 300
        select_policy                = "Min"
        policy {
          type           = "Percent"
          value          = 20
          period_seconds = 60
        }
      }
    }
  }
}

resource "kubernetes_pod_disruption_budget_v1" "api" {
  metadata {
    name      = "schoolhub-api"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
  }
  spec {
    min_available = var.api.min_available
    selector {
      match_labels = { "app.kubernetes.io/name" = "schoolhub-api" }
    }
  }
}

# ---------------------------------------------------------------- workers

resource "kubernetes_deployment_v1" "worker" {
  #checkov:skip=CKV_K8S_8:`schoolhub worker` serves no HTTP; a dead worker process ends the container, and SAQ's heartbeats plus the outbox relay re-enqueue its jobs
  #checkov:skip=CKV_K8S_9:workers take jobs from Redis, not traffic from a Service, so there is nothing for a readiness probe to gate
  metadata {
    name      = "schoolhub-worker"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
    labels    = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-worker" })
  }
  spec {
    replicas = var.worker.min_replicas
    selector {
      match_labels = { "app.kubernetes.io/name" = "schoolhub-worker" }
    }
    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-worker" })
      }
      spec {
        #checkov:skip=CKV_K8S_35:SchoolHub reads its settings, secrets included, from environment variables (platform/settings.py); values come from ExternalSecrets, never from Terraform
        service_account_name             = kubernetes_service_account_v1.this["worker"].metadata[0].name
        automount_service_account_token  = false
        termination_grace_period_seconds = 120
        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          run_as_group    = 10001
          fs_group        = 10001
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        topology_spread_constraint {
          max_skew           = 1
          topology_key       = "topology.kubernetes.io/zone"
          when_unsatisfiable = "ScheduleAnyway"
          label_selector {
            match_labels = { "app.kubernetes.io/name" = "schoolhub-worker" }
          }
        }
        node_selector = { "schoolhub.io/pool" = "general" }
        container {
          name              = "worker"
          image             = "${var.image_repository}@${var.image_digest}"
          image_pull_policy = "Always"
          args              = ["worker"]
          env_from {
            config_map_ref {
              name = kubernetes_config_map_v1.config["app"].metadata[0].name
            }
          }
          env_from {
            secret_ref {
              name = "schoolhub-app"
            }
          }
          resources {
            requests = { cpu = var.worker.cpu_request, memory = var.worker.memory_request }
            limits   = { cpu = var.worker.cpu_limit, memory = var.worker.memory_limit }
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
          volume_mount {
            name       = "fcm"
            mount_path = local.fcm_mount_dir
            read_only  = true
          }
        }
        volume {
          name = "tmp"
          empty_dir {
            size_limit = "256Mi"
          }
        }
        volume {
          name = "fcm"
          secret {
            secret_name  = "schoolhub-fcm"
            default_mode = "0440"
          }
        }
      }
    }
  }
  wait_for_rollout = true
  depends_on       = [kubernetes_job_v1.migrate, kubernetes_manifest.fcm_secret]

  lifecycle {
    ignore_changes = [spec[0].replicas]
  }
}

resource "kubernetes_horizontal_pod_autoscaler_v2" "worker" {
  metadata {
    name      = "schoolhub-worker"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
  }
  spec {
    min_replicas = var.worker.min_replicas
    max_replicas = var.worker.max_replicas
    scale_target_ref {
      api_version = "apps/v1"
      kind        = "Deployment"
      name        = kubernetes_deployment_v1.worker.metadata[0].name
    }
    metric {
      type = "Resource"
      resource {
        name = "cpu"
        target {
          type                = "Utilization"
          average_utilization = var.worker.cpu_target_percent
        }
      }
    }
  }
}

resource "kubernetes_pod_disruption_budget_v1" "worker" {
  metadata {
    name      = "schoolhub-worker"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
  }
  spec {
    max_unavailable = "1"
    selector {
      match_labels = { "app.kubernetes.io/name" = "schoolhub-worker" }
    }
  }
}
