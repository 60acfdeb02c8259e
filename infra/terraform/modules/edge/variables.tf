variable "name" {
  description = "Name prefix, e.g. schoolhub-production."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC (the ALB forwards to the API NodePort inside it)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets for the internet-facing ALB."
  type        = list(string)
}

variable "zone_id" {
  description = "Route53 hosted zone that holds api_hostname."
  type        = string
}

variable "api_hostname" {
  description = "Public hostname of the GraphQL API, e.g. api.schoolhub.quangtri.edu.vn."
  type        = string
}

variable "api_node_port" {
  description = "NodePort of the API service on the general nodes."
  type        = number
  default     = 30080
}

variable "api_autoscaling_group_name" {
  description = "Auto Scaling group of the general EKS node group; its instances are the ALB targets."
  type        = string
}

variable "logs_bucket" {
  description = "S3 bucket (SSE-S3) receiving ALB access logs under alb/."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the WAF log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of WAF logs in CloudWatch."
  type        = number
  default     = 365
}

variable "rate_limit_per_5_minutes" {
  description = "WAF rate-based rule: requests per client IP per 5 minutes before blocking. High, because Vietnamese mobile carriers put many parents behind one CGNAT address; per-user limits live in the app."
  type        = number
  default     = 20000
}

variable "idle_timeout_seconds" {
  description = "ALB idle timeout; GraphQL subscriptions (graphql-transport-ws) ping more often than this."
  type        = number
  default     = 300
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
