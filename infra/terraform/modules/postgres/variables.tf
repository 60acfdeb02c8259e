variable "name" {
  description = "Identifier prefix, e.g. schoolhub-production."
  type        = string
}

variable "vpc_id" {
  description = "VPC to place the database in."
  type        = string
}

variable "subnet_ids" {
  description = "Data-tier subnets (no internet route), at least two zones for the Multi-AZ standby."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432 (EKS nodes running the API, workers and the migrate job)."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL major.minor version (RLS with FORCE and security_invoker views need 15+)."
  type        = string
  default     = "16.6"
}

variable "instance_class" {
  description = "Instance class of the primary and its standby."
  type        = string
  default     = "db.r6g.xlarge"
}

variable "replica_instance_class" {
  description = "Instance class of the read replica (reports, supervisor aggregates)."
  type        = string
  default     = "db.r6g.large"
}

variable "replica_count" {
  description = "Number of read replicas (at least one: reports must not load the primary)."
  type        = number
  default     = 1

  validation {
    condition     = var.replica_count >= 1
    error_message = "At least one read replica is required."
  }
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB."
  type        = number
  default     = 200
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 1000
}

variable "backup_retention_days" {
  description = "Automated backup retention in days; point-in-time recovery is possible anywhere inside this window."
  type        = number
  default     = 35

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "database_name" {
  description = "Name of the application database."
  type        = string
  default     = "schoolhub"
}

variable "app_statement_timeout_ms" {
  description = "statement_timeout set on the schoolhub_app role."
  type        = number
  default     = 5000
}

variable "role_password_version" {
  description = "Bump to rotate the schoolhub_owner and schoolhub_app passwords (generated ephemerally, written write-only to Secrets Manager; the db-roles job applies them)."
  type        = number
  default     = 1
}

variable "secrets_kms_key_arn" {
  description = "KMS key for the role secrets and the RDS-managed master secret."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the PostgreSQL CloudWatch log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of PostgreSQL logs in CloudWatch."
  type        = number
  default     = 365
}

variable "deletion_protection" {
  description = "Refuse to delete the database (true outside throwaway environments)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
