/** Where the platform runs and how it is delivered: clusters, Argo CD, secrets, TLS issuer, storage classes. */
import { z } from 'zod';
import { AWS_REGION, dnsLabel, duration, networkCidr, storageClassName } from './fields.js';

export const argocd = z.strictObject({
  /** Namespace of Argo CD in the hub (where every Application, AppProject and cluster Secret lives). */
  namespace: dnsLabel,
  /**
   * The hub: the cluster the environment's Argo CD runs in, by the name that Argo CD knows it
   * (`in-cluster` for its own cluster). Root Applications are delivered there; the workload
   * clusters are registered with it by dist (a cluster Secret each) and targeted by name.
   */
  hub: z.strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'must be the cluster name Argo CD shows, such as in-cluster' }),
  }),
  /** This repository, as Argo CD clones it. */
  repoURL: z.url({ error: 'must be the repository URL Argo CD clones' }),
  /** Branch (or tag) Argo CD follows: promotion is a PR to this branch. */
  targetRevision: z.string().min(1),
});

/** Where credentials come from: an existing ClusterSecretStore (AWS Secrets Manager) and a key prefix. */
export const secrets = z.strictObject({
  clusterSecretStore: dnsLabel,
  /** Secrets Manager names are `<prefix>/alertmanager` and `<prefix>/pushgateway`. */
  prefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/, { error: 'must be a Secrets Manager name prefix' }),
  refreshInterval: duration,
});

/** cert-manager issuer of the in-cluster certificates (Thanos gRPC mTLS). Shared across an environment's clusters. */
export const tls = z.strictObject({
  issuer: z.strictObject({ kind: z.enum(['ClusterIssuer', 'Issuer']), name: dnsLabel }),
});

/**
 * The StorageClasses the platform's volumes may use. The operator refuses a CR whose class the
 * cluster lacks (and EKS has no `gp3` class by default), so every `storageClassName` must be
 * either rendered here (`provision`, EBS CSI) or named in `existing`.
 */
export const storageClasses = z.strictObject({
  provision: z
    .strictObject({
      name: storageClassName,
      /** EBS volume type (`type` parameter of ebs.csi.aws.com). */
      volumeType: z.enum(['gp3', 'io2', 'gp2']),
      /** KMS key for EBS encryption; the account's default EBS key when absent. */
      kmsKeyId: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/, { error: 'must be a KMS key ARN' })
        .optional(),
    })
    .optional(),
  existing: z.array(storageClassName),
});

export const cluster = z.strictObject({
  /** Cluster name; also the `cluster` external label and the dist sub-folder. */
  name: dnsLabel,
  region: z.string().regex(AWS_REGION, { error: 'must be an AWS region such as us-east-1' }),
  awsAccountId: z.string().regex(/^[0-9]{12}$/, { error: 'must be a 12-digit AWS account id' }),
  /**
   * Where the cluster's traffic comes from, as other clusters see it; required when a global
   * view federates the environment's clusters (the NetworkPolicies admit peers by address).
   */
  network: z
    .strictObject({
      /** The VPC: pods (VPC CNI) and nodes connect to other clusters from these addresses. */
      vpcCidr: networkCidr,
      /**
       * Subnets of the internal load balancers (tagged kubernetes.io/role/internal-elb): the
       * query's gRPC NLB lives there, and its health checks come from there.
       */
      internalLoadBalancerSubnets: z.array(networkCidr).min(1, { error: 'must list at least one subnet' }),
    })
    .optional(),
});
