/**
 * The Terraform -> synth contract. `terraform output -json > envs/terraform-outputs/<env>.json`
 * (terraform/envs, workspace <env>) produces the file; synth validates it here, so the bucket and the
 * IRSA roles in dist can never disagree with what Terraform created.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../lib/paths.js';

/** Components that touch the bucket, each with its own IRSA role. */
export const BUCKET_COMPONENTS = ['sidecar', 'store', 'compactor', 'ruler'] as const;
export type BucketComponent = (typeof BUCKET_COMPONENTS)[number];

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const s3BucketName = z
  .string()
  .regex(S3_BUCKET, {
    error: 'must be a valid S3 bucket name: 3-63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit',
  })
  .refine((s) => !s.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(s) && !s.startsWith('xn--') && !s.endsWith('-s3alias'), {
    error: 'must be a valid S3 bucket name: no "..", not an IP address, no "xn--" prefix or "-s3alias" suffix',
  });

const roleArn = z
  .string()
  .regex(/^arn:aws:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/, { error: 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)' });

/** One `terraform output -json` entry. */
const output = <T extends z.ZodType>(value: T) => z.object({ value, type: z.unknown().optional(), sensitive: z.boolean().optional() });

const KMS_KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):[0-9]{12}:key\/(mrk-)?[0-9a-f-]+$/;
const kmsKeyArn = z.string().regex(KMS_KEY_ARN, { error: 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)' });

const clusterStorage = z
  .strictObject({
    bucket_name: s3BucketName,
    bucket_arn: z.string().regex(/^arn:aws:s3:::[a-z0-9.-]+$/, { error: 'must be an S3 bucket ARN' }),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, { error: 'must be an AWS region such as us-east-1' }),
    role_arns: z.strictObject(Object.fromEntries(BUCKET_COMPONENTS.map((c) => [c, roleArn])) as Record<BucketComponent, typeof roleArn>),
    /** The bucket's default-encryption key (null: SSE-S3); the bucket roles' policies grant its use. */
    kms_key_arn: kmsKeyArn.nullable(),
  })
  // Checked only for a well-formed ARN (a malformed one has its own message).
  .refine((s) => [undefined, s.region].includes(KMS_KEY_ARN.exec(s.kms_key_arn ?? '')?.[1]), {
    error: "kms_key_arn must be a key in the bucket's region",
    path: ['kms_key_arn'],
  });

/**
 * `thanos_storage`: cluster name -> that cluster's bucket (in its region) and IRSA roles.
 * `argocd_cluster_access`: the role the hub's Argo CD assumes to deploy to each cluster (one
 * role, granted cluster admin on every cluster of the environment by an EKS access entry).
 */
export const terraformOutputsSchema = z.object({
  thanos_storage: output(z.record(z.string(), clusterStorage)),
  argocd_cluster_access: output(z.strictObject({ role_arn: roleArn, controller_role_arn: roleArn })),
});

/** What charts see for one cluster: plain values. */
export const awsSchema = z.strictObject({
  bucket: s3BucketName,
  bucketArn: z.string(),
  region: z.string(),
  roles: z.strictObject(Object.fromEntries(BUCKET_COMPONENTS.map((c) => [c, roleArn])) as Record<BucketComponent, typeof roleArn>),
  /** The role the hub's Argo CD assumes to reach this cluster (its cluster Secret's awsAuthConfig). */
  argocdRoleArn: roleArn,
});
export type AwsConfig = z.infer<typeof awsSchema>;
/** Per cluster name; envs/schema.ts checks that every cluster has one, in its own region. */
export const awsByClusterSchema = z.record(z.string(), awsSchema);
export type AwsByCluster = z.infer<typeof awsByClusterSchema>;

export const defaultOutputsDir = path.join(repoRoot, 'envs', 'terraform-outputs');

export class TerraformOutputsError extends Error {}

/** Read and check `<dir>/<env>.json`; errors name the file and the key. */
export function loadTerraformOutputs(env: string, dir: string = defaultOutputsDir): AwsByCluster {
  const file = path.join(dir, `${env}.json`);
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) {
    throw new TerraformOutputsError(
      `env "${env}": terraform outputs: ${shown} is missing: run \`terraform -chdir=terraform/envs workspace select ${env} && terraform -chdir=terraform/envs output -json > ${shown}\``,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TerraformOutputsError(`env "${env}": terraform outputs: ${shown} is not JSON (${(err as Error).message})`);
  }
  const parsed = terraformOutputsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TerraformOutputsError(
      parsed.error.issues
        .map(
          (i) =>
            `env "${env}": terraform outputs ${shown}: ${i.path.join('.')}: ${i.code === 'invalid_type' && i.input === undefined ? 'missing' : i.message}`,
        )
        .join('\n'),
    );
  }
  return Object.fromEntries(
    Object.entries(parsed.data.thanos_storage.value).map(([cluster, o]) => [
      cluster,
      {
        bucket: o.bucket_name,
        bucketArn: o.bucket_arn,
        region: o.region,
        roles: o.role_arns,
        argocdRoleArn: parsed.data.argocd_cluster_access.value.role_arn,
      },
    ]),
  );
}
