variable "name" {
  description = "Name prefix, e.g. schoolhub-production; secrets are created under <name>/..."
  type        = string
}

variable "generated_secret_version" {
  description = "Bump to rotate the secrets Terraform generates (JWT, TURN, secrets key). Values are generated ephemerally and written write-only, so they never enter plan or state; the app accepts the previous key during the overlap window."
  type        = number
  default     = 1
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days >= 7 && var.recovery_window_days <= 30
    error_message = "recovery_window_days must be between 7 and 30."
  }
}

variable "log_retention_days" {
  description = "Default retention for CloudWatch log groups encrypted with the logs key."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
