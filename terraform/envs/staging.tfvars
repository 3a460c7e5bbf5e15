environment = "staging"
account_id  = "222222222222"
clusters = [
  {
    name              = "greenlang-staging"
    region            = "us-east-1"
    oidc_provider_arn = "arn:aws:iam::222222222222:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/B1B2C3D4E5F60718293A4B5C6D7E8F90"
    oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/B1B2C3D4E5F60718293A4B5C6D7E8F90"
  },
]
# The cluster this environment's Argo CD runs in (the hub).
argocd_hub = {
  oidc_provider_arn = "arn:aws:iam::222222222222:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/E2B2C3D4E5F60718293A4B5C6D7E8F90"
  oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/E2B2C3D4E5F60718293A4B5C6D7E8F90"
}
