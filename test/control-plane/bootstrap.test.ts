/**
 * `npm run bootstrap` against the tier's API server, playing both the hub and the workload
 * cluster (one kube context, `local`): the preflight names every missing prerequisite and applies
 * nothing; every key dist's ExternalSecrets read is looked up in the secret store (moto's Secrets
 * Manager emulator stands in for AWS, which cannot run here); once they exist, only what Argo CD
 * needs to take over lands in the hub; mistyped input and an unreachable server get one line and exit 1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { envFiles, resolveAll } from '../../envs/index.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { secretKeysOf } from '../../lib/secret-keys.js';
import { controlPlane } from '../../envs/versions.js';
import { repoRoot } from '../../lib/paths.js';
import { standInNamespaces } from '../../tools/control-plane.js';
import { freePort, useProcesses } from '../helpers/proc.js';
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

const procs = useProcesses();
/** The AWS SDK's endpoint override and dummy credentials, pointing the preflight at the emulator. */
let aws: Record<string, string> = {};
/** Every Secrets Manager secret dist/dev reads, with the properties read from it. */
const needed = new Map<string, Set<string>>();
for (const ref of secretKeysOf(manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster))))) {
  needed.set(ref.key, (needed.get(ref.key) ?? new Set()).add(ref.property!));
}
const store = () =>
  new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: aws.AWS_ENDPOINT_URL_SECRETS_MANAGER,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
const secretValue = (props: Iterable<string>, without?: string) =>
  JSON.stringify(Object.fromEntries([...props].filter((p) => p !== without).map((p) => [p, `value-of-${p}`])));

beforeAll(async () => {
  const moto = await procs.start({
    tool: 'python',
    command: path.join(repoRoot, 'tools/moto/.venv/bin/moto_server'),
    args: ({ port }) => ['-H', '127.0.0.1', '-p', String(port)],
    readyPath: '/moto-api/',
  });
  aws = { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  for (const [name, props] of needed) await store().send(new CreateSecretCommand({ Name: name, SecretString: secretValue(props) }));
}, 60_000);

const bootstrap = (kubeconfig: string, ...args: string[]) => bootstrapWith({ ...aws, KUBECONFIG: kubeconfig }, ...args);
const bootstrapWith = (extra: Record<string, string>, ...args: string[]) => {
  const r = spawnSync('node', ['--import', 'tsx', 'cli/bootstrap.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...extra, NODE_OPTIONS: '' },
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

  it('names each secret and key the store lacks, and a store it cannot read, before anything fails in the cluster', async () => {
    expect(needed.size).toBeGreaterThanOrEqual(3);
    const alertmanager = [...needed].find(([, props]) => [...props].some((p) => p.startsWith('heartbeat-url/')))!;
    const heartbeat = [...alertmanager[1]].find((p) => p.startsWith('heartbeat-url/'))!;
    const hubSecret = [...needed.keys()].find((k) => k.includes('/argocd-cluster/'))!;
    await store().send(new PutSecretValueCommand({ SecretId: alertmanager[0], SecretString: secretValue(alertmanager[1], heartbeat) }));
    await store().send(new DeleteSecretCommand({ SecretId: hubSecret, ForceDeleteWithoutRecovery: true }));
    try {
      const r = dev('--preflight-only');
      expect(r).toEqual({
        status: 1,
        lines: [
          `hub (local): missing secret "${hubSecret}" in the secret store: ExternalSecret ${env.argocd.namespace}/cluster-${cluster} would fail as a whole`,
          `${cluster}: secret "${alertmanager[0]}" has no key "${heartbeat}": ExternalSecret ${env.namespace}/${env.alertmanager.credentialsSecret} would fail as a whole`,
          'bootstrap: 2 prerequisite(s) missing; nothing applied (docs/prerequisites.md)',
        ],
      });
    } finally {
      await store().send(new PutSecretValueCommand({ SecretId: alertmanager[0], SecretString: secretValue(alertmanager[1]) }));
      await store().send(new CreateSecretCommand({ Name: hubSecret, SecretString: secretValue(needed.get(hubSecret)!) }));
    }
    expect(dev('--preflight-only').status).toBe(0);
    // Without AWS credentials: one line that says what it tried and how to go on without the check.
    const noAws = {
      KUBECONFIG: kubeconfig,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: path.join(control.cp.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(control.cp.dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const args = ['--env', env.name, '--context', 'local', '--cluster-context', `${cluster}=local`, '--preflight-only'];
    const r = bootstrapWith(noAws, ...args);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      expect.stringMatching(
        /^bootstrap: cannot read secret "[^"]+" from Secrets Manager in us-east-1: \w+: .+ \(or pass --skip-secret-check\)$/,
      ),
    ]);
    expect(bootstrapWith(noAws, ...args, '--skip-secret-check').status).toBe(0);
  }, 120_000);

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
