output "api_url" {
  description = "Public base URL of the API."
  value       = "https://${var.api_hostname}"
}

output "alb_security_group_id" {
  description = "Security group of the ALB (the general nodes accept the API NodePort from it)."
  value       = aws_security_group.alb.id
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = aws_lb.api.dns_name
}

output "certificate_arn" {
  description = "ACM certificate of the API hostname."
  value       = aws_acm_certificate_validation.api.certificate_arn
}
