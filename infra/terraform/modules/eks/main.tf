# EKS: private control plane, two managed node groups.
#   general  private subnets; API (Deployment + HPA), workers, migrate/db-roles Jobs, External Secrets
#   sfu      media subnets with public IPs; tainted `schoolhub.io/sfu=true:NoSchedule`; one SFU pod per node
#            with host networking; the node narrows its ephemeral port range to sfu_udp_port_range so the
#            security group can open exactly that UDP range.
# The ALB (modules/edge) reaches the API through a fixed NodePort on the general nodes, so no in-cluster
# load-balancer controller is needed.

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

data "aws_partition" "current" {}

locals {
  policy_prefix = "arn:${data.aws_partition.current.partition}:iam::aws:policy"
  sfu_user_data = <<-EOT
    MIME-Version: 1.0
    Content-Type: multipart/mixed; boundary="SCHOOLHUB"

    --SCHOOLHUB
    Content-Type: text/x-shellscript; charset="us-ascii"

    #!/bin/bash
    set -euo pipefail
    # aiortc binds its ICE sockets to port 0: confine the kernel's choice to the range the SG opens.
    cat > /etc/sysctl.d/90-schoolhub-sfu.conf <<'CONF'
    net.ipv4.ip_local_port_range = ${var.sfu_udp_port_range.from} ${var.sfu_udp_port_range.to}
    net.core.rmem_max = 26214400
    net.core.wmem_max = 26214400
    net.core.rmem_default = 1048576
    net.core.wmem_default = 1048576
    CONF
    sysctl --system
    --SCHOOLHUB--
  EOT
}

# ---------------------------------------------------------------- control plane

data "aws_iam_policy_document" "cluster_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${var.name}-eks-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "${local.policy_prefix}/AmazonEKSClusterPolicy"
}

resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_security_group" "cluster" {
  name        = "${var.name}-eks-control-plane"
  description = "EKS control plane ENIs: 443 from inside the VPC only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-eks-control-plane" })
}

resource "aws_vpc_security_group_ingress_rule" "cluster_api" {
  security_group_id = aws_security_group.cluster.id
  description       = "Kubernetes API from the VPC (nodes, in-VPC CI runner)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = var.private_subnet_ids
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = var.kms_key_arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  tags = var.tags

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_cloudwatch_log_group.cluster,
  ]
}

resource "aws_eks_access_entry" "admin" {
  for_each      = toset(var.admin_role_arns)
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "admin" {
  for_each      = toset(var.admin_role_arns)
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  policy_arn    = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
  access_scope {
    type = "cluster"
  }
  depends_on = [aws_eks_access_entry.admin]
}

resource "aws_eks_addon" "this" {
  for_each                    = toset(["vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"])
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  resolve_conflicts_on_update = "OVERWRITE"
  # The VPC CNI enforces the namespaces' NetworkPolicies (modules/workloads).
  configuration_values = each.key == "vpc-cni" ? jsonencode({ enableNetworkPolicy = "true" }) : null
  tags                 = var.tags
  depends_on           = [aws_eks_node_group.general]
}

# ---------------------------------------------------------------- nodes

data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${var.name}-eks-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
  ])
  role       = aws_iam_role.node.name
  policy_arn = "${local.policy_prefix}/${each.key}"
}

# General nodes: kubelet and node-to-node traffic, the API NodePort from the ALB.
resource "aws_security_group" "general" {
  name        = "${var.name}-nodes-general"
  description = "EKS general nodes"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-nodes-general" })
}

resource "aws_vpc_security_group_ingress_rule" "general_self" {
  security_group_id            = aws_security_group.general.id
  description                  = "Pod and node traffic between general nodes"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.general.id
}

resource "aws_vpc_security_group_ingress_rule" "general_from_control_plane" {
  for_each                     = toset(["443", "10250"])
  security_group_id            = aws_security_group.general.id
  description                  = "Kubelet (10250) and admission webhooks (443) from the control plane"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.cluster.id
}

resource "aws_vpc_security_group_ingress_rule" "general_api_nodeport" {
  security_group_id            = aws_security_group.general.id
  description                  = "API NodePort from the public ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.api_node_port
  to_port                      = var.api_node_port
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "general_from_sfu" {
  security_group_id            = aws_security_group.general.id
  description                  = "DNS and cluster services from SFU nodes"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.sfu.id
}

resource "aws_vpc_security_group_egress_rule" "general_https" {
  security_group_id = aws_security_group.general.id
  description       = "HTTPS out: image pulls, AWS APIs, FCM, VNPay"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "general_vpc" {
  security_group_id = aws_security_group.general.id
  description       = "Inside the VPC: PostgreSQL, Redis, control plane, other nodes"
  ip_protocol       = "-1"
  cidr_ipv4         = var.vpc_cidr_block
}

# SFU nodes: media from the internet and from coturn on exactly sfu_udp_port_range.
resource "aws_security_group" "sfu" {
  name        = "${var.name}-nodes-sfu"
  description = "EKS SFU nodes: WebRTC media UDP range only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-nodes-sfu" })
}

