# coturn on its own EC2 instances (public subnets, one Elastic IP each).
#
#   3478 udp+tcp   STUN/TURN
#   443 tcp        TURN over TLS (school firewalls often allow only 443)
#   5349 tcp       TURN over TLS, standard port
#   relay range    udp relay_port_range (default 50000-59999), opened exactly
#
# Credentials are ephemeral TURN REST API credentials (use-auth-secret + static-auth-secret), minted by the
# API; the secret is read from Secrets Manager at boot with the instance role and never appears in user
# data. Relaying to private, loopback, link-local and metadata addresses is denied, except the SFU media
# subnets (allowed-peer-ip). No SSH: administration (and coturn's journald logs) through SSM Session Manager.

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

data "aws_region" "current" {}
data "aws_partition" "current" {}

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

locals {
  hostnames = [for index in range(var.instance_count) : "turn-${index + 1}.${var.domain}"]
  # Denied peer ranges: "this" network, RFC 1918, CGNAT, loopback, link-local (includes the instance
  # metadata address 169.254.169.254), benchmarking, multicast and reserved; IPv6 loopback, ULA
  # (includes the IPv6 metadata address fd00:ec2::254) and link-local.
  denied_peer_ranges = [
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255",
    "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255",
    "224.0.0.0-255.255.255.255",
    "::1",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  ]
  allowed_peer_ranges = [
    for cidr in var.sfu_peer_cidrs : "${cidrhost(cidr, 0)}-${cidrhost(cidr, -1)}"
  ]
  turn_urls = flatten([
    for host in local.hostnames : [
      "turn:${host}:3478?transport=udp",
      "turn:${host}:3478?transport=tcp",
      "turns:${host}:443?transport=tcp",
    ]
  ])
}

resource "aws_security_group" "this" {
  name        = "${var.name}-turn"
  description = "coturn: STUN/TURN 3478, TURN/TLS 443 and 5349, UDP relay range"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-turn" })
}

resource "aws_vpc_security_group_ingress_rule" "turn" {
  for_each = {
    stun_turn_udp = { protocol = "udp", port = 3478, description = "STUN/TURN over UDP" }
    stun_turn_tcp = { protocol = "tcp", port = 3478, description = "STUN/TURN over TCP" }
    turn_tls_443  = { protocol = "tcp", port = 443, description = "TURN over TLS on 443 for school firewalls" }
    turn_tls_5349 = { protocol = "tcp", port = 5349, description = "TURN over TLS, standard port" }
  }
  security_group_id = aws_security_group.this.id
  description       = each.value.description
  ip_protocol       = each.value.protocol
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "relay" {
  security_group_id = aws_security_group.this.id
  description       = "TURN relay ports (min-port..max-port)"
  ip_protocol       = "udp"
  from_port         = var.relay_port_range.from
  to_port           = var.relay_port_range.to
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "relay" {
  security_group_id = aws_security_group.this.id
  description       = "Relayed media to peers (the SFU and clients, any unprivileged UDP port)"
  ip_protocol       = "udp"
  from_port         = 1024
  to_port           = 65535
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS: Secrets Manager, SSM, CloudWatch, ACME, Debian security mirror"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "dns" {
  security_group_id = aws_security_group.this.id
  description       = "DNS to the VPC resolver"
  ip_protocol       = "udp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = "169.254.169.253/32"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-turn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "turn" {
  statement {
    sid       = "ReadTurnSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.turn_secret_arn]
  }
  statement {
    sid       = "DecryptTurnSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "AcmeDnsChallenge"
    actions   = ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
    resources = ["arn:${data.aws_partition.current.partition}:route53:::hostedzone/${var.zone_id}"]
  }
  statement {
    sid       = "AcmeDnsChallengeStatus"
    actions   = ["route53:GetChange"]
    resources = ["arn:${data.aws_partition.current.partition}:route53:::change/*"]
  }
  statement {
    sid       = "AcmeFindZone"
    actions   = ["route53:ListHostedZones"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "turn" {
  name   = "coturn"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.turn.json
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-turn"
  role = aws_iam_role.this.name
  tags = var.tags
}

resource "aws_eip" "this" {
  count  = var.instance_count
  domain = "vpc"
  tags   = merge(var.tags, { Name = local.hostnames[count.index] })
}

resource "aws_instance" "this" {
  count                  = var.instance_count
  ami                    = data.aws_ssm_parameter.ami.insecure_value
  instance_type          = var.instance_type
  subnet_id              = var.public_subnet_ids[count.index % length(var.public_subnet_ids)]
  vpc_security_group_ids = [aws_security_group.this.id]
  iam_instance_profile   = aws_iam_instance_profile.this.name
  ebs_optimized          = true
  monitoring             = true

  user_data_replace_on_change = true
  user_data = templatefile("${path.module}/cloud-init.sh.tftpl", {
    hostname        = local.hostnames[count.index]
    realm           = var.domain
    public_ip       = aws_eip.this[count.index].public_ip
    region          = data.aws_region.current.region
    turn_secret_arn = var.turn_secret_arn
    acme_email      = var.acme_email
    turnserver_conf = templatefile("${path.module}/turnserver.conf.tftpl", {
      hostname            = local.hostnames[count.index]
      realm               = var.domain
      min_port            = var.relay_port_range.from
      max_port            = var.relay_port_range.to
      user_quota          = var.user_quota
      total_quota         = var.total_quota
      denied_peer_ranges  = local.denied_peer_ranges
      allowed_peer_ranges = local.allowed_peer_ranges
    })
  })

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_size = 16
    volume_type = "gp3"
    encrypted   = true
  }

  tags = merge(var.tags, { Name = local.hostnames[count.index] })

  lifecycle {
    ignore_changes = [ami]
  }
}

resource "aws_eip_association" "this" {
  count         = var.instance_count
  instance_id   = aws_instance.this[count.index].id
  allocation_id = aws_eip.this[count.index].id
}

resource "aws_route53_record" "this" {
  count   = var.instance_count
  zone_id = var.zone_id
  name    = local.hostnames[count.index]
  type    = "A"
  ttl     = 300
  records = [aws_eip.this[count.index].public_ip]
}
