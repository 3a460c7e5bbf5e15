/**
 * The roles the hub's Argo CD reaches the workload clusters with (terraform/modules/argocd-access),
 * parsed and checked: web-identity trust for exactly the hub's Argo CD ServiceAccounts, a
 * controller role that can only assume the deployer, a deployer with no IAM permissions and an
 * EKS access entry on every cluster in its region; and the output the charts read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { envFiles, resolveAll } from '../../envs/index.js';
import { terraformOutputsSchema } from '../../envs/terraform.js';
import { repoRoot } from '../../lib/paths.js';
import { parseDir } from '../helpers/terraform.js';

const tf = await parseDir(path.join(repoRoot, 'terraform/modules/argocd-access'));
const resource = (type: string, name: string) => tf.resource[type][name][0];
const doc = (name: string) => tf.data.aws_iam_policy_document[name][0].statement;

describe('argocd-access module', () => {
  it("trusts exactly the hub's Argo CD ServiceAccounts, by web identity with the STS audience", () => {
    const [trust] = doc('controller_trust');
    expect(trust.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(trust.principals).toEqual([{ type: 'Federated', identifiers: ['${var.hub.oidc_provider_arn}'] }]);
    const conditions = Object.fromEntries(trust.condition.map((c: any) => [c.variable, [c.test, c.values]]));
    expect(conditions).toEqual({
      '${var.hub.oidc_provider_url}:sub': [
        'StringEquals',
        '${[for sa in var.hub.service_accounts : "system:serviceaccount:${var.hub.namespace}:${sa}"]}',
      ],
      '${var.hub.oidc_provider_url}:aud': ['StringEquals', ['sts.amazonaws.com']],
    });
    const hub = tf.variable.hub[0].type;
    expect(hub).toContain('"argocd-application-controller"');
    expect(hub).toContain('"argocd-server"');
  });

  it('lets the controller role do one thing: assume the deployer; the deployer trusts only the controller and has no IAM policy', () => {
    expect(doc('assume_deployer')).toEqual([
      expect.objectContaining({ effect: 'Allow', actions: ['sts:AssumeRole'], resources: ['${aws_iam_role.deployer.arn}'] }),
    ]);
    expect(doc('deployer_trust')).toEqual([
      expect.objectContaining({
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'AWS', identifiers: ['${aws_iam_role.controller.arn}'] }],
      }),
    ]);
    expect(Object.keys(tf.resource.aws_iam_role_policy)).toEqual(['controller']);
    expect(tf.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });

  it("gives the deployer cluster admin on every cluster through an EKS access entry, in the cluster's region", () => {
    for (const type of ['aws_eks_access_entry', 'aws_eks_access_policy_association']) {
      expect(resource(type, 'deployer')).toMatchObject({
        for_each: '${{ for c in var.clusters : c.name => c }}',
        region: '${each.value.region}',
        cluster_name: '${each.key}',
        principal_arn: '${aws_iam_role.deployer.arn}',
      });
    }
    expect(resource('aws_eks_access_policy_association', 'deployer')).toMatchObject({
      policy_arn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      access_scope: [{ type: 'cluster' }],
    });
  });
});

describe('the Terraform -> synth contract for Argo CD', () => {
  it('the root exposes the deployer (and the controller role to annotate) as synth reads them', async () => {
    const root = await parseDir(path.join(repoRoot, 'terraform/envs'));
    expect(root.module.argocd_access[0]).toMatchObject({ source: '../modules/argocd-access', hub: '${var.argocd_hub}' });
    const value = root.output.argocd_cluster_access[0].value;
    const fields = Object.keys(terraformOutputsSchema.shape.argocd_cluster_access.shape.value.shape);
    expect(fields.sort()).toEqual(['controller_role_arn', 'role_arn']);
    expect(value).toEqual({
      role_arn: '${module.argocd_access.deployer_role_arn}',
      controller_role_arn: '${module.argocd_access.controller_role_arn}',
    });
  });

  it.each(resolveAll(envFiles).map((env) => ({ env, label: env.name })))(
    '$label: every cluster Secret names the deployer role Terraform creates',
    async ({ env }) => {
      const vars = await parse(`${env.name}.tfvars`, fs.readFileSync(path.join(repoRoot, 'terraform/envs', `${env.name}.tfvars`), 'utf8'));
      expect(vars.argocd_hub.oidc_provider_arn).toBe(`arn:aws:iam::${vars.account_id}:oidc-provider/${vars.argocd_hub.oidc_provider_url}`);
      for (const c of env.clusters)
        expect(env.aws[c.name]!.argocdRoleArn).toBe(`arn:aws:iam::${c.awsAccountId}:role/gl-argocd-${env.name}-deployer`);
    },
  );
});
