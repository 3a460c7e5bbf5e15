output "deployer_role_arn" {
  description = "Role each cluster Secret names (awsAuthConfig.roleARN)."
  value       = aws_iam_role.deployer.arn
}

output "controller_role_arn" {
  description = "IRSA role to annotate the hub's argocd-application-controller and argocd-server ServiceAccounts with (eks.amazonaws.com/role-arn)."
  value       = aws_iam_role.controller.arn
}
