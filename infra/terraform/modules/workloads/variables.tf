variable "name" {
  description = "Name prefix for AWS resources (IAM roles), e.g. schoolhub-production."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster the workloads run in (Pod Identity associations)."
  type        = string
}

variable "aws_region" {
  description = "AWS region (External Secrets, S3 clients)."
  type        = string
}

variable "vpc_cidr_block" {
  description = "VPC CIDR: NetworkPolicies allow in-VPC traffic (databases, ALB via NodePort) and HTTPS out."
  type        = string
}

variable "image_repository" {
  description = "Container repository of the SchoolHub image (built from the repository's Dockerfile), without tag or digest."
  type        = string
}

variable "image_digest" {
  description = "Digest of the image to deploy (sha256:...). Deployments are pinned by digest, never by a mutable tag."
  type        = string

  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.image_digest))
    error_message = "image_digest must look like sha256:<64 hex digits>."
  }
}

variable "psql_image" {
  description = "PostgreSQL client image pinned by digest (repository@sha256:...), used by the db-roles Job."
  type        = string

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.psql_image))
    error_message = "psql_image must be pinned by digest (repository@sha256:<64 hex digits>)."
  }
}

variable "external_secrets_chart_version" {
  description = "Version of the External Secrets Operator Helm chart."
  type        = string
  default     = "0.19.2"
}

variable "api" {
  description = "API Deployment sizing: replica bounds for the HPA, CPU target, per-pod resources, PDB."
  type = object({
    min_replicas       = number
    max_replicas       = number
    cpu_target_percent = number
    cpu_request        = string
    cpu_limit          = string
    memory_request     = string
    memory_limit       = string
    min_available      = number
  })
  default = {
    min_replicas       = 3
    max_replicas       = 30
    cpu_target_percent = 60
    cpu_request        = "500m"
    cpu_limit          = "1"
    memory_request     = "512Mi"
    memory_limit       = "1Gi"
    min_available      = 2
  }
}

variable "api_node_port" {
  description = "NodePort the ALB target group forwards to."
  type        = number
  default     = 30080
}

variable "worker" {
  description = "Worker Deployment sizing (push notifications, VNPay IPN inbox, querydr reconciliation, recording post-processing)."
  type = object({
    min_replicas       = number
    max_replicas       = number
    cpu_target_percent = number
    cpu_request        = string
    cpu_limit          = string
    memory_request     = string
    memory_limit       = string
  })
  default = {
    min_replicas       = 2
    max_replicas       = 20
    cpu_target_percent = 70
    cpu_request        = "250m"
    cpu_limit          = "1"
    memory_request     = "512Mi"
    memory_limit       = "1Gi"
  }
}

variable "sfu" {
  description = "SFU DaemonSet: processes per node (one aiortc process per core; leave one vCPU for the system), CPU and memory per pod (requests equal limits: Guaranteed QoS, exclusive cores with the static CPU manager), drain time on SIGTERM."
  type = object({
    processes_per_node = number
    cpu                = string
    memory             = string
    drain_seconds      = number
  })
  default = {
    processes_per_node = 7
    cpu                = "7"
    memory             = "12Gi"
    drain_seconds      = 3600
  }
}

variable "database" {
  description = "Connection facts (not secrets) for PostgreSQL: hosts, port, database name, names of the role secrets and the app role's statement_timeout."
  type = object({
    primary_host             = string
    replica_host             = string
    port                     = number
    name                     = string
    master_secret_arn        = string
    owner_secret_name        = string
    app_secret_name          = string
    app_statement_timeout_ms = number
  })
}

variable "redis" {
  description = "Connection facts (not secrets) for Redis: endpoint, port, cluster mode, name of the credentials secret."
  type = object({
    endpoint     = string
    port         = number
    cluster_mode = bool
    secret_name  = string
  })
}

variable "app_secret_names" {
  description = "Secrets Manager names of the application secrets by key: jwt, turn, secrets_key, fcm."
  type        = map(string)
}

variable "readable_secret_arns" {
  description = "Every Secrets Manager ARN External Secrets may read (and nothing else)."
  type        = list(string)
}

variable "secrets_kms_key_arn" {
  description = "KMS key of the secrets (External Secrets decrypts through Secrets Manager)."
  type        = string
}

variable "storage" {
  description = "Object storage: the app's bucket (name and ARN; documents, office files and recordings) and the KMS key the app needs to read and write its objects."
  type = object({
    bucket      = string
    bucket_arn  = string
    kms_key_arn = string
  })
}

variable "turn_urls" {
  description = "ICE server URLs handed to clients (SCHOOLHUB_TURN_URLS)."
  type        = list(string)
}

variable "firebase_project_id" {
  description = "Firebase project of the mobile apps (SCHOOLHUB_FIREBASE_PROJECT_ID): ID-token audience and FCM project."
  type        = string
}

variable "allowed_origins" {
  description = "Browser origins allowed by CORS (SCHOOLHUB_ALLOWED_ORIGINS)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to AWS resources."
  type        = map(string)
  default     = {}
}

variable "db_roles_run_id" {
  description = "Change (e.g. to the new role_password_version) to run the db-roles Job again after rotating the role passwords."
  type        = string
  default     = "1"
}

variable "sfu_udp_port_range" {
  description = "UDP range the SFU nodes' kernels hand to aiortc (set on the nodes by modules/eks); passed to the SFU for logging and load reports."
  type = object({
    from = number
    to   = number
  })
}
