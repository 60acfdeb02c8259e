variable "aws_region" {
  description = "AWS region (staging). ap-southeast-1 (Singapore) is the AWS region nearest Quang Tri; confirm data-residency duties with counsel before go-live."
  type        = string
  default     = "ap-southeast-1"
}

variable "image_repository" {
  description = "ECR repository of the SchoolHub image, e.g. <account>.dkr.ecr.ap-southeast-1.amazonaws.com/schoolhub."
  type        = string
}

variable "image_digest" {
  description = "Digest (sha256:...) of the image CI built and scanned; the migrate Job runs once per digest."
  type        = string
}

variable "psql_image" {
  description = "PostgreSQL client image pinned by digest (e.g. public.ecr.aws/docker/library/postgres:16-bookworm@sha256:...) for the db-roles Job."
  type        = string
}

variable "admin_role_arns" {
  description = "IAM roles granted cluster-admin on EKS (CI deploy role, on-call)."
  type        = list(string)
  default     = []
}

variable "firebase_project_id" {
  description = "Firebase project of the mobile apps (staging)."
  type        = string
}

variable "acme_email" {
  description = "Contact e-mail of the ACME account that issues coturn's TLS certificates."
  type        = string
}

variable "secret_versions" {
  description = "Rotation counters of generated secrets (generated: JWT/TURN/secrets key; postgres: role passwords; redis: app user). Bump to rotate."
  type = object({
    generated = number
    postgres  = number
    redis     = number
  })
  default = { generated = 1, postgres = 1, redis = 1 }
}
