# Thanos bucket and IRSA roles for dev. After `terraform apply`:
#   terraform -chdir=terraform/envs/dev output -json > envs/terraform-outputs/dev.json
# then `make synth` (see README, "Terraform -> synth").
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
  # State bucket, key and lock table are passed with -backend-config at init.
  backend "s3" {}
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
}

module "thanos_storage" {
  source      = "../../modules/thanos-storage"
  environment = "dev"
  region      = "us-east-1"
  clusters = [
    {
      name              = "greenlang-dev"
      oidc_provider_arn = "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90"
      oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90"
    },
  ]
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
