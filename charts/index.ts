/**
 * The components rendered for each environment and cluster, in output order. Each renders to
 * dist/<env>/<cluster>/<name>/manifests.yaml, which one Argo CD Application syncs. Whether a
 * component is rendered is decided by the cluster's plan (charts/plan.ts), never an env name check.
 */
import { App, type Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';
import { validateRendered, type Manifest, type RenderedChart, type RenderedTree } from '../lib/synth.js';
import { ARGOCD_COMPONENT, argocdChart } from './argocd.js';
import type { ChartContext } from './context.js';
import { planCluster, type ClusterPlan } from './plan.js';
import { alertDigestChart } from './alert-digest.js';
import { alertmanagerChart } from './alertmanager.js';
import { dashboardsChart } from './dashboards/index.js';
import { exportersChart } from './exporters.js';
import { monitorsChart } from './monitors.js';
import { namespaceChart } from './namespace.js';
import { networkPoliciesChart } from './network-policies.js';
import { prometheusChart } from './prometheus.js';
import { prometheusOperatorChart } from './prometheus-operator.js';
import { pushgatewayChart } from './pushgateway.js';
import { rulesChart } from './rules/index.js';
import { secretsChart } from './secrets.js';
import { storageChart } from './storage.js';
import { thanosCompactorChart } from './thanos/compactor.js';
import { thanosObjstoreChart } from './thanos/objstore.js';
import { thanosQueryChart } from './thanos/query.js';
import { thanosQueryFrontendChart } from './thanos/query-frontend.js';
import { thanosQueryGlobalChart } from './thanos/query-global.js';
import { thanosRulerChart } from './thanos/ruler.js';
import { thanosStoreChart } from './thanos/store.js';
import { thanosTlsChart } from './thanos/tls.js';
import { webTlsChart } from './web-tls.js';

export interface Component {
  readonly name: string;
  readonly render: (scope: Construct, ctx: ChartContext) => Chart;
  /** Rendered only when the cluster's plan runs it; always when absent. */
  readonly runs?: (plan: ClusterPlan) => boolean;
  /** Argo CD sync wave of its Application (0 when absent); see WAVES. */
  readonly wave?: number;
}

/**
 * Bootstrap order on a fresh cluster, so it converges without retries: namespaces, CRDs
 * (charts/argocd.ts) and the StorageClass first; then what workloads mount or need running
 * (credentials, certificates, the objstore config, the operator); then the workloads;
 * dashboards last.
 */
const WAVES = { foundation: -2, prerequisites: -1, workloads: 0, last: 1 } as const;

const thanos = (p: ClusterPlan) => p.thanos;

export const components: readonly Component[] = [
  { name: 'namespace', render: namespaceChart, wave: WAVES.foundation },
  { name: 'storage', render: storageChart, wave: WAVES.foundation, runs: (p) => p.storageClass },
  { name: 'secrets', render: secretsChart, wave: WAVES.prerequisites },
  { name: 'web-tls', render: webTlsChart, wave: WAVES.prerequisites },
  { name: 'prometheus-operator', render: prometheusOperatorChart, wave: WAVES.prerequisites },
  { name: 'prometheus', render: prometheusChart },
  { name: 'alertmanager', render: alertmanagerChart },
  { name: 'pushgateway', render: pushgatewayChart, runs: (p) => p.pushgateway },
  { name: 'exporters', render: exportersChart },
  { name: 'monitors', render: monitorsChart },
  { name: 'rules', render: rulesChart },
  { name: 'dashboards', render: dashboardsChart, wave: WAVES.last },
  { name: 'network-policies', render: networkPoliciesChart },
  { name: 'alert-digest', render: alertDigestChart, runs: (p) => p.alertDigest },
  { name: 'thanos-objstore', render: thanosObjstoreChart, runs: thanos, wave: WAVES.prerequisites },
  { name: 'thanos-tls', render: thanosTlsChart, runs: thanos, wave: WAVES.prerequisites },
  { name: 'thanos-query', render: thanosQueryChart, runs: thanos },
  { name: 'thanos-query-frontend', render: thanosQueryFrontendChart, runs: thanos },
  { name: 'thanos-store', render: thanosStoreChart, runs: thanos },
  {
    name: 'thanos-compactor',
    render: thanosCompactorChart,
    runs: (p) => p.compactor,
  },
  { name: 'thanos-ruler', render: thanosRulerChart, runs: thanos },
  {
    name: 'thanos-query-global',
    render: thanosQueryGlobalChart,
    runs: (p) => p.globalQuery,
  },
];

/** One cluster's charts as manifests, in output order (Argo CD's Applications last). Not validated. */
export function renderCluster(env: EnvConfig, cluster: ClusterConfig, registry: readonly Component[] = components): RenderedChart[] {
  const app = new App();
  const ctx: ChartContext = { env, cluster, plan: planCluster(env, cluster) };
  const running = registry.filter((c) => !c.runs || c.runs(ctx.plan));
  const out = running.map((c) => ({ chart: c.name, manifests: c.render(app, ctx).toJson() as Manifest[] }));
  // Delivery last: it points one Argo CD Application at each folder rendered above.
  const folders = running.map((c) => ({ name: c.name, wave: c.wave ?? 0 }));
  out.push({ chart: ARGOCD_COMPONENT, manifests: argocdChart(app, ctx, folders).toJson() as Manifest[] });
  return out;
}

/** Every environment and cluster rendered from the registry and validated: the files of dist/. */
export function synthesize(envs: readonly EnvConfig[], registry: readonly Component[] = components): Promise<RenderedTree> {
  return validateRendered(
    envs.flatMap((env) =>
      env.clusters.flatMap((cluster) => renderCluster(env, cluster, registry).map((r) => ({ env, cluster: cluster.name, ...r }))),
    ),
  );
}
