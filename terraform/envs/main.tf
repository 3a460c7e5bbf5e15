# One root for every environment; the environment is a workspace plus its .tfvars, and its state
# lives in that environment's own account (<env>.s3.tfbackend):
#   terraform -chdir=terraform/envs init -reconfigure -backend-config=prod.s3.tfbackend
#   terraform -chdir=terraform/envs workspace select -or-create prod
#   terraform -chdir=terraform/envs apply -var-file=prod.tfvars
#   terraform -chdir=terraform/envs output -json > envs/terraform-outputs/prod.json
# then `make synth` (see README, "Terraform -> synth"). A plan whose workspace is not the
# tfvars' environment is refused (module.workspace_guard). Each cluster has its own bucket and
# roles: from the former one-bucket layout, `terraform state mv 'module.thanos_storage'
# 'module.thanos_storage["<cluster>"]'` keeps the first cluster's resources.
terraform {
  # 1.10: the S3 backend's own lock file (use_lockfile), no DynamoDB table.
  required_version = ">= 1.10.0"
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

variable "account_id" {
  description = "AWS account of the environment (apply refuses any other)."
  type        = string
}

variable "clusters" {
  description = "The environment's EKS clusters: region and IAM OIDC provider. Each gets its own bucket and roles, in its region."
  type = list(object({
    name              = string
    region            = string
    oidc_provider_arn = string
    oidc_provider_url = string
  }))

  validation {
    condition     = length(var.clusters) > 0 && length(distinct([for c in var.clusters : c.name])) == length(var.clusters)
    error_message = "List at least one cluster, each name once."
  }
}

variable "kms_key_arns" {
  description = "Optional customer-managed KMS key per cluster name (a key in that cluster's region) for its bucket; a cluster not listed uses SSE-S3."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.kms_key_arns) : contains([for c in var.clusters : c.name], name)])
    error_message = "kms_key_arns names a cluster that is not in clusters."
  }
}

variable "argocd_hub" {
  description = "The cluster the environment's Argo CD runs in (the hub): its IAM OIDC provider ARN and issuer URL (without https://)."
  type = object({
    oidc_provider_arn = string
    oidc_provider_url = string
  })
}

# IAM is global; every S3 resource names its cluster's region itself.
provider "aws" {
  region              = var.clusters[0].region
  allowed_account_ids = [var.account_id]
}

# Applying prod.tfvars in dev's workspace (or the default one) would move prod's resources into
# dev's state: refused at plan, before anything is touched.
module "workspace_guard" {
  source = "../modules/workspace-guard"

  environment = var.environment
}

module "thanos_storage" {
  source   = "../modules/thanos-storage"
  for_each = { for c in var.clusters : c.name => c }

  environment = var.environment
  cluster     = each.value
  kms_key_arn = lookup(var.kms_key_arns, each.key, null)
  tags = {
    ManagedBy = "greenlang-prometheus-platform"
  }
}

module "argocd_access" {
  source = "../modules/argocd-access"

  environment = var.environment
  hub         = var.argocd_hub
  clusters    = [for c in var.clusters : { name = c.name, region = c.region }]
  tags = {
    ManagedBy = "greenlang-prometheus-platform"
  }
}

# What synth reads (envs/terraform.ts): each cluster's bucket and roles, and the role the hub's
# Argo CD reaches the clusters with.
output "thanos_storage" {
  value = {
    for name, m in module.thanos_storage : name => {
      bucket_name = m.thanos_bucket_name
      bucket_arn  = m.thanos_bucket_arn
      region      = m.thanos_bucket_region
      role_arns   = m.thanos_role_arns
      kms_key_arn = m.thanos_kms_key_arn
    }
  }
}

output "argocd_cluster_access" {
  value = {
    role_arn            = module.argocd_access.deployer_role_arn
    controller_role_arn = module.argocd_access.controller_role_arn
  }
}
