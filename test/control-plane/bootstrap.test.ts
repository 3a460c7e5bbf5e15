/**
 * `npm run bootstrap` against the tier's API server, playing both the hub and the workload
 * cluster (one kube context, `local`): the preflight names every missing prerequisite and applies
 * nothing; once they exist, only what Argo CD needs to take over lands in the hub; mistyped input
 * and an unreachable server get one line and exit 1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { controlPlane } from '../../envs/versions.js';
import { repoRoot } from '../../lib/paths.js';
import { standInNamespaces } from '../../tools/control-plane.js';
import { freePort } from '../helpers/proc.js';
import { applyAll, useControlPlane } from './cluster.js';

const control = useControlPlane();
const env = resolveAll(envFiles).find((e) => e.tier === 'dev')!;
const cluster = env.clusters[0]!.name;

/** Argo CD's application controller as its installation creates it (what the version check reads). */
const argocdController = (tag: string) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'argocd-application-controller', namespace: env.argocd.namespace },
    spec: {
      serviceName: 'argocd-application-controller',
      selector: { matchLabels: { 'app.kubernetes.io/name': 'argocd-application-controller' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'argocd-application-controller' } },
        spec: { containers: [{ name: 'argocd-application-controller', image: `quay.io/argoproj/argocd:${tag}` }] },
      },
    },
  }) as any;

const bootstrap = (kubeconfig: string, ...args: string[]) => {
  const r = spawnSync('node', ['--import', 'tsx', 'cli/bootstrap.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfig, NODE_OPTIONS: '' },
  });
  return { status: r.status, lines: `${r.stdout}${r.stderr}`.trim().split('\n') };
};

describe('npm run bootstrap', () => {
  let kubeconfig = '';
  const dev = (...extra: string[]) =>
    bootstrap(kubeconfig, '--env', env.name, '--context', 'local', '--cluster-context', `${cluster}=local`, ...extra);

  it('lists every missing prerequisite, one line each, and applies nothing', async () => {
    kubeconfig = control.cp.kubeconfigFor(control.cp.adminIdentity);
    const r = dev();
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `hub (local): missing ConfigMap argocd-cm in namespace ${env.argocd.namespace}: install Argo CD in namespace ${env.argocd.namespace} (argocd.namespace)`,
      `hub (local): missing ClusterSecretStore ${env.secrets.clusterSecretStore}: create the same ClusterSecretStore in the hub (secrets.clusterSecretStore)`,
      'hub (local): missing StatefulSet argocd-application-controller: install Argo CD in the hub (docs/prerequisites.md)',
      `${cluster}: missing ClusterSecretStore ${env.secrets.clusterSecretStore}: create the ClusterSecretStore for AWS Secrets Manager named in envs (secrets.clusterSecretStore)`,
      `${cluster}: missing ClusterIssuer ${env.tls.issuer.name}: create the issuer named in envs (tls.issuer)`,
      `${cluster}: missing CSIDriver ebs.csi.aws.com: install the EBS CSI driver add-on: dist's StorageClass ${env.storageClasses.provision!.name} provisions through it`,
      'bootstrap: 6 prerequisite(s) missing; nothing applied (docs/prerequisites.md)',
    ]);
    expect(await control.kube.list('argoproj.io/v1alpha1', 'AppProject', env.argocd.namespace).catch(() => [])).toEqual([]);
  }, 60_000);

  it('refuses an Argo CD too old for server-side diff', async () => {
    const ns = env.argocd.namespace;
    expect((await applyAll(control.kube, [...standInNamespaces([ns]), argocdController('v2.14.3')])).refused).toEqual([]);
    const r = dev();
    expect(r.status).toBe(1);
    expect(r.lines).toContain(
      'hub (local): Argo CD v2.14.3 is older than v3.1.0: server-side diff, which every Application asks for, needs v3.1.0 or later (the tests replay v3.6.2)',
    );
  }, 60_000);

  it('once they exist, applies to the hub only the AppProject, the cluster Secret and the root Application', async () => {
    const ns = env.argocd.namespace;
    const { refused } = await applyAll(control.kube, [
      ...standInNamespaces([ns]),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: ns }, data: {} } as any,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: env.secrets.clusterSecretStore },
        spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } } },
      } as any,
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: env.tls.issuer.name }, spec: { selfSigned: {} } } as any,
      { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'ebs.csi.aws.com' }, spec: {} } as any,
      argocdController(controlPlane.argocd.tag),
    ]);
    expect(refused).toEqual([]);
    expect(dev('--preflight-only')).toEqual({ status: 0, lines: [`bootstrap: every prerequisite of ${env.name} is in place`] });
    const r = dev();
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.startsWith('applied ')).sort()).toEqual(
      [
        `applied AppProject/${ns}/greenlang-monitoring-${cluster} to the hub`,
        `applied ExternalSecret/${ns}/cluster-${cluster} to the hub`,
        `applied Application/${ns}/${cluster}-root to the hub`,
      ].sort(),
    );
    const apps = await control.kube.list('argoproj.io/v1alpha1', 'Application', ns);
    expect(apps.map((a: any) => [a.metadata.name, a.spec.destination.name])).toEqual([[`${cluster}-root`, env.argocd.hub.name]]);
  }, 60_000);

  it('refuses mistyped input and an unreachable server with one line and exit 1', async () => {
    const port = await freePort();
    const dead = path.join(control.cp.dir, 'kubeconfig-dead');
    const live = JSON.parse(fs.readFileSync(kubeconfig, 'utf8'));
    live.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
    fs.writeFileSync(dead, JSON.stringify(live));
    const cases: [string[], RegExp, string?][] = [
      [['--env', 'dve', '--context', 'local'], /^bootstrap: no environment "dve" \(environments: dev, staging, prod\)$/],
      [['--env', env.name, '--context', 'nope'], /^bootstrap: no kube context "nope" in the kubeconfig \(contexts: local\)$/],
      [
        ['--env', env.name, '--context', 'local', '--cluster-context', 'greenlang-prod=local'],
        /^bootstrap: --cluster-context greenlang-prod=local: dev has no cluster "greenlang-prod"/,
      ],
      [
        ['--env', env.name, '--context', 'local', '--cluster-context', 'local'],
        /^bootstrap: --cluster-context local: expected <cluster>=<kube context>$/,
      ],
      [['--env', env.name], /^bootstrap: usage: /],
      [['--env', env.name, '--context', 'local', '--bogus'], /^bootstrap: Unknown option '--bogus'/],
      [
        ['--env', env.name, '--context', 'local'],
        /^bootstrap: cannot reach the API server of kube context "local" \(https:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED/,
        dead,
      ],
    ];
    for (const [args, line, config] of cases) {
      const r = bootstrap(config ?? kubeconfig, ...args);
      expect({ args, status: r.status, first: r.lines[0] }).toEqual({ args, status: 1, first: expect.stringMatching(line) });
      expect({ args, lines: r.lines.filter((l) => !l.startsWith('usage:')).length }).toEqual({ args, lines: 1 });
    }
  }, 120_000);
});
