/**
 * The global view (multi-cluster): one Thanos Query in the designated host cluster that
 * federates every cluster's thanos-query over gRPC. Series stay apart by their `cluster`
 * external label; the same replica labels are deduplicated. With `tls`, each endpoint is
 * dialled with the client certificate from the `thanos-query-global-tls` Secret
 * (cert-manager's ca.crt/tls.crt/tls.key layout).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../../envs/schema.js';
import type { Workload } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { pdb, service, serviceAccount, serviceMonitor } from '../../lib/workload.js';
import type { ChartContext } from '../context.js';
import { THANOS_PORTS, thanosContainer, thanosDeployment } from './common.js';
import { queryArgs } from './query.js';

export const QUERY_GLOBAL: Workload = { name: 'thanos-query-global', component: 'query-global', versionOf: 'thanos' };
export const GLOBAL_TLS_SECRET = 'thanos-query-global-tls';
const TLS_MOUNT = '/etc/thanos/tls';

/** Endpoint config: every cluster's query, sorted by cluster name for stable output. */
export function globalEndpointConfig(env: EnvConfig): unknown {
  const g = env.thanos.global!;
  const tls = g.tls
    ? { tls_config: { enabled: true, ca_file: `${TLS_MOUNT}/ca.crt`, cert_file: `${TLS_MOUNT}/tls.crt`, key_file: `${TLS_MOUNT}/tls.key` } }
    : undefined;
  return {
    ...(tls ? { default_client_config: tls } : {}),
    endpoints: Object.keys(g.endpoints)
      .sort()
      .map((cluster) => ({ address: g.endpoints[cluster]! })),
  };
}

export function thanosQueryGlobalChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'thanos-query-global');
  const ns = env.namespace;
  const q = env.thanos.query;
  const tls = env.thanos.global!.tls;

  addObject(chart, serviceAccount(QUERY_GLOBAL, ns));
  addObject(
    chart,
    thanosDeployment(
      QUERY_GLOBAL,
      ns,
      q.replicas,
      thanosContainer({
        name: 'thanos-query',
        args: queryArgs(env, globalEndpointConfig(env)),
        resources: q.resources,
        volumeMounts: tls ? [{ name: 'tls', mountPath: TLS_MOUNT, readOnly: true }] : [],
      }),
      tls ? [{ name: 'tls', secret: { secretName: GLOBAL_TLS_SECRET } }] : undefined,
    ),
  );
  addObject(chart, service(QUERY_GLOBAL, ns, THANOS_PORTS));
  if (q.replicas > 1) addObject(chart, pdb(QUERY_GLOBAL, ns));
  addObject(chart, serviceMonitor(QUERY_GLOBAL, ns, 'http', env.prometheus.scrapeInterval));
  return chart;
}
