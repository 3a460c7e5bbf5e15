/**
 * Thanos Query: the deduplicating view over every StoreAPI in the cluster. Endpoints are
 * discovered by DNS SRV on the headless Services of the sidecars, store gateways and ruler.
 */
import type { Slo } from '../rules/slo.js';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { ClusterConfig, EnvConfig } from '../../envs/schema.js';
import { labelsFor, versioned, type Workload } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { ALL_REPLICA_LABELS } from '../../lib/replica-labels.js';
import { pdb, service, serviceAccount, serviceMonitor } from '../../lib/workload.js';
import type { ChartContext } from '../context.js';
import {
  queryApiTls,
  grpcClientConfig,
  grpcServerTlsArgs,
  grpcTlsMount,
  grpcTlsVolume,
  srv,
  serverArgs,
  THANOS_PORTS,
  thanosContainer,
  thanosDeployment,
} from './common.js';

import { SIDECAR_SERVICE } from './sidecar.js';
import { storeServices } from './store.js';
import { selectorLabels } from '../../lib/labels.js';

import { addressPeers, GRAFANA, tcp, type Flow } from '../flows.js';
import { queryEndpoint } from '../plan.js';
import { Service } from 'kubernetes-models/v1/Service';

import { GRPC_PORT, HTTP_PORT } from './common.js';
import { ALERT_DIGEST, PROMETHEUS, QUERY, QUERY_FRONTEND, QUERY_GLOBAL, RULER, THANOS_RULER_SERVICE } from '../workloads.js';
import { type Component, own, whenThanos } from '../component.js';
import { thanosRules } from '../rules/thanos.js';

/** The StoreAPI endpoints of one cluster. */
export function clusterEndpoints(env: EnvConfig): string[] {
  return [srv(env, SIDECAR_SERVICE), ...storeServices(env).map((s) => srv(env, s)), srv(env, THANOS_RULER_SERVICE)];
}

/** Flags shared by the per-cluster and the global query: dedup on every replica label. */
export function queryArgs(env: EnvConfig, endpointConfig: unknown): string[] {
  return [
    'query',
    ...serverArgs(),
    ...grpcServerTlsArgs(),
    ...ALL_REPLICA_LABELS.map((l) => `--query.replica-label=${l}`),
    `--endpoint.sd-config=${stringify(endpointConfig, { lineWidth: 0 })}`,
    '--query.auto-downsampling',
    `--query.max-concurrent=${env.thanos.query.maxConcurrent}`,
    `--query.timeout=${env.thanos.query.timeout}`,
  ];
}

/** Its gRPC Service for other clusters: an internal NLB (AWS Load Balancer Controller) on the StoreAPI port only. */
export const QUERY_REMOTE_SERVICE = 'thanos-query-remote';

/**
 * The NLB targets the pods by IP and keeps the client's address, so this cluster's NetworkPolicy
 * sees the dialling cluster's VPC address (not the NLB's); its security group admits only the
 * peers' VPCs; external-dns publishes it under the name the global view dials.
 */
function remoteQueryService(w: Workload, ns: string, host: string, port: number, peers: readonly ClusterConfig[]): Service {
  return new Service({
    metadata: {
      name: QUERY_REMOTE_SERVICE,
      namespace: ns,
      // Its own name label: the query's ServiceMonitor selects the query's Services by theirs, and this one has no metrics port.
      labels: labelsFor({ ...w, name: QUERY_REMOTE_SERVICE }),
      annotations: {
        'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
        'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true',
        'external-dns.alpha.kubernetes.io/hostname': host,
      },
    },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: 'service.k8s.aws/nlb',
      allocateLoadBalancerNodePorts: false,
      loadBalancerSourceRanges: peers.map((c) => c.network!.vpcCidr),
      selector: selectorLabels(w),
      ports: [{ name: 'grpc', port, targetPort: 'grpc', protocol: 'TCP' }],
    },
  });
}

export function thanosQueryChart(scope: Construct, { env, cluster, plan }: ChartContext): Chart {
  const queryW = versioned(QUERY, env);
  const chart = new Chart(scope, 'thanos-query');
  const ns = env.namespace;
  const q = env.thanos.query;
  const endpointConfig = { default_client_config: grpcClientConfig(env), endpoints: clusterEndpoints(env).map((address) => ({ address })) };

  serviceAccount(chart, queryW, ns);
  const api = queryApiTls(chart, queryW, ns);
  addObject(
    chart,
    thanosDeployment(
      queryW,
      env,
      q.replicas,
      thanosContainer({
        env,
        name: 'thanos-query',
        args: [...queryArgs(env, endpointConfig), ...api.args],
        resources: q.resources,
        volumeMounts: [grpcTlsMount, ...api.volumeMounts],
        queryApi: true,
      }),
      [grpcTlsVolume, ...api.volumes],
    ),
  );
  addObject(chart, service(queryW, ns, THANOS_PORTS));
  const remote = queryEndpoint(env, cluster.name);
  if (plan.queryDialledFrom.length > 0 && remote) {
    addObject(chart, remoteQueryService(queryW, ns, remote.host, remote.port, plan.queryDialledFrom));
  }
  if (q.replicas > 1) addObject(chart, pdb(queryW, ns));
  addObject(chart, serviceMonitor(queryW, ns, 'http', env.prometheus.scrapeInterval, api.monitorTls));
  return chart;
}

/**
 * Who may reach Thanos Query: its StoreAPI from the global query (here, or in the clusters that
 * dial it through its NLB: their VPCs, and the NLB's own subnets for health checks), its HTTP
 * API from its clients and Prometheus.
 */
export function queryIngress({ cluster, plan }: ChartContext): Flow[] {
  const to = selectorLabels(QUERY);
  const remotePeers = [
    ...plan.queryDialledFrom.flatMap((c) => addressPeers(`${c.name}-vpc`, [c.network!.vpcCidr])),
    ...(plan.queryDialledFrom.length > 0
      ? addressPeers(`${cluster.name}-load-balancers`, cluster.network!.internalLoadBalancerSubnets)
      : []),
  ];
  return [
    { name: 'thanos-query-grpc', to, from: [QUERY_GLOBAL], ports: tcp(GRPC_PORT) },
    ...(remotePeers.length > 0 ? [{ name: 'thanos-query-grpc-remote', to, from: remotePeers, ports: tcp(GRPC_PORT) }] : []),
    { name: 'thanos-query-http', to, from: [QUERY_FRONTEND, RULER, GRAFANA, ALERT_DIGEST, PROMETHEUS], ports: tcp(HTTP_PORT) },
  ];
}

/** PRD 5.2: 99.9% of Thanos queries (instant and range) answered without a server error. */
export const QUERY_SLO: Slo = {
  name: 'thanos-query',
  objective: 0.999,
  sli: 'Thanos Query queries answered without a 5xx',
  errors: `http_requests_total{job="${QUERY.name}",handler=~"query|query_range",code=~"5.."}`,
  total: `http_requests_total{job="${QUERY.name}",handler=~"query|query_range"}`,
};

export const thanosQueryComponent: Component = {
  name: 'thanos-query',
  render: thanosQueryChart,
  runs: whenThanos,
  pods: [own(QUERY)],
  ingress: queryIngress,
  rules: [thanosRules],
  slos: [QUERY_SLO],
};
