/**
 * The global view (multi-cluster): one Thanos Query in the designated host cluster that
 * federates every cluster's thanos-query over gRPC. Series stay apart by their `cluster`
 * external label; the same replica labels are deduplicated. Every endpoint is dialled with
 * mutual TLS (the environment's clusters share the issuer, so they trust each other).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../../envs/schema.js';
import { versioned } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { pdb, service, serviceAccount, serviceMonitor } from '../../lib/workload.js';
import type { ChartContext } from '../context.js';
import {
  grpcClientConfig,
  grpcTlsMount,
  grpcTlsVolume,
  HTTP_PORT,
  THANOS_PORTS,
  thanosContainer,
  thanosDeployment,
  queryApiTls,
} from './common.js';
import { queryArgs } from './query.js';
import { selectorLabels } from '../../lib/labels.js';

import { GRAFANA, tcp, type EgressFlow, type Flow } from '../flows.js';
import { ALERT_DIGEST, PROMETHEUS, QUERY_GLOBAL } from '../workloads.js';
import { type Component, own } from '../component.js';

/** Endpoint config: every cluster's query, sorted by cluster name for stable output, all over mutual TLS. */
export function globalEndpointConfig(env: EnvConfig): unknown {
  const g = env.thanos.global!;
  return {
    default_client_config: grpcClientConfig(env),
    endpoints: Object.keys(g.endpoints)
      .sort()
      .map((cluster) => ({ address: g.endpoints[cluster]! })),
  };
}

export function thanosQueryGlobalChart(scope: Construct, { env }: ChartContext): Chart {
  const queryglobalW = versioned(QUERY_GLOBAL, env);
  const chart = new Chart(scope, 'thanos-query-global');
  const ns = env.namespace;
  const q = env.thanos.query;

  serviceAccount(chart, queryglobalW, ns);
  const api = queryApiTls(chart, queryglobalW, ns);
  addObject(
    chart,
    thanosDeployment(
      queryglobalW,
      env,
      q.replicas,
      thanosContainer({
        env,
        name: 'thanos-query',
        args: [...queryArgs(env, globalEndpointConfig(env)), ...api.args],
        resources: q.resources,
        volumeMounts: [grpcTlsMount, ...api.volumeMounts],
        queryApi: true,
        // The top of the fan-out: nothing dials its StoreAPI, so only the HTTP API is exposed.
        grpc: false,
      }),
      [grpcTlsVolume, ...api.volumes],
    ),
  );
  addObject(
    chart,
    service(
      queryglobalW,
      ns,
      THANOS_PORTS.filter((p) => p.port === HTTP_PORT),
    ),
  );
  if (q.replicas > 1) addObject(chart, pdb(queryglobalW, ns));
  addObject(chart, serviceMonitor(queryglobalW, ns, 'http', env.prometheus.scrapeInterval, api.monitorTls));
  return chart;
}

/** The global query dials each other cluster's query at its internal NLB, whose addresses are in that cluster's load-balancer subnets. */
export function queryGlobalEgress({ plan }: ChartContext): EgressFlow[] {
  return plan.remoteQueries.map((r) => ({
    name: `thanos-query-global-to-${r.cluster.name}`,
    from: selectorLabels(QUERY_GLOBAL),
    to: r.cluster.network!.internalLoadBalancerSubnets.map((cidr) => ({ ipBlock: { cidr } })),
    ports: tcp(r.port),
  }));
}

/** Who may query the global view: Grafana, the digest, and Prometheus for its metrics. */
export function queryGlobalIngress(): Flow[] {
  return [
    {
      name: 'thanos-query-global-http',
      to: selectorLabels(QUERY_GLOBAL),
      from: [GRAFANA, ALERT_DIGEST, PROMETHEUS],
      ports: tcp(HTTP_PORT),
    },
  ];
}

export const thanosQueryGlobalComponent: Component = {
  name: 'thanos-query-global',
  render: thanosQueryGlobalChart,
  runs: (p) => p.globalQuery,
  pods: [own(QUERY_GLOBAL)],
  ingress: queryGlobalIngress,
  egress: queryGlobalEgress,
};
