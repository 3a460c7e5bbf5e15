/**
 * The Terraform for the Thanos bucket and IRSA roles, parsed with @cdktf/hcl2json and checked
 * for the properties that matter: encryption, no public access, TLS only, lifecycle days,
 * exact web-identity trust, least-privilege S3 access, and agreement with the charts and the
 * synth contract.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { parseDir } from '../helpers/terraform.js';

import { envFiles, resolveAll } from '../../envs/index.js';
import { terraformOutputsSchema } from '../../envs/terraform.js';
import { repoRoot } from '../../lib/paths.js';
import { COMPACTOR, PROMETHEUS, RULER, STORE } from '../../charts/workloads.js';

const moduleDir = path.join(repoRoot, 'terraform/modules/thanos-storage');

const tf = await parseDir(moduleDir);
const resource = (type: string, name: string) => tf.resource[type][name][0];
const data = (type: string, name: string) => tf.data[type][name][0];
const variableDefault = (name: string) => tf.variable[name][0].default;
/** Resolve a `${var.x}` reference to the variable's default. */
const value = (v: unknown) => {
  const m = typeof v === 'string' ? /^\$\{var\.([a-z_]+)\}$/.exec(v) : null;
  return m ? variableDefault(m[1]!) : v;
};
const locals = Object.assign({}, ...tf.locals);
const s3Actions: Record<string, string[]> = locals.s3_actions;

describe('bucket', () => {
  it("is the cluster's own, gl-thanos-metrics-<cluster>, and every S3 resource lives in the cluster's region", () => {
    expect(locals.bucket_name).toBe('gl-thanos-metrics-${var.cluster.name}');
    expect(resource('aws_s3_bucket', 'thanos').bucket).toBe('${local.bucket_name}');
    const s3 = Object.keys(tf.resource).filter((t) => t.startsWith('aws_s3_'));
    expect(s3.length).toBeGreaterThanOrEqual(7);
    for (const type of s3) expect({ type, region: resource(type, 'thanos').region }).toEqual({ type, region: '${var.cluster.region}' });
  });

  it('blocks every kind of public access and disables ACLs', () => {
    expect(resource('aws_s3_bucket_public_access_block', 'thanos')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resource('aws_s3_bucket_ownership_controls', 'thanos').rule[0].object_ownership).toBe('BucketOwnerEnforced');
  });

  it('is encrypted by default, with KMS when a key is given', () => {
    const byDefault = resource('aws_s3_bucket_server_side_encryption_configuration', 'thanos').rule[0]
      .apply_server_side_encryption_by_default[0];
    expect(byDefault.sse_algorithm).toBe('${var.kms_key_arn == null ? "AES256" : "aws:kms"}');
    expect(byDefault.kms_master_key_id).toBe('${var.kms_key_arn}');
    expect(variableDefault('kms_key_arn')).toBeNull();
    // A key from another region is refused at plan (S3 would refuse it only at apply).
    const [pre] = resource('aws_s3_bucket_server_side_encryption_configuration', 'thanos').lifecycle[0].precondition;
    expect(pre.condition).toBe('${var.kms_key_arn == null || try(split(":", var.kms_key_arn)[3], "") == var.cluster.region}');
  });

  it('refuses any request not made over TLS', () => {
    const policy = data('aws_iam_policy_document', 'tls_only');
    expect(resource('aws_s3_bucket_policy', 'thanos').policy).toBe('${data.aws_iam_policy_document.tls_only.json}');
    expect(policy.statement).toEqual([
      expect.objectContaining({
        effect: 'Deny',
        actions: ['s3:*'],
        resources: ['${aws_s3_bucket.thanos.arn}', '${aws_s3_bucket.thanos.arn}/*'],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      }),
    ]);
  });

  it('tiers after 30 days, expires after 730 and cleans up interrupted uploads and expired delete markers (PRD 3.3)', () => {
    const rules = resource('aws_s3_bucket_lifecycle_configuration', 'thanos').rule;
    const byId = Object.fromEntries(rules.map((r: any) => [r.id, r]));
    expect(rules.every((r: any) => r.status === 'Enabled')).toBe(true);
    expect(value(byId['intelligent-tiering'].transition[0].days)).toBe(30);
    expect(byId['intelligent-tiering'].transition[0].storage_class).toBe('INTELLIGENT_TIERING');
    expect(value(byId['expire-old-blocks'].expiration[0].days)).toBe(730);
    expect(value(byId['abort-incomplete-multipart-uploads'].abort_incomplete_multipart_upload[0].days_after_initiation)).toBe(7);
    expect(value(byId['expire-noncurrent-versions'].noncurrent_version_expiration[0].noncurrent_days)).toBe(7);
    // S3 accepts the marker flag only in an expiration without days: a rule of its own.
    expect(byId['remove-expired-delete-markers'].expiration).toEqual([{ expired_object_delete_marker: true }]);
    expect(Object.keys(byId).sort()).toEqual([
      'abort-incomplete-multipart-uploads',
      'expire-noncurrent-versions',
      'expire-old-blocks',
      'intelligent-tiering',
      'remove-expired-delete-markers',
    ]);
  });

  it('is versioned, so a runaway compactor delete stays recoverable for a week', () => {
    expect(resource('aws_s3_bucket_versioning', 'thanos').versioning_configuration[0].status).toBe('Enabled');
  });
});

