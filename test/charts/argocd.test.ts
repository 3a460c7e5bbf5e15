/**
 * Argo CD delivery in the hub topology: one Application per rendered folder, ordered,
 * self-healing, server-side; the root in the hub, the children on the registered workload
 * cluster; the cluster registered from the secret store; an AppProject that allows exactly what
 * we deploy. (test/control-plane/argocd.test.ts replays it with Argo CD's own code.)
 */
import { clusterRegistrationPath, DELIVERY_KINDS, healthCustomizations } from '../../charts/argocd.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../lib/paths.js';
import { synthesize } from '../../charts/index.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const tree = await synthesize(envs);
const all = manifestsOf(tree);
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass']);

describe.each(targets)('Argo CD in $label', ({ env, cluster }) => {
  const prefix = `${env.name}/${cluster.name}/`;
  const argo = all.filter((m) => m.file === `${prefix}argocd/manifests.yaml`).map((m) => m.manifest as any);
  const apps = argo.filter((m) => m.kind === 'Application');
  const project = argo.find((m) => m.kind === 'AppProject');
  const folders = [...new Set([...tree.keys()].filter((f) => f.startsWith(prefix)).map((f) => `dist/${f.slice(0, f.lastIndexOf('/'))}`))];

  it('points exactly one Application at every rendered folder: the root (this folder) in the hub, every other on this cluster', () => {
    const paths = apps.filter((a) => a.spec.source.path?.startsWith('dist/')).map((a) => a.spec.source.path);
    expect([...paths].sort()).toEqual([...folders].sort());
    for (const a of apps) {
      expect(a.metadata.namespace).toBe(env.argocd.namespace);
      expect(a.spec.project).toBe(project.metadata.name);
      const isRoot = a.spec.source.path === `dist/${prefix}argocd`;
      expect({ app: a.metadata.name, destination: a.spec.destination }).toEqual({
        app: a.metadata.name,
        destination: isRoot
          ? { name: env.argocd.hub.name, namespace: env.argocd.namespace }
          : { name: cluster.name, namespace: env.namespace },
      });
      expect(a.spec.source).toMatchObject({ repoURL: env.argocd.repoURL, targetRevision: env.argocd.targetRevision });
    }
    // Everything in this folder lives in the hub's Argo CD namespace, where the hub's controller reads it.
    for (const m of argo)
      expect({ object: `${m.kind}/${m.metadata.name}`, ns: m.metadata.namespace }).toEqual({
        object: `${m.kind}/${m.metadata.name}`,
        ns: env.argocd.namespace,
      });
  });

  it('registers this cluster with the hub under the name the children target: a cluster Secret from the secret store, EKS auth by the Terraform role', () => {
    const es = argo.find((m) => m.kind === 'ExternalSecret');
    const template = es.spec.target.template;
    expect(template.metadata.labels).toEqual({ 'argocd.argoproj.io/secret-type': 'cluster' });
    expect(template.data.name).toBe(cluster.name);
    expect(template.data.server).toBe('{{ .server }}');
    expect(JSON.parse(template.data.config)).toEqual({
      awsAuthConfig: { clusterName: cluster.name, roleARN: env.aws[cluster.name]!.argocdRoleArn },
      tlsClientConfig: { insecure: false, caData: '{{ .caData }}' },
    });
    expect(new Set(es.spec.data.map((d: any) => d.remoteRef.key))).toEqual(new Set([clusterRegistrationPath(env, cluster)]));
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: env.secrets.clusterSecretStore });
  });

  it('syncs automatically with prune, self-heal and retry with backoff, applying and diffing server-side', () => {
    for (const a of apps) {
      expect(a.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(a.spec.syncPolicy.retry.backoff).toMatchObject({ factor: 2 });
      expect(a.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
      expect(a.metadata.annotations['argocd.argoproj.io/compare-options']).toBe('ServerSideDiff=true');
    }
  });

  it("carries the hub's health checks in the environment's first cluster only (one owner of argocd-cm), never pruned or deleted", () => {
    const cms = argo.filter((m) => m.kind === 'ConfigMap');
    if (cluster.name !== env.clusters[0]!.name) {
      expect(cms).toEqual([]);
      return;
    }
    expect(cms).toHaveLength(1);
    expect(cms[0].metadata.name).toBe('argocd-cm');
    expect(cms[0].metadata.labels).toEqual({ 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' });
    expect(cms[0].metadata.annotations['argocd.argoproj.io/sync-options'].split(',').sort()).toEqual([
      'Delete=false',
      'Prune=false',
      'ServerSideApply=true',
    ]);
    expect(cms[0].data).toEqual(healthCustomizations());
  });

  const wave = (name: string) =>
    Number(apps.find((a) => a.metadata.name === `${cluster.name}-${name}`).metadata.annotations['argocd.argoproj.io/sync-wave']);

  it('orders the sync: CRDs, namespaces and storage; then secrets, certificates and the operator; then workloads; dashboards last', () => {
    for (const first of ['prometheus-operator-crds', 'namespace', 'storage']) {
      for (const next of ['secrets', 'web-tls', 'prometheus-operator'])
        expect({ first, next, before: wave(first) < wave(next) }).toEqual({ first, next, before: true });
    }
    // What a workload mounts exists before it starts: certificates and credentials one wave earlier.
    for (const prereq of [
      'secrets',
      'web-tls',
      'prometheus-operator',
      ...(env.features.enableThanos ? ['thanos-tls', 'thanos-objstore'] : []),
    ]) {
      for (const workload of ['prometheus', 'alertmanager', ...(env.features.enableThanos ? ['thanos-query', 'thanos-ruler'] : [])]) {
        expect({ prereq, workload, before: wave(prereq) < wave(workload) }).toEqual({ prereq, workload, before: true });
      }
    }
    expect(wave('prometheus')).toBeLessThan(wave('dashboards'));
  });

  it("applies the operator's CRDs from the vendored files of this environment's operator version, with server-side apply", () => {
    const crds = apps.find((a) => a.metadata.name === `${cluster.name}-prometheus-operator-crds`);
    expect(crds.spec.source).toEqual({
      repoURL: env.argocd.repoURL,
      targetRevision: env.argocd.targetRevision,
      path: `imports/crds/prometheus-operator/${env.release.images.prometheusOperator.tag}`,
    });
    expect(crds.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    const dir = path.join(repoRoot, crds.spec.source.path);
    const kinds = fs
      .readdirSync(dir)
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => (d.toJS() as any).spec.names.kind));
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Prometheus',
        'Alertmanager',
        'ThanosRuler',
        'ServiceMonitor',
        'PodMonitor',
        'ScrapeConfig',
        'PrometheusRule',
      ]),
    );
  });

  it('the AppProject allows exactly the kinds this cluster renders (by scope) and Argo CD syncs, and every namespace we render into', () => {
    const rendered = all
      .filter((m) => m.file.startsWith(prefix) && !m.file.endsWith('argocd/manifests.yaml'))
      .map((m) => m.manifest as any);
    const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
    const key = (k: { group: string; kind: string }) => `${k.group}/${k.kind}`;
    const kindsOf = (ms: any[], extra: readonly { group: string; kind: string }[]) =>
      [...new Set([...ms.map((m) => key({ group: groupOf(m.apiVersion)!, kind: m.kind })), ...extra.map(key)])].sort();
    const clusterScoped = rendered.filter((m) => CLUSTER_SCOPED.has(m.kind));
    const namespaced = rendered.filter((m) => !CLUSTER_SCOPED.has(m.kind));
    expect(project.spec.clusterResourceWhitelist.map(key).sort()).toEqual(kindsOf(clusterScoped, DELIVERY_KINDS.cluster));
    expect(project.spec.namespaceResourceWhitelist.map(key).sort()).toEqual(kindsOf(namespaced, DELIVERY_KINDS.namespaced));
    expect(project.spec.namespaceResourceWhitelist.map(key)).not.toContain('monitoring.coreos.com/*');
    for (const m of namespaced) expect(project.spec.destinations.map((d: any) => d.namespace)).toContain(m.metadata.namespace);
    expect(project.spec.sourceRepos).toEqual([env.argocd.repoURL]);
  });
});
