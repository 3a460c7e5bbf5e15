# One bucket per cluster, in the cluster's own region: its sidecars, ruler, store gateway and
# compactor never cross a region, a cluster's store serves only its own history, and the global
# view reaches each block once (through that cluster's query).
locals {
  bucket_name = "gl-thanos-metrics-${var.cluster.name}"
  tags = merge(var.tags, {
    Environment = var.environment
    Cluster     = var.cluster.name
    Component   = "observability"
    DataClass   = "operational"
    Retention   = "2-years"
  })
}

resource "aws_s3_bucket" "thanos" {
  region = var.cluster.region
  bucket = local.bucket_name
  tags   = merge(local.tags, { Name = "GreenLang Thanos Metrics" })
}

resource "aws_s3_bucket_public_access_block" "thanos" {
  region                  = var.cluster.region
  bucket                  = aws_s3_bucket.thanos.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs disabled: every object belongs to the bucket owner whoever uploads it.
resource "aws_s3_bucket_ownership_controls" "thanos" {
  region = var.cluster.region
  bucket = aws_s3_bucket.thanos.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Versioning guards against a runaway delete (two compactors, a wrong retention flag): deleted
# blocks stay recoverable as noncurrent versions for a week, then expire.
resource "aws_s3_bucket_versioning" "thanos" {
  region = var.cluster.region
  bucket = aws_s3_bucket.thanos.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "thanos" {
  region = var.cluster.region
  bucket = aws_s3_bucket.thanos.id

  lifecycle {
    # KMS keys are regional: S3 refuses a key from another region, but only at apply.
    precondition {
      condition     = var.kms_key_arn == null || try(split(":", var.kms_key_arn)[3], "") == var.cluster.region
      error_message = "kms_key_arn of cluster ${var.cluster.name} must be a key in the cluster's region (${var.cluster.region})."
    }
  }
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.thanos.arn,
      "${aws_s3_bucket.thanos.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "thanos" {
  region = var.cluster.region
  bucket = aws_s3_bucket.thanos.id
  policy = data.aws_iam_policy_document.tls_only.json

  depends_on = [aws_s3_bucket_public_access_block.thanos]
}

resource "aws_s3_bucket_lifecycle_configuration" "thanos" {
  region = var.cluster.region
  bucket = aws_s3_bucket.thanos.id

  depends_on = [aws_s3_bucket_versioning.thanos]

  rule {
    id     = "intelligent-tiering"
    status = "Enabled"
    # Objects under 128 KiB (meta.json, deletion marks) are never auto-tiered: moving them only
    # costs transition requests.
    filter {
      object_size_greater_than = 131072
    }
    transition {
      days          = var.intelligent_tiering_after_days
      storage_class = "INTELLIGENT_TIERING"
    }
  }

  rule {
    id     = "expire-old-blocks"
    status = "Enabled"
    filter {}
    expiration {
      days = var.expire_after_days
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expire_after_days
    }
  }

  # A deleted block leaves a delete marker over its noncurrent versions; once those expire the
  # marker is all that is left, and every LIST the store gateway and compactor make still walks
  # it. S3 allows this flag only in an expiration without days, hence a rule of its own.
  rule {
    id     = "remove-expired-delete-markers"
    status = "Enabled"
    filter {}
    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_after_days
    }
  }
}
