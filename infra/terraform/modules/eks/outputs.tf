output "cluster_name" {
  description = "EKS cluster name."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "Private endpoint of the Kubernetes API."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_ca_certificate" {
  description = "Base64 CA bundle of the Kubernetes API."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "general_node_security_group_id" {
  description = "Security group of the general nodes (database and Redis clients)."
  value       = aws_security_group.general.id
}

output "sfu_node_security_group_id" {
  description = "Security group of the SFU nodes (Redis client, coturn peer)."
  value       = aws_security_group.sfu.id
}

output "general_autoscaling_group_names" {
  description = "Auto Scaling groups of the general node group (attached to the API target group)."
  value       = flatten([for r in aws_eks_node_group.general.resources : [for g in r.autoscaling_groups : g.name]])
}

output "sfu_udp_port_range" {
  description = "UDP range the SFU nodes use and open."
  value       = var.sfu_udp_port_range
}
