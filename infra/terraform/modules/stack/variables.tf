variable "environment" {
  description = "Environment name: staging or production."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "aws_region" {
  description = "AWS region of the deployment."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones used (two or three)."
  type        = list(string)
}

variable "vpc_cidr_block" {
  description = "CIDR of the environment's VPC."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per zone (staging)."
  type        = bool
  default     = false
}

variable "zone_name" {
  description = "Existing Route53 hosted zone (delegated by the province), e.g. schoolhub.quangtri.edu.vn."
  type        = string
}

variable "api_hostname" {
  description = "Public hostname of the API inside zone_name."
  type        = string
}

variable "firebase_project_id" {
  description = "Firebase project of the mobile apps (SCHOOLHUB_FIREBASE_PROJECT_ID)."
  type        = string
}

variable "allowed_origins" {
  description = "Browser origins allowed by CORS."
  type        = list(string)
  default     = []
}

variable "acme_email" {
  description = "Contact address for the ACME account issuing the TURN/TLS certificates."
  type        = string
}

variable "admin_role_arns" {
  description = "IAM roles with cluster-admin on EKS (CI deploy role, on-call)."
  type        = list(string)
  default     = []
}

variable "image_repository" {
  description = "Repository of the SchoolHub image (no tag)."
  type        = string
}

variable "image_digest" {
  description = "Digest of the SchoolHub image to deploy (sha256:...)."
  type        = string
}

variable "psql_image" {
  description = "PostgreSQL client image pinned by digest, for the db-roles Job."
  type        = string
}

variable "eks" {
  description = "EKS sizing: node instance types and node group sizes."
  type = object({
    general_instance_types = list(string)
    general_scaling        = object({ min = number, desired = number, max = number })
    sfu_instance_types     = list(string)
    sfu_scaling            = object({ min = number, desired = number, max = number })
  })
}

variable "sfu_udp_port_range" {
  description = "UDP range for the SFU's ICE sockets (kernel ephemeral range on SFU nodes, opened in their SG)."
  type        = object({ from = number, to = number })
  default     = { from = 40000, to = 49999 }
}

variable "postgres" {
  description = "PostgreSQL sizing and protection."
  type = object({
    instance_class         = string
    replica_instance_class = string
    replica_count          = number
    allocated_storage_gb   = number
    backup_retention_days  = number
    deletion_protection    = bool
  })
}

variable "redis" {
  description = "Redis sizing; cluster_mode switches to a sharded Redis Cluster (SPUBLISH/SSUBSCRIBE)."
  type = object({
    node_type          = string
    cluster_mode       = bool
    num_shards         = number
    replicas_per_shard = number
  })
}

variable "turn" {
  description = "coturn instances: count, type and the UDP relay range."
  type = object({
    instance_count   = number
    instance_type    = string
    relay_port_range = object({ from = number, to = number })
  })
}

variable "api" {
  description = "API Deployment sizing (see modules/workloads)."
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
}

variable "worker" {
  description = "Worker Deployment sizing (see modules/workloads)."
  type = object({
    min_replicas       = number
    max_replicas       = number
    cpu_target_percent = number
    cpu_request        = string
    cpu_limit          = string
    memory_request     = string
    memory_limit       = string
  })
}

variable "sfu" {
  description = "SFU DaemonSet: processes per node (one per core), CPU/memory per pod, drain seconds."
  type = object({
    processes_per_node = number
    cpu                = string
    memory             = string
    drain_seconds      = number
  })
}

variable "storage" {
  description = "Retention settings of object storage (see README.md, Retention)."
  type = object({
    recording_retention_days       = number
    deleted_version_retention_days = number
    audit_retention_years          = number
  })
  default = {
    recording_retention_days       = 366
    deleted_version_retention_days = 7
    audit_retention_years          = 5
  }
}

variable "secret_versions" {
  description = "Rotation counters of generated secrets: bump one to rotate it (values are write-only, never in state)."
  type = object({
    generated = number
    postgres  = number
    redis     = number
  })
  default = { generated = 1, postgres = 1, redis = 1 }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
