/** Properties of the rendered Prometheus HA pair that must hold in every environment and cluster. */
import { ARGOCD_SETTINGS } from '../../charts/argocd.js';

import { envFiles, resolveAll } from '../../envs/index.js';
import { RETENTION_SIZE_MAX_SHARE } from '../../envs/schema.js';
import { REPLICA_LABELS } from '../../lib/replica-labels.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import { type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { parseByteSize, parseQuantity } from '../../lib/units.js';
import { fixtureOutputsDir, solo } from '../fixtures/envs.js';
import { manifestsOf } from '../helpers/tree.js';
import { SYSTEM_TARGET_NAMESPACES } from '../../charts/workloads.js';

const envs = [...resolveAll(envFiles), ...resolveAll([solo], { terraformOutputsDir: fixtureOutputsDir })];
const all = manifestsOf(await synthesize(envs));

/** Manifests rendered for one env/cluster. */
function rendered(env: string, cluster: string): Manifest[] {
  return all.filter((m) => m.file.startsWith(`${env}/${cluster}/`)).map((m) => m.manifest);
}
const one = (ms: Manifest[], kind: string, name: string) => {
  const found = ms.filter((m) => m.kind === kind && m.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0] as Manifest & { spec: any };
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

describe.each(targets)('Prometheus in $label', ({ env, cluster }) => {
  const ms = rendered(env.name, cluster.name);
  const prom = one(ms, 'Prometheus', 'prometheus');
  const spec = prom.spec;
  // Labels the operator gives the pods, plus ours from podMetadata.
  const podLabels = { ...spec.podMetadata.labels, 'operator.prometheus.io/name': 'prometheus', 'app.kubernetes.io/instance': 'prometheus' };

  it('runs the configured replicas of the pinned image', () => {
    expect(spec.replicas).toBe(env.prometheus.replicas);
    expect(spec.image).toMatch(new RegExp(`:${spec.version.replace(/\./g, '\\.')}$`));
  });

  it('sets cluster and region external labels and leaves the replica label to the operator', () => {
    expect(spec.externalLabels).toMatchObject({ cluster: cluster.name, region: cluster.region });
    expect(spec.replicaExternalLabelName).toBe(REPLICA_LABELS.prometheus);
    const labelNames = Object.keys(spec.externalLabels);
    expect(labelNames).not.toContain('replica');
    expect(labelNames).not.toContain(REPLICA_LABELS.prometheus);
  });

  it('keeps retentionSize within the PVC headroom', () => {
    const cap = parseByteSize(spec.retentionSize)!;
    const pvc = parseQuantity(spec.storage.volumeClaimTemplate.spec.resources.requests.storage)!;
    expect(cap).toBeLessThanOrEqual(pvc * RETENTION_SIZE_MAX_SHARE);
    expect(spec.retention).toBe('7d');
  });

  it('requires hostname anti-affinity and a PDB exactly when it is a pair', () => {
    const pdbs = ms.filter((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === 'prometheus') as any[];
    if (spec.replicas > 1) {
      const terms = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      expect(terms).toHaveLength(1);
      expect(terms[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(matches(terms[0].labelSelector.matchLabels, podLabels)).toBe(true);
      expect(pdbs).toHaveLength(1);
      expect(matches(pdbs[0].spec.selector.matchLabels, podLabels)).toBe(true);
      expect(pdbs[0].spec.maxUnavailable).toBe(1);
    } else {
      expect(spec.affinity).toBeUndefined();
      expect(pdbs).toHaveLength(0);
    }
  });

  it('selects every monitor and rule in exactly the watched namespaces (no release-label trap)', () => {
    const watched = [env.namespace, ...env.monitoredNamespaces];
    expect(spec.ruleSelector).toEqual({
      matchExpressions: [{ key: RULE_EVALUATOR_LABEL, operator: 'NotIn', values: [THANOS_RULER_EVALUATOR] }],
    });
    for (const kind of ['serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig', 'rule']) {
      if (kind !== 'rule') expect(spec[`${kind}Selector`]).toEqual({});
      expect(spec[`${kind}NamespaceSelector`]).toEqual({
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: watched }],
      });
    }
  });

  it('can discover targets in every watched namespace and nothing more', () => {
    const sa = one(ms, 'ServiceAccount', spec.serviceAccountName);
    const roles = ms.filter((m) => m.kind === 'Role' && m.metadata.name === 'prometheus-discovery');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(
      [env.namespace, ...env.monitoredNamespaces, ...SYSTEM_TARGET_NAMESPACES, env.hostNamespace].sort(),
    );
    for (const role of roles as any[]) {
      for (const rule of role.rules) expect(rule.verbs).toEqual(['get', 'list', 'watch']);
      const binding = one(
        ms.filter((m) => m.metadata.namespace === role.metadata.namespace),
        'RoleBinding',
        role.metadata.name,
      ) as any;
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: env.namespace }]);
    }
    // Cluster-wide, only what Prometheus' own ServiceAccount is bound to.
    const bound = (ms.filter((m) => m.kind === 'ClusterRoleBinding') as any[])
      .filter((b) =>
        b.subjects.some((x: any) => x.kind === 'ServiceAccount' && x.name === sa.metadata.name && x.namespace === env.namespace),
      )
      .map((b) => b.roleRef.name);
    const clusterRoles = ms.filter((m) => m.kind === 'ClusterRole' && bound.includes(m.metadata.name)) as any[];
    expect(clusterRoles.length).toBeGreaterThan(0);
    for (const cr of clusterRoles)
      for (const rule of cr.rules) expect(rule.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
  });

  it('bounds the query work it accepts (PromQL and the remote reads behind every Thanos query), from config', () => {
    expect(spec.query).toEqual({ maxConcurrency: env.prometheus.queryLimits.maxConcurrency, timeout: env.prometheus.queryLimits.timeout });
    expect(spec.additionalArgs).toEqual([
      { name: 'storage.remote.read-concurrent-limit', value: String(env.prometheus.queryLimits.remoteReadConcurrency) },
    ]);
  });

  it('sends alerts to every Alertmanager replica through the headless service', () => {
    expect(spec.alerting.alertmanagers).toEqual([
      {
        namespace: env.namespace,
        name: 'alertmanager-operated',
        port: 'web',
        apiVersion: 'v2',
        scheme: 'https',
        tlsConfig: { ca: { secret: { name: 'monitoring-web-tls', key: 'ca.crt' } }, serverName: `monitoring-web.${env.namespace}.svc` },
      },
    ]);
    // Alertmanager serves what Prometheus expects: HTTPS with the same namespace certificate.
    const am = one(ms, 'Alertmanager', 'alertmanager') as any;
    expect(am.spec.web.tlsConfig.keySecret).toEqual({ name: 'monitoring-web-tls', key: 'tls.key' });
    expect(spec.web.tlsConfig.cert).toEqual({ secret: { name: 'monitoring-web-tls', key: 'tls.crt' } });
  });

  it('scrapes itself: ServiceMonitor -> Service -> Prometheus pods', () => {
    const svc = one(ms, 'Service', 'prometheus') as any;
    const sm = one(ms, 'ServiceMonitor', 'prometheus') as any;
    expect(matches(svc.spec.selector, podLabels)).toBe(true);
    expect(matches(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([svc.metadata.namespace]);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
  });

  it('gives every object stable names and the standard labels', () => {
    // Except Argo CD's own settings (a few keys of its argocd-cm), which keep its installation's labels.
    for (const m of ms.filter((x) => !(x.kind === 'ConfigMap' && x.metadata.name === ARGOCD_SETTINGS))) {
      expect(m.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$|-[0-9a-f]{8,}$/);
      const labels = (m.metadata as { labels?: Record<string, string> }).labels ?? {};
      expect(labels).toMatchObject({ 'app.kubernetes.io/part-of': 'greenlang-monitoring', 'app.kubernetes.io/managed-by': 'cdk8s' });
      if (m.kind !== 'Namespace') {
        expect(Object.keys(labels)).toEqual(expect.arrayContaining(['app.kubernetes.io/name', 'app.kubernetes.io/component']));
      }
    }
  });
});

it('renders the whole matrix: dev, staging and both prod clusters', () => {
  expect([...new Set(all.map((m) => m.file.split('/').slice(0, 2).join('/')))]).toEqual(
    expect.arrayContaining(['dev/greenlang-dev', 'staging/greenlang-staging', 'prod/greenlang-prod-use1', 'prod/greenlang-prod-euw1']),
  );
});
