# SFU: one pod per SFU node (DaemonSet on the tainted `sfu` node group), host networking, and inside it one
# aiortc worker process per core (SCHOOLHUB_SFU_PROCESSES). Each process registers itself in Redis and
# reports its load every 2 s; rooms are placed on a process through a Redis hash room -> worker
# (LiveKit-style; see README.md "Scale-out"). Host networking because aiortc cannot pin its UDP ports: the
# node's ephemeral range is narrowed to the range its security group opens.

resource "kubernetes_daemon_set_v1" "sfu" {
  # Deliberate deviation from CKV_K8S_8 (checkov 3.3.30 does not check this resource type for it): `schoolhub sfu-worker` serves no HTTP; liveness is its Redis load report, which expires after 5 s so placement stops sending rooms to a stuck process
  # Deliberate deviation from CKV_K8S_9 (checkov 3.3.30 does not check this resource type for it): no Service routes to the SFU; readiness is the SERVING state in its Redis registration, which signaling reads before placing a room
  metadata {
    name      = "schoolhub-sfu"
    namespace = kubernetes_namespace_v1.this["media"].metadata[0].name
    labels    = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-sfu" })
  }
  spec {
    selector {
      match_labels = { "app.kubernetes.io/name" = "schoolhub-sfu" }
    }
    strategy {
      type = "RollingUpdate"
      rolling_update {
        max_unavailable = "1"
      }
    }
    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/name" = "schoolhub-sfu" })
      }
      spec {
        # Deliberate deviation from CKV_K8S_19 (checkov 3.3.30 does not check this resource type for it): aiortc binds ICE sockets to ephemeral UDP ports it cannot pin, which only host networking exposes; the nodes are dedicated (taint) and their SG opens only the UDP media range
        # Deliberate deviation from CKV_K8S_35 (checkov 3.3.30 does not check this resource type for it): SchoolHub reads its settings, secrets included, from environment variables (platform/settings.py); values come from ExternalSecrets, never from Terraform
        host_network                     = true
        dns_policy                       = "ClusterFirstWithHostNet"
        service_account_name             = kubernetes_service_account_v1.this["sfu"].metadata[0].name
        automount_service_account_token  = false
        termination_grace_period_seconds = var.sfu.drain_seconds
        node_selector                    = { "schoolhub.io/pool" = "sfu" }
        toleration {
          key      = "schoolhub.io/sfu"
          operator = "Equal"
          value    = "true"
          effect   = "NoSchedule"
        }
        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          run_as_group    = 10001
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name              = "sfu"
          image             = "${var.image_repository}@${var.image_digest}"
          image_pull_policy = "Always"
          args              = ["sfu-worker"]
          env_from {
            config_map_ref {
              name = kubernetes_config_map_v1.config["media"].metadata[0].name
            }
          }
          env_from {
            secret_ref {
              name = "schoolhub-app"
            }
          }
          env {
            name  = "SCHOOLHUB_SFU_PROCESSES"
            value = tostring(var.sfu.processes_per_node)
          }
          env {
            name  = "SCHOOLHUB_SFU_UDP_PORT_RANGE"
            value = "${var.sfu_udp_port_range.from}-${var.sfu_udp_port_range.to}"
          }
          env {
            name  = "SCHOOLHUB_SFU_DRAIN_SECONDS"
            value = tostring(var.sfu.drain_seconds)
          }
          env {
            name = "SCHOOLHUB_SFU_NODE_IP"
            value_from {
              field_ref {
                field_path = "status.hostIP"
              }
            }
          }
          env {
            name = "SCHOOLHUB_SFU_NODE_NAME"
            value_from {
              field_ref {
                field_path = "spec.nodeName"
              }
            }
          }
          # Guaranteed QoS (requests = limits, whole CPUs): with the kubelet's static CPU manager each
          # aiortc process gets an exclusive core.
          resources {
            requests = { cpu = var.sfu.cpu, memory = var.sfu.memory }
            limits   = { cpu = var.sfu.cpu, memory = var.sfu.memory }
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
            size_limit = "2Gi"
          }
        }
      }
    }
  }
  depends_on = [kubernetes_job_v1.migrate]
}
