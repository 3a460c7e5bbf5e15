variable "environment" {
  description = "Environment name (dev, staging, prod): part of the role names."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.environment))
    error_message = "environment must be a DNS label (lower-case letters, digits, -)."
  }
}

variable "hub" {
  description = "The cluster the environment's Argo CD runs in: its IAM OIDC provider ARN and issuer URL (without https://), Argo CD's namespace and the ServiceAccounts that talk to the workload clusters."
  type = object({
    oidc_provider_arn = string
    oidc_provider_url = string
    namespace         = optional(string, "argocd")
    service_accounts  = optional(list(string), ["argocd-application-controller", "argocd-server"])
  })
}

variable "clusters" {
  description = "The workload clusters Argo CD deploys to (EKS cluster names, which are also the names Argo CD registers them under)."
  type = list(object({
    name   = string
    region = string
  }))
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
