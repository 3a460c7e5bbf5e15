/**
 * Every document of dist, for every environment and cluster, through a real kube-apiserver at the
 * pinned Kubernetes version with the pinned CRDs: server-side apply, dry run, strict field
 * validation, admission on. An unknown field, a bad value, a kind whose CRD is not pinned or a
 * Pod Security violation fails here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { applyAll, distOf, namespacesFirst, ref, targets, useControlPlane } from './cluster.js';
import { standInNamespaces } from '../../tools/control-plane.js';
import type { Manifest } from '../../lib/synth.js';

const control = useControlPlane();

describe.each(targets)('strict server-side dry run of $label', ({ env, manifests: render }) => {
  const manifests = render();

  it('the API server accepts every object, without a single warning', async () => {
    // Namespaces the platform expects to find (monitored ones, Argo CD's) are created for real.
    const existing = standInNamespaces([...env.monitoredNamespaces, env.argocd.namespace]);
    expect((await applyAll(control.kube, existing)).refused).toEqual([]);
    const namespaces = manifests.filter((m) => m.kind === 'Namespace');
    expect((await applyAll(control.kube, namespaces)).refused).toEqual([]);

    const { refused, warnings } = await applyAll(
      control.kube,
      namespacesFirst(manifests).filter((m) => m.kind !== 'Namespace'),
      { dryRun: true },
    );
    expect(refused).toEqual([]);
    // Deprecations, Pod Security and finalizer-name warnings all arrive here.
    expect(warnings).toEqual([]);
    expect(manifests.length).toBeGreaterThan(50);
  });
});

describe('the dry run can fail', () => {
  const dev = targets[0]!;
  const manifests = distOf(dev.env, dev.cluster);
  const pick = (kind: string) => structuredClone(manifests.find((m) => m.kind === kind)) as Manifest & { spec: Record<string, unknown> };

  it('refuses an unknown field in an operator CR, naming it', async () => {
    const prom = pick('Prometheus');
    prom.spec.replicaz = 2;
    const { refused } = await applyAll(control.kube, [prom], { dryRun: true });
    expect(refused).toEqual([{ object: ref(prom), error: expect.stringContaining('.spec.replicaz: field not declared in schema') }]);
  });

  it('refuses a value the CRD schema forbids', async () => {
    const rule = pick('ServiceMonitor');
    (rule.spec.endpoints as { scheme?: string }[])[0]!.scheme = 'gopher';
    const { refused } = await applyAll(control.kube, [rule], { dryRun: true });
    expect(refused).toEqual([{ object: ref(rule), error: expect.stringMatching(/422 .*scheme/) }]);
  });

  it('refuses a kind whose CRD is not pinned', async () => {
    const bogus = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusAgentz',
      metadata: { name: 'x', namespace: dev.env.namespace },
    } as Manifest;
    const { refused } = await applyAll(control.kube, [bogus], { dryRun: true });
    expect(refused[0]?.error).toMatch(/no resource for monitoring.coreos.com\/v1 PrometheusAgentz/);
  });
});

describe('npm run verify -- --dry-run-server, against this API server through a kubeconfig', () => {
  const dev = targets[0]!;
  const kubeconfig = (user: { cert: string; key: string }) => control.cp.kubeconfigFor(user);
  const verify = (file: string) =>
    spawnSync(
      'node',
      ['--import', 'tsx', 'cli/verify.ts', '--context', 'local', '--env', dev.env.name, '--cluster', dev.cluster.name, '--dry-run-server'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: file, NODE_OPTIONS: '' },
      },
    );

  it('exits 0 when the cluster accepts every object of the folder (the namespaces exist, as in a running cluster)', () => {
    const r = verify(kubeconfig(control.cp.adminIdentity));
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({
      status: 0,
      out: expect.stringMatching(/accepts all \d+ objects of dev\/greenlang-dev \(strict dry run\)/),
    });
  }, 60_000);

  it('exits 1 and names each refused object when the API server refuses (here: an identity without rights)', () => {
    const r = verify(kubeconfig(control.cp.identityOf('default', 'nobody')));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/refused {2}Prometheus\/monitoring\/prometheus: .*403/);
  }, 60_000);

  it('refuses mistyped input, an unreachable server and an untrusted one with one line and exit 1, in both modes', async () => {
    const live = JSON.parse(fs.readFileSync(kubeconfig(control.cp.adminIdentity), 'utf8'));
    const variant = (name: string, edit: (c: any) => void) => {
      const c = structuredClone(live);
      edit(c);
      const f = path.join(control.cp.dir, `kubeconfig-${name}`);
      fs.writeFileSync(f, JSON.stringify(c));
      return f;
    };
    const dead = variant('dead', (c) => (c.clusters[0].cluster.server = 'https://127.0.0.1:1'));
    const untrusted = variant(
      'untrusted',
      (c) => (c.clusters[0].cluster['certificate-authority'] = path.join(repoRoot, 'test/fixtures/untrusted-ca.crt')),
    );
    const ok = kubeconfig(control.cp.adminIdentity);
    const cases: [string, string[], RegExp][] = [
      [ok, ['--context', 'nope', '--env', dev.env.name], /^verify: no kube context "nope" in the kubeconfig \(contexts: local\)$/],
      [ok, ['--context', 'local', '--env', 'dve'], /^verify: no environment "dve" \(environments: dev, staging, prod\)$/],
      [
        ok,
        ['--context', 'local', '--env', dev.env.name, '--cluster', '../dev'],
        /^verify: dev has no cluster "..\/dev" \(clusters: greenlang-dev\)$/,
      ],
      [
        dead,
        ['--context', 'local', '--env', dev.env.name],
        /^verify: cannot reach the API server of kube context "local" \(https:\/\/127\.0\.0\.1:1\): ECONNREFUSED/,
      ],
      [
        untrusted,
        ['--context', 'local', '--env', dev.env.name],
        /^verify: cannot reach the API server of kube context "local" \(https:\/\/127\.0\.0\.1:\d+\): \S*(CERT|SELF_SIGNED|VERIFY)/,
      ],
    ];
    for (const [file, args, line] of cases) {
      for (const mode of [[], ['--dry-run-server']]) {
        const r = spawnSync('node', ['--import', 'tsx', 'cli/verify.ts', ...args, ...mode], {
          cwd: repoRoot,
          encoding: 'utf8',
          env: { ...process.env, KUBECONFIG: file, NODE_OPTIONS: '' },
        });
        const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
        expect({ args, mode, status: r.status, lines }).toEqual({ args, mode, status: 1, lines: [expect.stringMatching(line)] });
      }
    }
  }, 120_000);
});
