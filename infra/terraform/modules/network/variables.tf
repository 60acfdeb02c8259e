variable "name" {
  description = "Name prefix for every resource, e.g. schoolhub-production."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC. Split into four /20 tiers per zone: public (ALB, NAT, coturn), media (SFU nodes), private (EKS general nodes), data (RDS, ElastiCache)."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 16
    error_message = "cidr_block must be a valid IPv4 CIDR of size /16 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zones to spread subnets over (at least two: RDS Multi-AZ and ElastiCache failover need them)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4
    error_message = "Use between two and four availability zones."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of VPC flow logs in CloudWatch, in days (at least 365 for incident investigation)."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the flow-log log group."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, staging) instead of one per zone (production)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
