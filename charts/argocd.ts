/**
 * Argo CD delivery for one environment and cluster, in the hub topology: the environment's Argo
 * CD runs in a hub cluster (`argocd.hub`), and this folder is applied there, never to the
 * workload cluster. It holds:
 * - the workload cluster's registration: a cluster Secret (from the secret store: server URL and
 *   CA; EKS auth through the IAM role the hub assumes, from the Terraform outputs);
 * - an AppProject that allows exactly the kinds this cluster's components render (least
 *   privilege per cluster), into the workload cluster's namespaces and, for this folder, the
 *   hub's Argo CD namespace;
 * - one Application per rendered component (dist/<env>/<cluster>/<component>), plus the
 *   operator's CRDs from the vendored files of the environment's operator version, each
 *   targeting the workload cluster by its registered name;
 * - a root Application (app of apps) that keeps this folder itself in sync in the hub;
 * - for the environment's first cluster only, the health checks Argo CD needs (a partial
 *   argocd-cm, see hubSettings): one owner per hub.
 * Every Application syncs automatically with prune, self-heal and retries, by server-side apply
 * and server-side diff (see SYNC_OPTIONS), ordered by sync wave (WAVES in charts/index.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { AppProject, Application, type ApplicationSpec, type ApplicationSpecSyncPolicy } from '../imports/argoproj.io.js';
import { labelsFor } from '../lib/labels.js';
import { crdDir, repoRoot } from '../lib/paths.js';
import { addObject, typed, type TypedObject } from '../lib/objects.js';
import { componentPath } from '../lib/synth.js';
import { configMap } from '../lib/workload.js';
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';
import type { ChartContext } from './context.js';

import { externalSecret } from './secrets.js';
import { targetNamespaces } from './workloads.js';

export const ARGOCD_COMPONENT = 'argocd';
const WAVE = 'argocd.argoproj.io/sync-wave';
export const COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';
export const RESOURCE_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

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
    { group: 'external-secrets.io', kind: 'ExternalSecret' },
    { group: '', kind: 'ConfigMap' },
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

/**
 * Server-side apply, and (implied by it from Argo CD v3.6, and said explicitly in each
 * Application's compare options for earlier hubs) server-side diff: the live object is compared
 * with a dry-run apply of the desired one, so whatever the API server, a webhook or a controller
 * adds is on both sides, and a field dist sets that someone changes is a difference. Measured
 * with Argo CD v3.6.2's own code on dev (test/control-plane/argocd.test.ts), it finds no
 * difference in any object after a sync. The operator's CRDs need server-side apply anyway
 * (they exceed the client-side annotation limit).
 */
export const SYNC_OPTIONS = ['PruneLast=true', 'ServerSideApply=true'] as const;

const syncPolicy: ApplicationSpecSyncPolicy = {
  automated: { prune: true, selfHeal: true },
  syncOptions: [...SYNC_OPTIONS],
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
};

/** Sync wave of the operator's CRDs: before everything that uses them. */
export const CRD_WAVE = -2;

/** Where the operator's CRDs of a version are vendored (`make import`), relative to the repository. */
export function operatorCrdPath(operatorTag: string): string {
  return crdDir('prometheus-operator', operatorTag);
}

/** Secrets Manager entry with a workload cluster's API endpoint (`server`) and CA (`caData`, base64 PEM as EKS gives it). */
export function clusterRegistrationPath(env: EnvConfig, cluster: ClusterConfig): string {
  return `${env.secrets.prefix}/${env.name}/argocd-cluster/${cluster.name}`;
}

/**
 * The workload cluster as an Argo CD cluster Secret in the hub, rendered by External Secrets: the
 * endpoint and CA from the secret store, authentication through the IAM role the hub's
 * application controller assumes (IRSA in the hub; an EKS access entry on this cluster).
 */