resource "aws_vpc_security_group_ingress_rule" "sfu_media" {
  security_group_id = aws_security_group.sfu.id
  description       = "WebRTC media (ICE/DTLS/SRTP) from browsers and apps"
  ip_protocol       = "udp"
  from_port         = var.sfu_udp_port_range.from
  to_port           = var.sfu_udp_port_range.to
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "sfu_media_from_turn" {
  security_group_id            = aws_security_group.sfu.id
  description                  = "Relayed WebRTC media from coturn"
  ip_protocol                  = "udp"
  from_port                    = var.sfu_udp_port_range.from
  to_port                      = var.sfu_udp_port_range.to
  referenced_security_group_id = var.turn_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "sfu_from_control_plane" {
  security_group_id            = aws_security_group.sfu.id
  description                  = "Kubelet from the control plane"
  ip_protocol                  = "tcp"
  from_port                    = 10250
  to_port                      = 10250
  referenced_security_group_id = aws_security_group.cluster.id
}

resource "aws_vpc_security_group_ingress_rule" "sfu_from_general" {
  security_group_id            = aws_security_group.sfu.id
  description                  = "Kubelet and node metrics from general nodes"
  ip_protocol                  = "tcp"
  from_port                    = 10249
  to_port                      = 10250
  referenced_security_group_id = aws_security_group.general.id
}

resource "aws_vpc_security_group_egress_rule" "sfu_media" {
  security_group_id = aws_security_group.sfu.id
  description       = "WebRTC media to peers (any client port)"
  ip_protocol       = "udp"
  from_port         = 1024
  to_port           = 65535
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "sfu_https" {
  security_group_id = aws_security_group.sfu.id
  description       = "HTTPS out: image pulls, AWS APIs, S3 recordings"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "sfu_vpc" {
  security_group_id = aws_security_group.sfu.id
  description       = "Inside the VPC: Redis (placement, signaling bridge), DNS, control plane"
  ip_protocol       = "-1"
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_launch_template" "general" {
  name_prefix            = "${var.name}-general-"
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.general.id, aws_eks_cluster.this.vpc_config[0].cluster_security_group_id]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 50
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-general" })
  }

  tags = var.tags
}

resource "aws_launch_template" "sfu" {
  #checkov:skip=CKV_AWS_88:SFU nodes need public IPs: browsers send RTP/UDP straight to aiortc, which cannot sit behind a load balancer; only the UDP media range is open
  name_prefix            = "${var.name}-sfu-"
  update_default_version = true
  user_data              = base64encode(local.sfu_user_data)

  network_interfaces {
    associate_public_ip_address = true
    delete_on_termination       = true
    security_groups             = [aws_security_group.sfu.id, aws_eks_cluster.this.vpc_config[0].cluster_security_group_id]
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 50
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-sfu" })
  }

  tags = var.tags
}

resource "aws_eks_node_group" "general" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "general"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.private_subnet_ids
  ami_type        = var.general_ami_type
  instance_types  = var.general_instance_types
  capacity_type   = "ON_DEMAND"

  launch_template {
    id      = aws_launch_template.general.id
    version = aws_launch_template.general.latest_version
  }

  scaling_config {
    min_size     = var.general_scaling.min
    desired_size = var.general_scaling.desired
    max_size     = var.general_scaling.max
  }

  update_config {
    max_unavailable = 1
  }

  labels = { "schoolhub.io/pool" = "general" }
  tags   = var.tags

  depends_on = [aws_iam_role_policy_attachment.node]

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}

resource "aws_eks_node_group" "sfu" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "sfu"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.media_subnet_ids
  ami_type        = var.sfu_ami_type
  instance_types  = var.sfu_instance_types
  capacity_type   = "ON_DEMAND"

  launch_template {
    id      = aws_launch_template.sfu.id
    version = aws_launch_template.sfu.latest_version
  }

  scaling_config {
    min_size     = var.sfu_scaling.min
    desired_size = var.sfu_scaling.desired
    max_size     = var.sfu_scaling.max
  }

  # Replace one SFU node at a time; the SFU drains (no new rooms) on SIGTERM.
  update_config {
    max_unavailable = 1
  }

  labels = { "schoolhub.io/pool" = "sfu" }
  taint {
    key    = "schoolhub.io/sfu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.node]

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}
