# SchoolHub staging. Everything is in modules/stack; this file sets names and sizes.
#
#   terraform init -backend-config=backend.hcl      (state bucket and KMS key; see README.md)
#   terraform apply -var-file=staging.tfvars           (image digest, psql image, admin roles, ACME e-mail)

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
    key          = "schoolhub/staging/terraform.tfstate"
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
      environment = "staging"
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

  environment        = "staging"
  aws_region         = var.aws_region
  availability_zones = ["ap-southeast-1a", "ap-southeast-1b"]
  vpc_cidr_block     = "10.41.0.0/16"
  single_nat_gateway = true

  zone_name           = "staging.schoolhub.quangtri.edu.vn"
  api_hostname        = "api.staging.schoolhub.quangtri.edu.vn"
  allowed_origins     = ["https://staging.schoolhub.quangtri.edu.vn"]
  acme_email          = var.acme_email
  firebase_project_id = var.firebase_project_id
  admin_role_arns     = var.admin_role_arns

  image_repository = var.image_repository
  image_digest     = var.image_digest
  psql_image       = var.psql_image
  secret_versions  = var.secret_versions

  eks = {
    general_instance_types = ["m7g.large"]
    general_scaling        = { min = 2, desired = 2, max = 4 }
    sfu_instance_types     = ["c7i.xlarge"]
    sfu_scaling            = { min = 1, desired = 1, max = 2 }
  }

  postgres = {
    instance_class         = "db.t4g.large"
    replica_instance_class = "db.t4g.medium"
    replica_count          = 1
    allocated_storage_gb   = 50
    backup_retention_days  = 7
    deletion_protection    = true
  }

  redis = {
    node_type          = "cache.t4g.medium"
    cluster_mode       = false
    num_shards         = 1
    replicas_per_shard = 1
  }

  turn = {
    instance_count   = 1
    instance_type    = "c7gn.medium"
    relay_port_range = { from = 50000, to = 59999 }
  }

  api = {
    min_replicas       = 2
    max_replicas       = 4
    cpu_target_percent = 60
    cpu_request        = "250m"
    cpu_limit          = "1"
    memory_request     = "384Mi"
    memory_limit       = "768Mi"
    min_available      = 1
  }

  worker = {
    min_replicas       = 1
    max_replicas       = 3
    cpu_target_percent = 70
    cpu_request        = "100m"
    cpu_limit          = "500m"
    memory_request     = "256Mi"
    memory_limit       = "512Mi"
  }

  sfu = {
    # c7i.xlarge: 4 vCPUs, one left for the kubelet, the system and DNS.
    processes_per_node = 3
    cpu                = "3"
    memory             = "5Gi"
    drain_seconds      = 600
  }
}
