variable "name" {
  description = "Cluster name, e.g. schoolhub-production."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC (the API server accepts 443 from inside the VPC only)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the control-plane ENIs and the general node group."
  type        = list(string)
}

variable "media_subnet_ids" {
  description = "Media subnets (public IPs) for the SFU node group."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for envelope encryption of Kubernetes secrets and node EBS volumes."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the control-plane log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of control-plane logs in CloudWatch."
  type        = number
  default     = 365
}

variable "admin_role_arns" {
  description = "IAM roles granted cluster-admin through EKS access entries (the CI deploy role, the on-call role)."
  type        = list(string)
  default     = []
}

variable "general_instance_types" {
  description = "Instance types of the general node group (API, workers, jobs)."
  type        = list(string)
  default     = ["m7g.xlarge"]
}

variable "general_ami_type" {
  description = "AMI type of the general node group (must match the instance architecture)."
  type        = string
  default     = "AL2023_ARM_64_STANDARD"
}

variable "general_scaling" {
  description = "Size of the general node group."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 3, desired = 3, max = 12 }
}

variable "sfu_instance_types" {
  description = "Instance types of the SFU node group: compute-optimised, high network bandwidth. All types must have sfu_vcpus vCPUs."
  type        = list(string)
  default     = ["c7i.2xlarge"]
}

variable "sfu_ami_type" {
  description = "AMI type of the SFU node group (x86_64: aiortc/PyAV wheels and libvpx are fastest there)."
  type        = string
  default     = "AL2023_x86_64_STANDARD"
}

variable "sfu_scaling" {
  description = "Size of the SFU node group (one SFU pod per node)."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 2, desired = 2, max = 10 }
}

variable "sfu_udp_port_range" {
  description = "UDP ports the SFU's ICE sockets use. aiortc cannot pin ports, so SFU nodes narrow the kernel's ephemeral range (net.ipv4.ip_local_port_range) to exactly this range, and the security group opens exactly it."
  type = object({
    from = number
    to   = number
  })
  default = { from = 40000, to = 49999 }

  validation {
    condition     = var.sfu_udp_port_range.from >= 32768 && var.sfu_udp_port_range.to <= 60999 && var.sfu_udp_port_range.to - var.sfu_udp_port_range.from >= 4095
    error_message = "sfu_udp_port_range must lie within 32768-60999 and span at least 4096 ports."
  }
}

variable "turn_security_group_id" {
  description = "Security group of the coturn instances (relayed media reaches the SFU from there)."
  type        = string
}

variable "alb_security_group_id" {
  description = "Security group of the public ALB (reaches the API NodePort)."
  type        = string
}

variable "api_node_port" {
  description = "NodePort of the API service; the ALB target group forwards to it."
  type        = number
  default     = 30080
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
