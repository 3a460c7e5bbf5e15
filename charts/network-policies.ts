/**
 * NetworkPolicies for the monitoring namespace (PRD 5.4): deny by default, then allow exactly
 * the flows the platform needs. Pods are selected by the labels the charts (or the operator)
 * give them, so a renamed component breaks a test rather than a flow.
 *
 * Ingress, by port:
 *   Prometheus 9090 from Grafana, Thanos Query and the digest; sidecar gRPC 10901 from Thanos Query;
 *   Alertmanager 9093 from Prometheus, the ruler and Grafana, 9094 TCP+UDP between replicas;
 *   PushGateway 9091 from the batch-job namespaces, the janitor and Prometheus;
 *   Thanos gRPC 10901 from Thanos Query (and the global query), HTTP 10902 from their clients;
 *   every metrics port from Prometheus (the operator's included; it runs no admission webhook, so
 *   nothing else calls it).
 * Egress: DNS, the namespaces with targets, and HTTPS/SMTP/kubelet/node-exporter ports to node
 * and external addresses (S3, the API server, Slack, PagerDuty, mail, kubelets). node-exporter
 * runs on the host network, where NetworkPolicies do not apply.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { EnvConfig } from '../envs/schema.js';
import { labelsFor, selectorLabels } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import { ALERT_DIGEST } from './alert-digest.js';
import { ALERTMANAGER_MESH_PORT, ALERTMANAGER_WEB_PORT, alertmanagerPodSelector } from './alertmanager.js';
import type { ChartContext } from './context.js';
import { KSM_PORTS, KUBE_STATE_METRICS, NODE_EXPORTER_PORT } from './exporters.js';
import { targetNamespaces } from './monitors.js';
import type { ClusterPlan } from './plan.js';
import { PROMETHEUS_WEB_PORT, prometheusPodSelector } from './prometheus.js';
import { CONFIG_RELOADER_PORT, OPERATOR, OPERATOR_METRICS_PORT } from './prometheus-operator.js';
import { JANITOR, PUSHGATEWAY, PUSHGATEWAY_PORT } from './pushgateway.js';
import { GRPC_PORT, HTTP_PORT } from './thanos/common.js';
import { COMPACTOR } from './thanos/compactor.js';
import { QUERY } from './thanos/query.js';
import { QUERY_FRONTEND } from './thanos/query-frontend.js';
import { QUERY_GLOBAL } from './thanos/query-global.js';
import { rulerPodSelector } from './thanos/ruler.js';
import { STORE } from './thanos/store.js';

/** Grafana's pods (installed separately, same namespace). */
export const GRAFANA_SELECTOR = { 'app.kubernetes.io/name': 'grafana' };

type Port = { port: number; protocol?: 'TCP' | 'UDP' };
const pods = (matchLabels: Record<string, string>): INetworkPolicyPeer => ({ podSelector: { matchLabels } });
const storeSelector = {
  'app.kubernetes.io/component': STORE.component,
  'app.kubernetes.io/part-of': selectorLabels(STORE)['app.kubernetes.io/part-of']!,
};

export interface IngressRule {
  readonly name: string;
  readonly podSelector: Record<string, string>;
  readonly from: readonly INetworkPolicyPeer[];
  readonly ports: readonly Port[];
}

/**
 * The allowed ingress flows of one cluster: what the chart renders and the tests check. A flow
 * exists only when the plan runs its target, and names only peers the plan runs.
 */
