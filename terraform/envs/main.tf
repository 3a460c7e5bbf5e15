# One root for every environment; the environment is a workspace plus its .tfvars:
#   terraform -chdir=terraform/envs init -backend-config=...        # state bucket and lock table
#   terraform -chdir=terraform/envs workspace select -or-create prod
#   terraform -chdir=terraform/envs apply -var-file=prod.tfvars
#   terraform -chdir=terraform/envs output -json > envs/terraform-outputs/prod.json
# then `make synth` (see README, "Terraform -> synth").
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
  backend "s3" {}
}

variable "environment" {
  description = "Environment name; must match the workspace."
  type        = string
}

variable "region" {
  description = "AWS region of the bucket."
  type        = string
}

variable "account_id" {
  description = "AWS account of the environment (apply refuses any other)."
  type        = string
}

variable "clusters" {
  description = "The environment's EKS clusters and their IAM OIDC providers."
  type = list(object({
    name              = string
    oidc_provider_arn = string
    oidc_provider_url = string
  }))
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]
}

module "thanos_storage" {
  source      = "../modules/thanos-storage"
  environment = var.environment
  region      = var.region
  clusters    = var.clusters
  tags = {
    ManagedBy = "greenlang-prometheus-platform"
  }
}

output "thanos_bucket_name" {
  value = module.thanos_storage.thanos_bucket_name
}

output "thanos_bucket_arn" {
  value = module.thanos_storage.thanos_bucket_arn
}

output "thanos_bucket_region" {
  value = module.thanos_storage.thanos_bucket_region
}

output "thanos_role_arns" {
  value = module.thanos_storage.thanos_role_arns
}
