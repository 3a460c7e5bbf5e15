environment = "dev"
account_id  = "111111111111"
clusters = [
  {
    name              = "greenlang-dev"
    region            = "us-east-1"
    oidc_provider_arn = "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90"
    oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90"
  },
]
# The cluster this environment's Argo CD runs in (the hub).
argocd_hub = {
  oidc_provider_arn = "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/E1B2C3D4E5F60718293A4B5C6D7E8F90"
  oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/E1B2C3D4E5F60718293A4B5C6D7E8F90"
}
