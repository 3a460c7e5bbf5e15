# One IRSA role per component that touches the bucket, each trusted only by its own
# ServiceAccount in the bucket's cluster, each with the least S3 access it needs:
#   store: read; sidecar and ruler: read + write; compactor: read + write + delete.
locals {
  s3_actions = {
    store     = ["s3:GetObject"]
    sidecar   = ["s3:GetObject", "s3:PutObject"]
    ruler     = ["s3:GetObject", "s3:PutObject"]
    compactor = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = local.s3_actions

  statement {
    sid     = "IRSA"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.cluster.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.cluster.oidc_provider_url}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_accounts[each.key]}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.cluster.oidc_provider_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "bucket_access" {
  for_each = local.s3_actions

  statement {
    sid       = "ListBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.thanos.arn]
  }

  statement {
    sid       = "Objects"
    effect    = "Allow"
    actions   = each.value
    resources = ["${aws_s3_bucket.thanos.arn}/*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "BucketKey"
      effect    = "Allow"
      actions   = contains(each.value, "s3:PutObject") ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "thanos" {
  for_each = local.s3_actions

  name               = "gl-thanos-${var.cluster.name}-${each.key}"
  description        = "Thanos ${each.key} (${var.cluster.name}): IRSA access to ${local.bucket_name}"
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
  tags               = local.tags
}

resource "aws_iam_role_policy" "thanos" {
  for_each = local.s3_actions

  name   = "thanos-bucket"
  role   = aws_iam_role.thanos[each.key].id
  policy = data.aws_iam_policy_document.bucket_access[each.key].json
}
