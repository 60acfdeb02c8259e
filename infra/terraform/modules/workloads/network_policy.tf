# NetworkPolicies (enforced by the VPC CNI): deny by default; the API accepts port 8000 from inside the
# VPC (ALB -> NodePort -> pod); pods may reach the VPC (PostgreSQL, Redis, DNS) and HTTPS on the internet
# (FCM, VNPay, AWS APIs), and the EKS Pod Identity agent (169.254.170.23:80, host network on every
# node), where the AWS credentials of the pods come from; not the instance metadata service. SFU pods use
# host networking, which NetworkPolicy does not cover: their node security group is the boundary.

resource "kubernetes_network_policy_v1" "default_deny" {
  for_each = { app = local.namespaces.app, admin = local.namespaces.admin }
  metadata {
    name      = "default-deny"
    namespace = kubernetes_namespace_v1.this[each.key].metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress", "Egress"]
  }
}

resource "kubernetes_network_policy_v1" "egress" {
  for_each = { app = local.namespaces.app, admin = local.namespaces.admin }
  metadata {
    name      = "allow-vpc-and-https-egress"
    namespace = kubernetes_namespace_v1.this[each.key].metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Egress"]
    egress {
      to {
        ip_block {
          cidr = var.vpc_cidr_block
        }
      }
    }
    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = [var.vpc_cidr_block, "169.254.169.254/32"]
        }
      }
      ports {
        protocol = "TCP"
        port     = "443"
      }
    }
    egress {
      to {
        ip_block {
          cidr = "169.254.170.23/32"
        }
      }
      ports {
        protocol = "TCP"
        port     = "80"
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "api_ingress" {
  metadata {
    name      = "allow-api-ingress"
    namespace = kubernetes_namespace_v1.this["app"].metadata[0].name
  }
  spec {
    pod_selector {
      match_labels = { "app.kubernetes.io/name" = "schoolhub-api" }
    }
    policy_types = ["Ingress"]
    ingress {
      from {
        ip_block {
          cidr = var.vpc_cidr_block
        }
      }
      ports {
        protocol = "TCP"
        port     = "8000"
      }
    }
  }
}
