/**
 * The components rendered for each environment and cluster, in output order. Each renders to
 * dist/<env>/<cluster>/<name>/manifests.yaml, which one Argo CD Application syncs. Whether a
 * component is rendered is data (feature flags, designated clusters), never an env name check.
 */
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ChartContext } from './context.js';
import { alertDigestChart, digestCluster } from './alert-digest.js';
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
import { compactorCluster, thanosCompactorChart } from './thanos/compactor.js';
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
  /** Rendered only when this holds; always when absent. */
  readonly enabled?: (ctx: ChartContext) => boolean;
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

const thanos = ({ env }: ChartContext) => env.features.enableThanos;

export const components: readonly Component[] = [
  { name: 'namespace', render: namespaceChart, wave: WAVES.foundation },
  { name: 'storage', render: storageChart, wave: WAVES.foundation, enabled: ({ env }) => env.storageClasses.provision !== undefined },
  { name: 'secrets', render: secretsChart, wave: WAVES.prerequisites },
  { name: 'web-tls', render: webTlsChart, wave: WAVES.prerequisites },
  { name: 'prometheus-operator', render: prometheusOperatorChart, wave: WAVES.prerequisites },
  { name: 'prometheus', render: prometheusChart },
  { name: 'alertmanager', render: alertmanagerChart },
  { name: 'pushgateway', render: pushgatewayChart, enabled: ({ env }) => env.features.enablePushgateway },
  { name: 'exporters', render: exportersChart },
  { name: 'monitors', render: monitorsChart },
  { name: 'rules', render: rulesChart },
  { name: 'dashboards', render: dashboardsChart, wave: WAVES.last },
  { name: 'network-policies', render: networkPoliciesChart },
  { name: 'alert-digest', render: alertDigestChart, enabled: (ctx) => ctx.cluster.name === digestCluster(ctx.env) },
  { name: 'thanos-objstore', render: thanosObjstoreChart, enabled: thanos, wave: WAVES.prerequisites },
  { name: 'thanos-tls', render: thanosTlsChart, enabled: thanos, wave: WAVES.prerequisites },
  { name: 'thanos-query', render: thanosQueryChart, enabled: thanos },
  { name: 'thanos-query-frontend', render: thanosQueryFrontendChart, enabled: thanos },
  { name: 'thanos-store', render: thanosStoreChart, enabled: thanos },
  {
    name: 'thanos-compactor',
    render: thanosCompactorChart,
    enabled: (ctx) => thanos(ctx) && ctx.cluster.name === compactorCluster(ctx.env),
  },
  { name: 'thanos-ruler', render: thanosRulerChart, enabled: thanos },
  {
    name: 'thanos-query-global',
    render: thanosQueryGlobalChart,
    enabled: (ctx) => thanos(ctx) && ctx.env.thanos.global?.hostCluster === ctx.cluster.name,
  },
];
