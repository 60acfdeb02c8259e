output "turn_urls" {
  description = "ICE server URLs for clients (SCHOOLHUB_TURN_URLS, comma-joined): UDP, TCP and TLS on 443 for each instance."
  value       = local.turn_urls
}

output "hostnames" {
  description = "DNS names of the coturn instances."
  value       = local.hostnames
}

output "public_ips" {
  description = "Elastic IPs of the coturn instances."
  value       = aws_eip.this[*].public_ip
}

output "security_group_id" {
  description = "Security group of the coturn instances (SFU nodes accept relayed media from it)."
  value       = aws_security_group.this.id
}

output "relay_port_range" {
  description = "UDP relay range configured in coturn and opened in the security group."
  value       = var.relay_port_range
}
