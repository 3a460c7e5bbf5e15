# How the environment's Argo CD (in the hub cluster) reaches the workload clusters, without
# long-lived credentials:
#   controller: IRSA role of the hub's argocd-application-controller and argocd-server
#               ServiceAccounts (annotate them with its ARN); it may only assume the deployer.
#   deployer:   the role each cluster Secret names (awsAuthConfig.roleARN, rendered by the charts
#               from the `argocd_cluster_access` output); each workload cluster grants it
#               cluster admin through an EKS access entry, since Argo CD applies CRDs,
#               ClusterRoles and objects in several namespaces.
locals {
  controller_role_name = "gl-argocd-${var.environment}-controller"
  deployer_role_name   = "gl-argocd-${var.environment}-deployer"
}

data "aws_iam_policy_document" "controller_trust" {
  statement {
    sid     = "IRSA"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.hub.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.hub.oidc_provider_url}:sub"
      values   = [for sa in var.hub.service_accounts : "system:serviceaccount:${var.hub.namespace}:${sa}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.hub.oidc_provider_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "controller" {
  name                 = local.controller_role_name
  description          = "Argo CD in the ${var.environment} hub: may assume the deployer role only"
  assume_role_policy   = data.aws_iam_policy_document.controller_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "assume_deployer" {
  statement {
    sid       = "AssumeDeployer"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = [aws_iam_role.deployer.arn]
  }
}

resource "aws_iam_role_policy" "controller" {
  name   = "assume-deployer"
  role   = aws_iam_role.controller.id
  policy = data.aws_iam_policy_document.assume_deployer.json
}

data "aws_iam_policy_document" "deployer_trust" {
  statement {
    sid     = "ArgoCDController"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.controller.arn]
    }
  }
}

# No IAM permissions: all it can do is what the EKS access entries below grant.
resource "aws_iam_role" "deployer" {
  name                 = local.deployer_role_name
  description          = "Argo CD of ${var.environment} deploying to the environment's EKS clusters"
  assume_role_policy   = data.aws_iam_policy_document.deployer_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_eks_access_entry" "deployer" {
  for_each = { for c in var.clusters : c.name => c }

  region        = each.value.region
  cluster_name  = each.key
  principal_arn = aws_iam_role.deployer.arn
  type          = "STANDARD"
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "deployer" {
  for_each = { for c in var.clusters : c.name => c }

  region        = each.value.region
  cluster_name  = each.key
  principal_arn = aws_iam_role.deployer.arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
  access_scope {
    type = "cluster"
  }
  depends_on = [aws_eks_access_entry.deployer]
}
