variable "name" {
  description = "Identifier prefix, e.g. schoolhub-production."
  type        = string
}

variable "vpc_id" {
  description = "VPC to place Redis in."
  type        = string
}

variable "subnet_ids" {
  description = "Data-tier subnets in at least two zones (primary and replica in different zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (EKS nodes: API, workers, SFU)."
  type        = list(string)
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "engine_version" {
  description = "Redis OSS version; 7.0+ is needed for sharded pub/sub (SPUBLISH/SSUBSCRIBE)."
  type        = string
  default     = "7.1"
}

variable "cluster_mode" {
  description = "Run as a Redis Cluster (sharded). Off: one shard, primary + replicas, classic PUBLISH. On: num_shards shards, channels `school:{<id>}:...` hash-tagged so each school stays on one slot, and the app uses SPUBLISH/SSUBSCRIBE."
  type        = bool
  default     = false
}

variable "num_shards" {
  description = "Shards when cluster_mode is on (ignored otherwise)."
  type        = number
  default     = 3
}

variable "replicas_per_shard" {
  description = "Replicas per shard (at least one for automatic failover)."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas_per_shard >= 1 && var.replicas_per_shard <= 5
    error_message = "replicas_per_shard must be between 1 and 5."
  }
}

variable "snapshot_retention_days" {
  description = "Daily snapshots kept, in days. Nothing financial lives only in Redis (the outbox is in PostgreSQL); snapshots shorten recovery of queues and rate limits."
  type        = number
  default     = 7
}

variable "password_version" {
  description = "Bump to rotate the schoolhub_app Redis password (generated ephemerally, written write-only to ElastiCache and Secrets Manager)."
  type        = number
  default     = 1
}

variable "kms_key_arn" {
  description = "KMS key for data at rest and for the password secret."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the slow-log and engine-log CloudWatch groups."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of Redis logs in CloudWatch (at least a year, for incident investigation)."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
