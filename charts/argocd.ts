/**
 * Argo CD delivery for one environment and cluster: an AppProject that allows exactly the kinds
 * this cluster's components render (least privilege per cluster), one Application per rendered component (dist/<env>/<cluster>/<component>), the
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

/** A kind an Application may sync, by API group. */
export interface AllowedKind {
  readonly group: string;
  readonly kind: string;
}

/** What Argo CD itself syncs besides the component folders: the operator's CRDs and this folder's objects. */
export const DELIVERY_KINDS = {
  cluster: [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }],
  namespaced: [
    { group: 'argoproj.io', kind: 'Application' },
    { group: 'argoproj.io', kind: 'AppProject' },
  ],
} as const;

/**
 * The kinds of rendered manifests, split by scope (a manifest without a namespace is
 * cluster-scoped), with Argo CD's own: what the AppProject allows, and nothing else.
 */
export function allowedKinds(manifests: readonly { apiVersion: string; kind: string; metadata: { namespace?: string } }[]): {
  cluster: AllowedKind[];
  namespaced: AllowedKind[];
} {
  const of = (ms: typeof manifests, extra: readonly AllowedKind[]) => {
    const seen = new Map<string, AllowedKind>();
    for (const k of [...ms.map((m) => ({ group: m.apiVersion.includes('/') ? m.apiVersion.split('/')[0]! : '', kind: m.kind })), ...extra])
      seen.set(`${k.group}/${k.kind}`, { group: k.group, kind: k.kind });
    return [...seen.values()].sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
  };
  return {
    cluster: of(
      manifests.filter((m) => !m.metadata.namespace),
      DELIVERY_KINDS.cluster,
    ),
    namespaced: of(
      manifests.filter((m) => m.metadata.namespace),
      DELIVERY_KINDS.namespaced,
    ),
  };
}

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
  kinds: { cluster: readonly AllowedKind[]; namespaced: readonly AllowedKind[] },
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
        clusterResourceWhitelist: kinds.cluster.map((k) => ({ ...k })),
        namespaceResourceWhitelist: kinds.namespaced.map((k) => ({ ...k })),
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
