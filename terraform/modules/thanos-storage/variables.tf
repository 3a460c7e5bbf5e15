variable "environment" {
  description = "Environment name (dev, staging, prod), as a tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.environment))
    error_message = "environment must be a DNS label (lower-case letters, digits, -)."
  }
}

variable "cluster" {
  description = "The EKS cluster this bucket and these roles serve: its name, region, IAM OIDC provider ARN and issuer URL (without https://)."
  type = object({
    name              = string
    region            = string
    oidc_provider_arn = string
    oidc_provider_url = string
  })

  validation {
    # Role names gl-thanos-<cluster>-compactor stay within IAM's 64 characters; the bucket name within S3's 63.
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.cluster.name)) && length(var.cluster.name) <= 44
    error_message = "cluster.name must be a DNS label of at most 44 characters."
  }
}

variable "namespace" {
  description = "Namespace of the monitoring stack (the ServiceAccounts live here)."
  type        = string
  default     = "monitoring"
}

variable "service_accounts" {
  description = "ServiceAccount of each component that touches the bucket, as rendered by the charts."
  type = object({
    sidecar   = string
    store     = string
    compactor = string
    ruler     = string
  })
  default = {
    sidecar   = "prometheus"
    store     = "thanos-store"
    compactor = "thanos-compactor"
    ruler     = "thanos-ruler"
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key (ARN, in the cluster's region) for bucket encryption; null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id."
  }
}

variable "intelligent_tiering_after_days" {
  description = "Days before block objects move to S3 Intelligent-Tiering (PRD 3.3)."
  type        = number
  default     = 30
}

variable "expire_after_days" {
  description = "Backstop expiry; the compactor's 1h retention (730d) deletes blocks first."
  type        = number
  default     = 730
}

variable "noncurrent_version_expire_after_days" {
  description = "Days a deleted or overwritten block object stays recoverable."
  type        = number
  default     = 7
}

variable "abort_incomplete_multipart_after_days" {
  description = "Days after which interrupted uploads (a killed sidecar mid-upload) are cleaned up."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
