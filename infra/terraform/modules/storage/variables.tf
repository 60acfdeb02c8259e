variable "name" {
  description = "Name prefix for buckets, e.g. schoolhub-production. Bucket names get the account id appended to be globally unique."
  type        = string
}

variable "recording_retention_days" {
  description = "Backstop age, in days, after which any class or meeting recording is deleted. The year-end purge job deletes a school year's recordings earlier (31 August); consent withdrawal deletes at once. At most 366 so no recording outlives the school year plus the summer."
  type        = number
  default     = 366

  validation {
    condition     = var.recording_retention_days >= 30 && var.recording_retention_days <= 366
    error_message = "recording_retention_days must be between 30 and 366."
  }
}

variable "deleted_version_retention_days" {
  description = "Days a deleted or overwritten object version of files and recordings is kept (undo window). Short, so a deletion under Decree 13 / Law 91 is final within days."
  type        = number
  default     = 7
}

variable "audit_retention_years" {
  description = "Years audit exports (access logs of drill-downs, payment reconciliation, breach records) are kept under Object Lock. Decree 356/2025 asks breach records be kept at least 5 years."
  type        = number
  default     = 5

  validation {
    condition     = var.audit_retention_years >= 5
    error_message = "audit_retention_years must be at least 5."
  }
}

variable "access_log_retention_days" {
  description = "Days S3 server access logs and ALB access logs are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