function clusterSecret(env: EnvConfig, cluster: ClusterConfig, roleArn: string): TypedObject {
  const name = `cluster-${cluster.name}`;
  const config = {
    awsAuthConfig: { clusterName: cluster.name, roleARN: roleArn },
    tlsClientConfig: { insecure: false, caData: '{{ .caData }}' },
  };
  return externalSecret(
    env,
    name,
    clusterRegistrationPath(env, cluster),
    ['server', 'caData'],
    { name: cluster.name, server: '{{ .server }}', config: JSON.stringify(config) },
    env.argocd.namespace,
    { labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
  );
}

/** Argo CD resource customizations this platform relies on (argocd-cm keys -> script). */
export function healthCustomizations(): Record<string, string> {
  const read = (f: string) => fs.readFileSync(path.join(repoRoot, 'lib', f), 'utf8');
  return {
    // The operator's CRs: Argo CD's built-in checks read only `Available`, so a change the operator
    // refuses (Reconciled=False: a missing StorageClass, a bad spec) would show Progressing, or
    // Healthy while the previous generation still runs.
    ...Object.fromEntries(
      ['Prometheus', 'Alertmanager', 'ThanosRuler'].map((k) => [
        `resource.customizations.health.monitoring.coreos.com_${k}`,
        read('argocd-health.lua'),
      ]),
    ),
    // Applications have no health check in Argo CD: without one, waves between child Applications wait for nothing.
    'resource.customizations.health.argoproj.io_Application': read('argocd-app-health.lua'),
  };
}

export const ARGOCD_SETTINGS = 'argocd-cm';

/**
 * The keys above as a partial argocd-cm: applied server-side, Argo CD owns only these keys and
 * leaves the rest of the ConfigMap (its installation's) alone; never pruned or deleted with the
 * Application, since argocd-cm is the installation's.
 */
function hubSettings(scope: Construct, env: EnvConfig): void {
  configMap(scope, {
    name: ARGOCD_SETTINGS,
    namespace: env.argocd.namespace,
    // Argo CD's own labels, as its installation sets them: it finds its settings by part-of, and
    // a managed-by of ours would fight a Helm installation's.
    labels: { 'app.kubernetes.io/name': ARGOCD_SETTINGS, 'app.kubernetes.io/part-of': 'argocd' },
    annotations: { [RESOURCE_SYNC_OPTIONS]: 'Delete=false,Prune=false,ServerSideApply=true' },
    data: healthCustomizations(),
  });
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
  const workload = { name: cluster.name, namespace: env.namespace };
  const hub = { name: env.argocd.hub.name, namespace: ns };
  const aws = env.aws[cluster.name];
  if (!aws) throw new Error(`env "${env.name}": cluster ${cluster.name} has no Terraform outputs`);

  addObject(chart, clusterSecret(env, cluster, aws.argocdRoleArn));
  if (env.clusters[0]?.name === cluster.name) hubSettings(chart, env);

  addObject(
    chart,
    typed(AppProject, {
      metadata: { name: project, namespace: ns, labels },
      spec: {
        description: `GreenLang Prometheus platform in ${cluster.name} (${env.name}), delivered from ${hub.name}`,
        sourceRepos: [env.argocd.repoURL],
        destinations: [
          ...[...new Set([...targetNamespaces(env), ...env.pushgateway.clientNamespaces])].map((namespace) => ({
            name: cluster.name,
            namespace,
          })),
          hub,
        ],
        clusterResourceWhitelist: kinds.cluster.map((k) => ({ ...k })),
        namespaceResourceWhitelist: kinds.namespaced.map((k) => ({ ...k })),
        orphanedResources: { warn: true },
      },
    }),
  );

  const app = (
    name: string,
    wave: number,
    spec: Omit<ApplicationSpec, 'project' | 'destination' | 'syncPolicy'> & Partial<ApplicationSpec>,
  ) =>
    addObject(
      chart,
      typed(Application, {
        metadata: {
          name: `${cluster.name}-${name}`,
          namespace: ns,
          labels: { ...labels, 'greenlang.io/environment': env.name, 'greenlang.io/component': name },
          annotations: { [WAVE]: String(wave), [COMPARE_OPTIONS]: 'ServerSideDiff=true' },
          // Deleting an Application deletes what it deployed (foreground cascade, Argo CD's
          // default, named in the domain-qualified form the API server does not warn about).
          finalizers: ['resources-finalizer.argocd.argoproj.io/foreground'],
        },
        spec: { project, destination: workload, syncPolicy, ...spec },
      }),
    );
  const source = (p: string) => ({ repoUrl: env.argocd.repoURL, targetRevision: env.argocd.targetRevision, path: p });

  // The root: this folder, in the hub, so adding a component to dist adds its Application.
  app('root', -3, { source: source(dirOf(componentPath(env.name, cluster.name, ARGOCD_COMPONENT))), destination: hub });
  app('prometheus-operator-crds', CRD_WAVE, { source: source(operatorCrdPath(env.release.images.prometheusOperator.tag)) });
  for (const { name, wave } of renderedComponents.filter((c) => c.name !== ARGOCD_COMPONENT)) {
    app(name, wave, { source: source(dirOf(componentPath(env.name, cluster.name, name))) });
  }
  return chart;
}

function dirOf(file: string): string {
  return `dist/${file.slice(0, file.lastIndexOf('/'))}`;
}
