variable "name" {
  description = "Name prefix, e.g. schoolhub-production."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the coturn instances."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets; instances are spread over them round-robin."
  type        = list(string)
}

variable "instance_count" {
  description = "Number of coturn instances (at least two, in different zones)."
  type        = number
  default     = 2

  validation {
    condition     = var.instance_count >= 1
    error_message = "instance_count must be at least 1."
  }
}

variable "instance_type" {
  description = "EC2 instance type for coturn (network bandwidth matters more than CPU)."
  type        = string
  default     = "c7gn.large"
}

variable "ami_ssm_parameter" {
  description = "SSM public parameter naming the Debian 12 AMI (coturn 4.6 from Debian); must match the instance architecture."
  type        = string
  default     = "/aws/service/debian/release/12/latest/arm64"
}

variable "relay_port_range" {
  description = "coturn min-port/max-port: the UDP relay range, narrowed from the default 49152-65535 and opened exactly in the security group."
  type = object({
    from = number
    to   = number
  })
  default = { from = 50000, to = 59999 }

  validation {
    condition     = var.relay_port_range.from >= 1024 && var.relay_port_range.to <= 65535 && var.relay_port_range.from < var.relay_port_range.to
    error_message = "relay_port_range must be an increasing range within 1024-65535."
  }
}

variable "sfu_peer_cidrs" {
  description = "Private CIDRs coturn may relay to despite the private-range denial: the SFU media subnets, nothing else."
  type        = list(string)
}

variable "turn_secret_arn" {
  description = "Secrets Manager ARN of the TURN static-auth-secret (shared with the API, which mints ephemeral credentials)."
  type        = string
}

variable "secrets_kms_key_arn" {
  description = "KMS key that encrypts the TURN secret (the instance role may decrypt through Secrets Manager only)."
  type        = string
}

variable "zone_id" {
  description = "Route53 hosted zone for the turn-N records and the ACME DNS-01 challenge."
  type        = string
}

variable "domain" {
  description = "DNS domain, e.g. schoolhub.quangtri.edu.vn; instances are turn-1.<domain>, turn-2.<domain>, ..."
  type        = string
}

variable "acme_email" {
  description = "Contact address for the ACME (Let's Encrypt) account that issues the TURN/TLS certificates."
  type        = string
}

variable "user_quota" {
  description = "coturn user-quota: concurrent allocations per (ephemeral) username."
  type        = number
  default     = 12
}

variable "total_quota" {
  description = "coturn total-quota: concurrent allocations per instance."
  type        = number
  default     = 2000
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
