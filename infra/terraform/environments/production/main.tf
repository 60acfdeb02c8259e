# SchoolHub production. Everything is in modules/stack; this file sets names and sizes.
#
#   terraform init -backend-config=backend.hcl      (state bucket and KMS key; see README.md)
#   terraform apply -var-file=production.tfvars           (image digest, psql image, admin roles, ACME e-mail)

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.36"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
  }

  # State is encrypted with a KMS key and locked with S3 conditional writes. Secrets never reach it:
  # generated secrets are ephemeral and written through write-only arguments.
  backend "s3" {
    key          = "schoolhub/production/terraform.tfstate"
    region       = "ap-southeast-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.aws_region
  default_tags {
    tags = {
      project     = "schoolhub"
      environment = "production"
    }
  }
}

provider "kubernetes" {
  host                   = module.stack.cluster_endpoint
  cluster_ca_certificate = base64decode(module.stack.cluster_ca_certificate)
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", module.stack.cluster_name, "--region", var.aws_region]
  }
}

provider "helm" {
  kubernetes = {
    host                   = module.stack.cluster_endpoint
    cluster_ca_certificate = base64decode(module.stack.cluster_ca_certificate)
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.stack.cluster_name, "--region", var.aws_region]
    }
  }
}

module "stack" {
  source = "../../modules/stack"

  environment        = "production"
  aws_region         = var.aws_region
  availability_zones = ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"]
  vpc_cidr_block     = "10.40.0.0/16"
  single_nat_gateway = false

  zone_name           = "schoolhub.quangtri.edu.vn"
  api_hostname        = "api.schoolhub.quangtri.edu.vn"
  allowed_origins     = ["https://schoolhub.quangtri.edu.vn"]
  acme_email          = var.acme_email
  firebase_project_id = var.firebase_project_id
  admin_role_arns     = var.admin_role_arns

  image_repository = var.image_repository
  image_digest     = var.image_digest
  psql_image       = var.psql_image
  secret_versions  = var.secret_versions

  eks = {
    general_instance_types = ["m7g.xlarge"]
    general_scaling        = { min = 3, desired = 4, max = 15 }
    sfu_instance_types     = ["c7i.2xlarge"]
    sfu_scaling            = { min = 2, desired = 3, max = 12 }
  }

  postgres = {
    instance_class         = "db.r6g.2xlarge"
    replica_instance_class = "db.r6g.xlarge"
    replica_count          = 1
    allocated_storage_gb   = 500
    backup_retention_days  = 35
    deletion_protection    = true
  }

  redis = {
    # Switch cluster_mode on (and the app to SPUBLISH/SSUBSCRIBE on school:{<id>} channels) when pub/sub
    # fan-out outgrows one primary; see README.md.
    node_type          = "cache.r7g.large"
    cluster_mode       = false
    num_shards         = 3
    replicas_per_shard = 1
  }

  turn = {
    instance_count   = 3
    instance_type    = "c7gn.large"
    relay_port_range = { from = 50000, to = 59999 }
  }

  api = {
    min_replicas       = 4
    max_replicas       = 40
    cpu_target_percent = 60
    cpu_request        = "500m"
    cpu_limit          = "1"
    memory_request     = "512Mi"
    memory_limit       = "1Gi"
    min_available      = 3
  }

  worker = {
    min_replicas       = 3
    max_replicas       = 20
    cpu_target_percent = 70
    cpu_request        = "250m"
    cpu_limit          = "1"
    memory_request     = "512Mi"
    memory_limit       = "1Gi"
  }

  sfu = {
    # c7i.2xlarge: 8 vCPUs, one left for the kubelet, the system and DNS; one aiortc process per vCPU.
    processes_per_node = 7
    cpu                = "7"
    memory             = "12Gi"
    drain_seconds      = 3600
  }
}