describe('IRSA roles', () => {
  it('exist for exactly sidecar, store, compactor and ruler', () => {
    expect(Object.keys(s3Actions).sort()).toEqual(['compactor', 'ruler', 'sidecar', 'store']);
    expect(resource('aws_iam_role', 'thanos').for_each).toBe('${local.s3_actions}');
  });

  it("trust only the web identity of their own ServiceAccount in the bucket's cluster, with exact (StringEquals) sub and aud", () => {
    const trust = data('aws_iam_policy_document', 'trust');
    expect(trust.dynamic).toBeUndefined();
    expect(trust.statement).toHaveLength(1);
    const st = trust.statement[0];
    expect(st.effect).toBe('Allow');
    expect(st.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(st.principals).toEqual([{ type: 'Federated', identifiers: ['${var.cluster.oidc_provider_arn}'] }]);
    expect(st.condition).toEqual([
      {
        test: 'StringEquals',
        variable: '${var.cluster.oidc_provider_url}:sub',
        values: ['system:serviceaccount:${var.namespace}:${var.service_accounts[each.key]}'],
      },
      { test: 'StringEquals', variable: '${var.cluster.oidc_provider_url}:aud', values: ['sts.amazonaws.com'] },
    ]);
    expect(resource('aws_iam_role', 'thanos').name).toBe('gl-thanos-${var.cluster.name}-${each.key}');
  });

  it("name the ServiceAccounts the charts render, in the charts' namespace", () => {
    expect(variableDefault('service_accounts')).toEqual({
      sidecar: PROMETHEUS.name,
      store: STORE.name,
      compactor: COMPACTOR.name,
      ruler: RULER.name,
    });
    for (const env of resolveAll(envFiles)) expect(variableDefault('namespace')).toBe(env.namespace);
  });

  it('get least privilege: store reads, sidecar and ruler write, only the compactor deletes; nothing beyond the bucket', () => {
    expect(s3Actions).toEqual({
      store: ['s3:GetObject'],
      sidecar: ['s3:GetObject', 's3:PutObject'],
      ruler: ['s3:GetObject', 's3:PutObject'],
      compactor: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    });
    const access = data('aws_iam_policy_document', 'bucket_access');
    expect(access.statement).toEqual([
      { sid: 'ListBucket', effect: 'Allow', actions: ['s3:ListBucket'], resources: ['${aws_s3_bucket.thanos.arn}'] },
      { sid: 'Objects', effect: 'Allow', actions: '${each.value}', resources: ['${aws_s3_bucket.thanos.arn}/*'] },
    ]);
    const kms = access.dynamic.statement[0].content[0];
    expect(kms.resources).toEqual(['${statement.value}']);
  });

  it('no Allow statement anywhere has a wildcard principal, action or resource', () => {
    const allows: any[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const o = node as any;
        if (o.effect === 'Allow') allows.push(o);
        Object.values(o).forEach(walk);
      }
    };
    walk(tf.data);
    expect(allows.length).toBeGreaterThan(0);
    for (const st of allows) {
      expect(JSON.stringify(st.principals ?? [])).not.toMatch(/"\*"/);
      expect([st.actions].flat().join(' ')).not.toMatch(/(^|\s|:)\*/);
      // Trust statements have no resources; the KMS statement's resource is the key variable.
      const allowed = ['${aws_s3_bucket.thanos.arn}', '${aws_s3_bucket.thanos.arn}/*', '${statement.value}'];
      for (const r of [st.resources ?? []].flat()) expect(allowed).toContain(r);
    }
  });
});

