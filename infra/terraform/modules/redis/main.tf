# Managed Redis (ElastiCache for Redis OSS 7): cache, rate limits, SAQ queues, pub/sub for GraphQL
# subscriptions and SFU room placement. A primary with replicas in other zones and automatic failover;
# `cluster_mode = true` turns it into a Redis Cluster for pub/sub at scale (see README.md).
#
# Authentication is RBAC: a `schoolhub_app` user whose password is generated ephemerally and written
# write-only both to ElastiCache and to Secrets Manager, and a disabled `default` user. TLS is required.

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.7"
    }
  }
}

locals {
  parameter_family = "redis7"
}

resource "aws_security_group" "this" {
  name        = "${var.name}-redis"
  description = "Redis: 6379 (TLS) from the EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-redis" })
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each                     = toset(var.client_security_group_ids)
  security_group_id            = aws_security_group.this.id
  description                  = "Redis TLS from EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = each.value
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_elasticache_parameter_group" "this" {
  name        = "${var.name}-${local.parameter_family}${var.cluster_mode ? "-cluster" : ""}"
  family      = local.parameter_family
  description = "SchoolHub: ${var.cluster_mode ? "cluster mode" : "single shard"}, noeviction (queues must not be evicted)"

  parameter {
    name  = "cluster-enabled"
    value = var.cluster_mode ? "yes" : "no"
  }
  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }
  # Keyspace events for expiring SFU worker registrations (load reports with a TTL).
  parameter {
    name  = "notify-keyspace-events"
    value = "Ex"
  }

  tags = var.tags
}

ephemeral "random_password" "app" {
  length  = 48
  special = false
}

resource "aws_elasticache_user" "app" {
  user_id              = "${var.name}-app"
  user_name            = "schoolhub_app"
  engine               = "redis"
  access_string        = "on ~* &* +@all -@dangerous +info +client"
  passwords_wo         = [ephemeral.random_password.app.result]
  passwords_wo_version = var.password_version
  tags                 = var.tags
}

# Every user group must contain a user named "default"; this one cannot log in.
resource "aws_elasticache_user" "default_disabled" {
  user_id       = "${var.name}-default-off"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"
  authentication_mode {
    type = "no-password-required"
  }
  tags = var.tags
}

resource "aws_elasticache_user_group" "this" {
  user_group_id = "${var.name}-users"
  engine        = "redis"
  user_ids      = [aws_elasticache_user.default_disabled.user_id, aws_elasticache_user.app.user_id]
  tags          = var.tags
}

resource "aws_cloudwatch_log_group" "redis" {
  for_each          = toset(["slow-log", "engine-log"])
  name              = "/schoolhub/${var.name}/redis/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "SchoolHub cache, queues and pub/sub"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.this.name

  num_node_groups         = var.cluster_mode ? var.num_shards : 1
  replicas_per_node_group = var.replicas_per_shard

  automatic_failover_enabled = true
  multi_az_enabled           = true
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  user_group_ids             = [aws_elasticache_user_group.this.user_group_id]

  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = "17:00-18:00"
  maintenance_window         = "sun:18:30-sun:19:30"
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis["slow-log"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis["engine-log"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "engine-log"
  }

  tags = var.tags
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:rotated by bumping password_version, which updates ElastiCache and the secret in one apply; a rotation Lambda would race the write-only ElastiCache user password
  name                    = "${var.name}/redis/schoolhub_app"
  description             = "Redis RBAC user schoolhub_app (username and password)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id = aws_secretsmanager_secret.app.id
  secret_string_wo = jsonencode({
    username = "schoolhub_app"
    password = ephemeral.random_password.app.result
  })
  secret_string_wo_version = var.password_version
}
