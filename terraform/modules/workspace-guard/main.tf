# The environment a plan applies must be the workspace it runs in. One root serves every
# environment, so `apply -var-file=prod.tfvars` in dev's workspace would otherwise plan prod's
# buckets and roles into dev's state (and destroy what dev's state held). The default workspace
# is refused too: it belongs to no environment. Uses only Terraform's built-in provider, so it
# runs (and is tested) without AWS.
terraform {
  required_version = ">= 1.6.0"
}

variable "environment" {
  description = "Environment of the tfvars being applied."
  type        = string
}

resource "terraform_data" "workspace" {
  input = terraform.workspace

  lifecycle {
    precondition {
      condition     = terraform.workspace == var.environment
      error_message = "Workspace \"${terraform.workspace}\" cannot apply environment \"${var.environment}\": run `terraform workspace select -or-create ${var.environment}` first (each environment has its own workspace and state)."
    }
  }
}
