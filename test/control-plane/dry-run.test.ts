/**
 * Every document of dist, for every environment and cluster, through a real kube-apiserver at the
 * pinned Kubernetes version with the pinned CRDs: server-side apply, dry run, strict field
 * validation, admission on. An unknown field, a bad value, a kind whose CRD is not pinned or a
 * Pod Security violation fails here.
 */
import { applyAll, distOf, namespacesFirst, ref, targets, useControlPlane } from './cluster.js';
import { standInNamespaces } from '../../tools/control-plane.js';
import type { Manifest } from '../../lib/synth.js';

const control = useControlPlane();

describe.each(targets)('strict server-side dry run of dist/$label', ({ env, cluster }) => {
  const manifests = distOf(env, cluster);

  it('the API server accepts every object, without a single warning', async () => {
    // Namespaces the platform expects to find (monitored ones, Argo CD's) are created for real.
    const existing = standInNamespaces([...env.monitoredNamespaces, env.argocd.namespace]);
    expect((await applyAll(control.kube, existing)).refused).toEqual([]);
    const namespaces = manifests.filter((m) => m.kind === 'Namespace');
    expect((await applyAll(control.kube, namespaces)).refused).toEqual([]);

    const { refused, warnings } = await applyAll(control.kube, namespacesFirst(manifests).filter((m) => m.kind !== 'Namespace'), { dryRun: true });
    expect(refused).toEqual([]);
    // Deprecations, Pod Security and finalizer-name warnings all arrive here.
    expect(warnings).toEqual([]);
    expect(manifests.length).toBeGreaterThan(100);
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
    const bogus = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusAgentz', metadata: { name: 'x', namespace: dev.env.namespace } } as Manifest;
    const { refused } = await applyAll(control.kube, [bogus], { dryRun: true });
    expect(refused[0]?.error).toMatch(/no resource for monitoring.coreos.com\/v1 PrometheusAgentz/);
  });
});
