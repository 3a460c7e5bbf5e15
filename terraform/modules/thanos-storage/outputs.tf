# One cluster's storage; the root collects them per cluster into `thanos_storage`, which synth reads.
output "thanos_bucket_name" {
  description = "S3 bucket for Thanos metrics"
  value       = aws_s3_bucket.thanos.id
}

output "thanos_bucket_arn" {
  description = "S3 bucket ARN for Thanos metrics"
  value       = aws_s3_bucket.thanos.arn
}

output "thanos_bucket_region" {
  description = "Region of the bucket (the cluster's)"
  value       = aws_s3_bucket.thanos.region
}

output "thanos_role_arns" {
  description = "IRSA role ARN of each component that touches the bucket"
  value       = { for k, r in aws_iam_role.thanos : k => r.arn }
}

output "thanos_kms_key_arn" {
  description = "KMS key the bucket is encrypted with by default; null for SSE-S3"
  value       = var.kms_key_arn
}
