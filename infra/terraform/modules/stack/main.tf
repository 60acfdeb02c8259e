# One SchoolHub environment: every module wired together. environments/<env>/ only sets sizes and names.

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
  name = "schoolhub-${var.environment}"
  tags = merge(var.tags, {
    project     = "schoolhub"
    environment = var.environment
    managed-by  = "terraform"
  })
  api_node_port = 30080
}

data "aws_route53_zone" "this" {
  name         = var.zone_name
  private_zone = false
}

module "secrets" {
  source                   = "../secrets"
  name                     = local.name
  generated_secret_version = var.secret_versions.generated
  tags                     = local.tags
}

module "network" {
  source             = "../network"
  name               = local.name
  cidr_block         = var.vpc_cidr_block
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  kms_key_arn        = module.secrets.logs_kms_key_arn
  tags               = local.tags
}

module "storage" {
  source                         = "../storage"
  name                           = local.name
  recording_retention_days       = var.storage.recording_retention_days
  deleted_version_retention_days = var.storage.deleted_version_retention_days
  audit_retention_years          = var.storage.audit_retention_years
  tags                           = local.tags
}

module "edge" {
  source                     = "../edge"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  vpc_cidr_block             = module.network.vpc_cidr_block
  public_subnet_ids          = module.network.public_subnet_ids
  zone_id                    = data.aws_route53_zone.this.zone_id
  api_hostname               = var.api_hostname
  api_node_port              = local.api_node_port
  api_autoscaling_group_name = module.eks.general_autoscaling_group_names[0]
  logs_bucket                = module.storage.logs_bucket
  logs_kms_key_arn           = module.secrets.logs_kms_key_arn
  tags                       = local.tags
}

module "turn" {
  source              = "../turn"
  name                = local.name
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  instance_count      = var.turn.instance_count
  instance_type       = var.turn.instance_type
  relay_port_range    = var.turn.relay_port_range
  sfu_peer_cidrs      = module.network.media_subnet_cidrs
  turn_secret_arn     = module.secrets.secret_arns["turn"]
  secrets_kms_key_arn = module.secrets.secrets_kms_key_arn
  zone_id             = data.aws_route53_zone.this.zone_id
  domain              = var.zone_name
  acme_email          = var.acme_email
  tags                = local.tags
}

module "eks" {
  source                 = "../eks"
  name                   = local.name
  vpc_id                 = module.network.vpc_id
  vpc_cidr_block         = module.network.vpc_cidr_block
  private_subnet_ids     = module.network.private_subnet_ids
  media_subnet_ids       = module.network.media_subnet_ids
  kms_key_arn            = module.secrets.secrets_kms_key_arn
  logs_kms_key_arn       = module.secrets.logs_kms_key_arn
  admin_role_arns        = var.admin_role_arns
  general_instance_types = var.eks.general_instance_types
  general_scaling        = var.eks.general_scaling
  sfu_instance_types     = var.eks.sfu_instance_types
  sfu_scaling            = var.eks.sfu_scaling
  sfu_udp_port_range     = var.sfu_udp_port_range
  turn_security_group_id = module.turn.security_group_id
  alb_security_group_id  = module.edge.alb_security_group_id
  api_node_port          = local.api_node_port
  tags                   = local.tags
}

module "postgres" {
  source                    = "../postgres"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = [module.eks.general_node_security_group_id, module.eks.sfu_node_security_group_id]
  instance_class            = var.postgres.instance_class
  replica_instance_class    = var.postgres.replica_instance_class
  replica_count             = var.postgres.replica_count
  allocated_storage_gb      = var.postgres.allocated_storage_gb
  backup_retention_days     = var.postgres.backup_retention_days
  deletion_protection       = var.postgres.deletion_protection
  role_password_version     = var.secret_versions.postgres
  secrets_kms_key_arn       = module.secrets.secrets_kms_key_arn
  logs_kms_key_arn          = module.secrets.logs_kms_key_arn
  tags                      = local.tags
}

module "redis" {
  source                    = "../redis"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = [module.eks.general_node_security_group_id, module.eks.sfu_node_security_group_id]
  node_type                 = var.redis.node_type
  cluster_mode              = var.redis.cluster_mode
  num_shards                = var.redis.num_shards
  replicas_per_shard        = var.redis.replicas_per_shard
  password_version          = var.secret_versions.redis
  kms_key_arn               = module.secrets.secrets_kms_key_arn
  logs_kms_key_arn          = module.secrets.logs_kms_key_arn
  tags                      = local.tags
}

module "workloads" {
  source           = "../workloads"
  name             = local.name
  cluster_name     = module.eks.cluster_name
  aws_region       = var.aws_region
  vpc_cidr_block   = module.network.vpc_cidr_block
  image_repository = var.image_repository
  image_digest     = var.image_digest
  psql_image       = var.psql_image
  api              = var.api
  api_node_port    = local.api_node_port
  worker           = var.worker
  sfu              = var.sfu
  db_roles_run_id  = tostring(var.secret_versions.postgres)

  sfu_udp_port_range = module.eks.sfu_udp_port_range

  database = {
    primary_host             = module.postgres.primary_address
    replica_host             = module.postgres.replica_addresses[0]
    port                     = module.postgres.port
    name                     = module.postgres.database_name
    master_secret_arn        = module.postgres.master_secret_arn
    owner_secret_name        = module.postgres.owner_secret_name
    app_secret_name          = module.postgres.app_secret_name
    app_statement_timeout_ms = module.postgres.app_statement_timeout_ms
  }

  redis = {
    endpoint     = module.redis.endpoint
    port         = module.redis.port
    cluster_mode = module.redis.cluster_mode
    secret_name  = module.redis.app_secret_name
  }

  app_secret_names = module.secrets.secret_names
  readable_secret_arns = concat(
    [for key in ["jwt", "turn", "secrets_key", "fcm"] : module.secrets.secret_arns[key]],
    [module.postgres.master_secret_arn, module.postgres.owner_secret_arn, module.postgres.app_secret_arn],
    [module.redis.app_secret_arn],
  )
  secrets_kms_key_arn = module.secrets.secrets_kms_key_arn

  storage = {
    bucket      = module.storage.files_bucket
    bucket_arn  = module.storage.files_bucket_arn
    kms_key_arn = module.storage.kms_key_arn
  }

  turn_urls           = module.turn.turn_urls
  firebase_project_id = var.firebase_project_id
  allowed_origins     = var.allowed_origins
  tags                = local.tags
}
