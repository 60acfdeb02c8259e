output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT, coturn)."
  value       = [for zone in var.availability_zones : aws_subnet.public[zone].id]
}

output "media_subnet_ids" {
  description = "Media subnets for SFU nodes (public IPs, UDP from the internet)."
  value       = [for zone in var.availability_zones : aws_subnet.media[zone].id]
}

output "media_subnet_cidrs" {
  description = "CIDRs of the media subnets; coturn explicitly allows relaying to these and nothing else private."
  value       = [for zone in var.availability_zones : aws_subnet.media[zone].cidr_block]
}

output "private_subnet_ids" {
  description = "Private subnets for EKS general nodes."
  value       = [for zone in var.availability_zones : aws_subnet.private[zone].id]
}

output "private_subnet_cidrs" {
  description = "CIDRs of the private subnets (pods use VPC IPs with the AWS VPC CNI)."
  value       = [for zone in var.availability_zones : aws_subnet.private[zone].cidr_block]
}

output "data_subnet_ids" {
  description = "Data subnets for RDS and ElastiCache (no internet route)."
  value       = [for zone in var.availability_zones : aws_subnet.data[zone].id]
}