export function ingressRules(env: EnvConfig, plan: ClusterPlan): IngressRule[] {
  const when = <T>(on: boolean, ...xs: T[]): T[] => (on ? xs : []);
  const prometheus = pods(prometheusPodSelector());
  const query = when(plan.thanos, pods(selectorLabels(QUERY)));
  const queryGlobal = when(plan.globalQuery, pods(selectorLabels(QUERY_GLOBAL)));
  const frontend = when(plan.thanos, pods(selectorLabels(QUERY_FRONTEND)));
  const ruler = when(plan.thanos, pods(rulerPodSelector()));
  const grafana = pods(GRAFANA_SELECTOR);
  const digest = when(plan.alertDigest, pods(selectorLabels(ALERT_DIGEST)));
  const clients = {
    namespaceSelector: {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...env.pushgateway.clientNamespaces] }],
    },
  };
  const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ port }));
  const thanosPorts = tcp(GRPC_PORT, HTTP_PORT);
  return [
    {
      name: 'prometheus-web',
      podSelector: prometheusPodSelector(),
      from: [grafana, ...query, prometheus, ...digest],
      ports: tcp(PROMETHEUS_WEB_PORT),
    },
    ...when(plan.thanos, {
      name: 'prometheus-sidecar',
      podSelector: prometheusPodSelector(),
      from: [...query, prometheus],
      ports: [...thanosPorts, ...tcp(CONFIG_RELOADER_PORT)],
    }),
    ...when(!plan.thanos, {
      name: 'prometheus-reloader',
      podSelector: prometheusPodSelector(),
      from: [prometheus],
      ports: tcp(CONFIG_RELOADER_PORT),
    }),
    {
      name: 'alertmanager-web',
      podSelector: alertmanagerPodSelector(),
      from: [prometheus, ...ruler, grafana],
      ports: tcp(ALERTMANAGER_WEB_PORT),
    },
    {
      name: 'alertmanager-mesh',
      podSelector: alertmanagerPodSelector(),
      from: [pods(alertmanagerPodSelector())],
      ports: [
        { port: ALERTMANAGER_MESH_PORT, protocol: 'TCP' },
        { port: ALERTMANAGER_MESH_PORT, protocol: 'UDP' },
      ],
    },
    { name: 'alertmanager-metrics', podSelector: alertmanagerPodSelector(), from: [prometheus], ports: tcp(CONFIG_RELOADER_PORT) },
    ...when(plan.pushgateway, {
      name: 'pushgateway-push',
      podSelector: selectorLabels(PUSHGATEWAY),
      from: [clients, pods(selectorLabels(JANITOR)), prometheus],
      ports: tcp(PUSHGATEWAY_PORT),
    }),
    ...when(plan.globalQuery, { name: 'thanos-query-grpc', podSelector: selectorLabels(QUERY), from: queryGlobal, ports: tcp(GRPC_PORT) }),
    ...when(plan.thanos, {
      name: 'thanos-query-http',
      podSelector: selectorLabels(QUERY),
      from: [...frontend, ...ruler, grafana, ...digest, prometheus],
      ports: tcp(HTTP_PORT),
    }),
    ...when(plan.thanos, {
      name: 'thanos-query-frontend-http',
      podSelector: selectorLabels(QUERY_FRONTEND),
      from: [grafana, ...digest, prometheus],
      ports: tcp(HTTP_PORT),
    }),
    ...when(plan.globalQuery, {
      name: 'thanos-query-global-http',
      podSelector: selectorLabels(QUERY_GLOBAL),
      from: [grafana, ...digest, prometheus],
      ports: tcp(HTTP_PORT),
    }),
    ...when(plan.thanos, { name: 'thanos-store', podSelector: storeSelector, from: [...query, prometheus], ports: thanosPorts }),
    ...when(plan.thanos, {
      name: 'thanos-ruler',
      podSelector: rulerPodSelector(),
      from: [...query, prometheus],
      ports: [...thanosPorts, ...tcp(CONFIG_RELOADER_PORT)],
    }),
    ...when(plan.compactor, {
      name: 'thanos-compactor',
      podSelector: selectorLabels(COMPACTOR),
      from: [prometheus],
      ports: tcp(HTTP_PORT),
    }),
    {
      name: 'kube-state-metrics',
      podSelector: selectorLabels(KUBE_STATE_METRICS),
      from: [prometheus],
      ports: Object.values(KSM_PORTS).map((p) => ({ port: p.port })),
    },
    { name: 'prometheus-operator', podSelector: selectorLabels(OPERATOR), from: [prometheus], ports: tcp(OPERATOR_METRICS_PORT.port) },
  ];
}

export function networkPoliciesChart(scope: Construct, { env, plan }: ChartContext): Chart {
  const chart = new Chart(scope, 'network-policies');
  const ns = env.namespace;
  const labels = (name: string) => labelsFor({ name, component: 'network-policy' });

  addObject(
    chart,
    new NetworkPolicy({
      metadata: { name: 'default-deny', namespace: ns, labels: labels('default-deny') },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
  );
  for (const r of ingressRules(env, plan)) {
    addObject(
      chart,
      new NetworkPolicy({
        metadata: { name: `allow-${r.name}`, namespace: ns, labels: labels(`allow-${r.name}`) },
        spec: {
          podSelector: { matchLabels: r.podSelector },
          policyTypes: ['Ingress'],
          ingress: [{ from: [...r.from], ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })) }],
        },
      }),
    );
  }
  const inCluster = targetNamespaces(env);
  addObject(
    chart,
    new NetworkPolicy({
      metadata: { name: 'allow-egress', namespace: ns, labels: labels('allow-egress') },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
          // Scraping and in-namespace traffic: only the namespaces we watch.
          {
            to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: inCluster }] } }],
          },
          // Node and external addresses: S3 and the API server (443/6443), Slack/PagerDuty (443),
          // mail (587), kubelets (10250) and node-exporter on the host network (9100).
          {
            ports: [
              { port: 443, protocol: 'TCP' },
              { port: 6443, protocol: 'TCP' },
              { port: 587, protocol: 'TCP' },
              { port: NODE_EXPORTER_PORT, protocol: 'TCP' },
              { port: 10250, protocol: 'TCP' },
            ],
          },
        ],
      },
    }),
  );
  return chart;
}
