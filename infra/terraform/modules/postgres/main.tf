# Managed PostgreSQL (RDS): a primary with a synchronous Multi-AZ standby, read replicas for reports,
# automated backups with point-in-time recovery, encryption at rest (KMS) and in transit (rds.force_ssl),
# pgaudit and slow-query logging.
#
# Three roles, three secrets, none of them in Terraform state:
#   master (RDS-managed secret)  break-glass administration only; creates the two roles below
#   schoolhub_owner              owns the schema; `schoolhub migrate` (pre-deploy Job) uses it: DATABASE_URL
#   schoolhub_app                LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE, not the owner of any
#                                table; the API and workers use it: DATABASE_APP_URL
# The passwords of the last two are generated ephemerally and written write-only to Secrets Manager; the
# `db-roles` Kubernetes Job (modules/workloads) creates/updates the roles from those secrets.

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
  family = "postgres${split(".", var.engine_version)[0]}"
  roles = {
    owner = "schoolhub_owner"
    app   = "schoolhub_app"
  }
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.name}-postgres"
  description = "PostgreSQL: 5432 from the EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-postgres" })
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each                     = toset(var.client_security_group_ids)
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

resource "aws_db_parameter_group" "this" {
  name        = "${var.name}-${local.family}"
  family      = local.family
  description = "SchoolHub: TLS only, pgaudit, slow-query and DDL logging"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements,pgaudit"
    apply_method = "pending-reboot"
  }
  parameter {
    name  = "pgaudit.log"
    value = "ddl,role"
  }
  parameter {
    name  = "pgaudit.role"
    value = "rds_pgaudit"
  }
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }
  parameter {
    name  = "log_connections"
    value = "1"
  }
  parameter {
    name  = "log_disconnections"
    value = "1"
  }
  parameter {
    name  = "log_lock_waits"
    value = "1"
  }
  parameter {
    name  = "idle_in_transaction_session_timeout"
    value = "60000"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_cloudwatch_log_group" "postgres" {
  for_each          = toset(["postgresql", "upgrade"])
  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_db_instance" "primary" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  port           = 5432

  # The master password is created, stored and rotated by RDS in Secrets Manager.
  username                      = "schoolhub_admin"
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.secrets_kms_key_arn

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.secrets_kms_key_arn

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  backup_retention_period   = var.backup_retention_days
  backup_window             = "18:00-19:00"
  maintenance_window        = "sun:19:30-sun:20:30"
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  iam_database_authentication_enabled   = true
  auto_minor_version_upgrade            = true
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  monitoring_interval                   = 30
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.secrets_kms_key_arn
  performance_insights_retention_period = 7

  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.postgres]
}

resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_157:read replicas serve reports only; the primary is Multi-AZ and a lost replica is recreated from it without data loss
  count               = var.replica_count
  identifier          = "${var.name}-replica-${count.index + 1}"
  replicate_source_db = aws_db_instance.primary.identifier
  instance_class      = var.replica_instance_class

  storage_encrypted      = true
  kms_key_id             = var.secrets_kms_key_arn
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"
  multi_az               = false

  backup_retention_period = 7
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = true

  iam_database_authentication_enabled   = true
  auto_minor_version_upgrade            = true
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  monitoring_interval                   = 30
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.secrets_kms_key_arn
  performance_insights_retention_period = 7

  tags = var.tags
}

# Role passwords: generated ephemerally, written write-only. The JSON shape matches what the db-roles Job
# and the External Secrets templates read.
ephemeral "random_password" "role" {
  for_each = local.roles
  length   = 40
  special  = false
}

resource "aws_secretsmanager_secret" "role" {
  #checkov:skip=CKV2_AWS_57:rotated by bumping role_password_version; the db-roles Job applies the new password and pods pick it up on restart, a Lambda would change it under running pools
  for_each                = local.roles
  name                    = "${var.name}/postgres/${each.value}"
  description             = "PostgreSQL role ${each.value} (username and password)"
  kms_key_id              = var.secrets_kms_key_arn
  recovery_window_in_days = 30
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "role" {
  for_each  = local.roles
  secret_id = aws_secretsmanager_secret.role[each.key].id
  secret_string_wo = jsonencode({
    username = each.value
    password = ephemeral.random_password.role[each.key].result
  })
  secret_string_wo_version = var.role_password_version
}
