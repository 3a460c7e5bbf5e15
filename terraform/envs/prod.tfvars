environment = "prod"
account_id  = "333333333333"
clusters = [
  {
    name              = "greenlang-prod-use1"
    region            = "us-east-1"
    oidc_provider_arn = "arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/C1B2C3D4E5F60718293A4B5C6D7E8F90"
    oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/C1B2C3D4E5F60718293A4B5C6D7E8F90"
  },
  {
    name              = "greenlang-prod-euw1"
    region            = "eu-west-1"
    oidc_provider_arn = "arn:aws:iam::333333333333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/D1B2C3D4E5F60718293A4B5C6D7E8F90"
    oidc_provider_url = "oidc.eks.eu-west-1.amazonaws.com/id/D1B2C3D4E5F60718293A4B5C6D7E8F90"
  },
]
# The cluster this environment's Argo CD runs in (the hub).
argocd_hub = {
  oidc_provider_arn = "arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/E3B2C3D4E5F60718293A4B5C6D7E8F90"
  oidc_provider_url = "oidc.eks.us-east-1.amazonaws.com/id/E3B2C3D4E5F60718293A4B5C6D7E8F90"
}