describe('the Terraform -> synth contract', () => {
  it('the root makes one module (bucket and roles) per cluster and exposes each as synth reads it', async () => {
    const root = await parseDir(path.join(repoRoot, 'terraform/envs'));
    const mod = root.module.thanos_storage[0];
    expect(mod).toMatchObject({
      source: '../modules/thanos-storage',
      for_each: '${{ for c in var.clusters : c.name => c }}',
      environment: '${var.environment}',
      cluster: '${each.value}',
    });
    expect(root.provider.aws[0].allowed_account_ids).toEqual(['${var.account_id}']);
    expect(Object.keys(root.output).sort()).toEqual(Object.keys(terraformOutputsSchema.shape).sort());
    // Each field synth reads per cluster comes from the module output of that name.
    const value: string = root.output.thanos_storage[0].value;
    const fields = terraformOutputsSchema.shape.thanos_storage.shape.value.valueType.shape;
    for (const [key, out] of [
      ['bucket_name', 'thanos_bucket_name'],
      ['bucket_arn', 'thanos_bucket_arn'],
      ['region', 'thanos_bucket_region'],
      ['role_arns', 'thanos_role_arns'],
      ['kms_key_arn', 'thanos_kms_key_arn'],
    ] as const) {
      expect(Object.keys(fields)).toContain(key);
      expect(value).toMatch(new RegExp(`\\b${key} += m\\.${out}\\n`));
      expect(Object.keys(tf.output)).toContain(out);
    }
    expect(Object.keys(fields)).toHaveLength(5);
    // The root's per-cluster key reaches the module that encrypts that cluster's bucket.
    expect(mod.kms_key_arn).toBe('${lookup(var.kms_key_arns, each.key, null)}');
  });

  it.each(resolveAll(envFiles).map((env) => ({ env, label: env.name })))(
    '$label: tfvars, outputs file and env config agree',
    async ({ env }) => {
      const file = path.join(repoRoot, 'terraform/envs', `${env.name}.tfvars`);
      const vars = await parse(`${env.name}.tfvars`, fs.readFileSync(file, 'utf8'));
      expect(vars.environment).toBe(env.name);
      expect(vars.clusters.map((c: any) => [c.name, c.region])).toEqual(env.clusters.map((c) => [c.name, c.region]));
      expect([vars.account_id]).toEqual([...new Set(env.clusters.map((c) => c.awsAccountId))]);
      for (const c of vars.clusters) {
        expect(c.oidc_provider_arn).toBe(`arn:aws:iam::${vars.account_id}:oidc-provider/${c.oidc_provider_url}`);
        expect(c.oidc_provider_url).toMatch(new RegExp(`^oidc\\.eks\\.${c.region}\\.amazonaws\\.com/id/`));
      }
      // The outputs file holds exactly the clusters, each with the bucket and roles the module names.
      expect(Object.keys(env.aws).sort()).toEqual(env.clusters.map((c) => c.name).sort());
      for (const c of env.clusters) {
        const s = env.aws[c.name]!;
        expect(s).toMatchObject({
          bucket: `gl-thanos-metrics-${c.name}`,
          bucketArn: `arn:aws:s3:::gl-thanos-metrics-${c.name}`,
          region: c.region,
        });
        for (const [component, arn] of Object.entries(s.roles)) {
          expect(arn).toBe(`arn:aws:iam::${c.awsAccountId}:role/gl-thanos-${c.name}-${component}`);
        }
      }
    },
  );
});
