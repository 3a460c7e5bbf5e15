/**
 * Argo CD delivery for one environment and cluster: an AppProject limited to what the platform
 * deploys, one Application per rendered component (dist/<env>/<cluster>/<component>), the
 * operator's CRDs from the vendored files of the environment's operator version
 * (imports/crds/prometheus-operator/<tag>), and a root Application that keeps this folder itself
 * in sync (app of apps). Every Application syncs automatically with prune and self-heal, retries
 * with backoff, and is ordered by sync wave (see WAVES in charts/index.ts): CRDs, namespaces and
 * the StorageClass; then secrets, certificates and the operator; then the workloads; dashboards
 * last. Waves between Applications only wait when Argo CD knows an Application's health: the
 * argocd-cm patch (docs/argocd) adds that check.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { AppProject, Application, type ApplicationSpec, type ApplicationSpecSyncPolicy } from '../imports/argoproj.io.js';
import { labelsFor } from '../lib/labels.js';
import { crdDir } from '../lib/paths.js';
import { addObject, typed } from '../lib/objects.js';
import { componentPath } from '../lib/synth.js';
import type { ChartContext } from './context.js';
import { targetNamespaces } from './monitors.js';

export const ARGOCD_COMPONENT = 'argocd';
const WAVE = 'argocd.argoproj.io/sync-wave';

/** Kinds the platform deploys; the AppProject allows these and nothing else. */
export const CLUSTER_KINDS = [
  { group: '', kind: 'Namespace' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
  { group: 'storage.k8s.io', kind: 'StorageClass' },
] as const;
export const NAMESPACED_KINDS = [
  { group: '', kind: 'ConfigMap' },
  { group: '', kind: 'Secret' },
  { group: '', kind: 'Service' },
  { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'apps', kind: 'StatefulSet' },
  { group: 'apps', kind: 'DaemonSet' },
  { group: 'batch', kind: 'CronJob' },
  { group: 'batch', kind: 'Job' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
  { group: 'rbac.authorization.k8s.io', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'monitoring.coreos.com', kind: '*' },
  { group: 'external-secrets.io', kind: 'ExternalSecret' },
  { group: 'cert-manager.io', kind: 'Certificate' },
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'argoproj.io', kind: 'AppProject' },
] as const;

const syncPolicy = (serverSide: boolean): ApplicationSpecSyncPolicy => ({
  automated: { prune: true, selfHeal: true },
  syncOptions: ['PruneLast=true', ...(serverSide ? ['ServerSideApply=true'] : [])],
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
});

/** Sync wave of the operator's CRDs: before everything that uses them. */
export const CRD_WAVE = -2;

/** Where the operator's CRDs of a version are vendored (`make import`), relative to the repository. */
export function operatorCrdPath(operatorTag: string): string {
  return crdDir('prometheus-operator', operatorTag);
}

export function argocdChart(
  scope: Construct,
  { env, cluster }: ChartContext,
  renderedComponents: readonly { name: string; wave: number }[],
): Chart {
  const chart = new Chart(scope, ARGOCD_COMPONENT);
  const ns = env.argocd.namespace;
  const project = `greenlang-monitoring-${cluster.name}`;
  const labels = labelsFor({ name: project, component: 'delivery' });
  const destination = { name: cluster.name, namespace: env.namespace };
  const namespaces = [...new Set([...targetNamespaces(env), ns])];

  addObject(
    chart,
    typed(AppProject, {
      metadata: { name: project, namespace: ns, labels },
      spec: {
        description: `GreenLang Prometheus platform in ${cluster.name} (${env.name})`,
        sourceRepos: [env.argocd.repoURL],
        destinations: namespaces.map((namespace) => ({ name: cluster.name, namespace })),
        clusterResourceWhitelist: CLUSTER_KINDS.map((k) => ({ ...k })),
        namespaceResourceWhitelist: NAMESPACED_KINDS.map((k) => ({ ...k })),
        orphanedResources: { warn: true },
      },
    }),
  );

  const app = (name: string, wave: number, spec: Omit<ApplicationSpec, 'project' | 'destination'> & Partial<ApplicationSpec>) =>
    addObject(
      chart,
      typed(Application, {
        metadata: {
          name: `${cluster.name}-${name}`,
          namespace: ns,
          labels: { ...labels, 'greenlang.io/environment': env.name, 'greenlang.io/component': name },
          annotations: { [WAVE]: String(wave) },
          // Deleting an Application deletes what it deployed (foreground cascade, Argo CD's
          // default, named in the domain-qualified form the API server does not warn about).
          finalizers: ['resources-finalizer.argocd.argoproj.io/foreground'],
        },
        spec: { project, destination, ...spec },
      }),
    );

  // The root: this folder, so adding a component to dist adds its Application.
  app('root', -3, {
    source: {
      repoUrl: env.argocd.repoURL,
      targetRevision: env.argocd.targetRevision,
      path: dirOf(componentPath(env.name, cluster.name, ARGOCD_COMPONENT)),
    },
    destination: { name: cluster.name, namespace: ns },
    syncPolicy: syncPolicy(false),
  });
  // The CRDs exceed the client-side apply annotation limit: server-side apply.
  app('prometheus-operator-crds', CRD_WAVE, {
    source: {
      repoUrl: env.argocd.repoURL,
      targetRevision: env.argocd.targetRevision,
      path: operatorCrdPath(env.release.images.prometheusOperator.tag),
    },
    syncPolicy: syncPolicy(true),
  });
  for (const { name, wave } of renderedComponents.filter((c) => c.name !== ARGOCD_COMPONENT)) {
    app(name, wave, {
      source: {
        repoUrl: env.argocd.repoURL,
        targetRevision: env.argocd.targetRevision,
        path: dirOf(componentPath(env.name, cluster.name, name)),
      },
      syncPolicy: syncPolicy(false),
    });
  }
  return chart;
}

function dirOf(file: string): string {
  return `dist/${file.slice(0, file.lastIndexOf('/'))}`;
}
