/**
 * NetworkPolicies for the monitoring namespace (PRD 5.4): deny by default, then allow exactly
 * the flows the running components declare. Each component module says who may reach its pods
 * and on which ports (`ingress` in the registry, charts/index.ts); a peer is another component's
 * workload, resolved to its pods' labels only where it runs, so a flow never names a pod that
 * does not exist and disappears with its last peer.
 *
 * Egress: DNS, the namespaces with targets, and HTTPS/SMTP/kubelet/node-exporter ports to node
 * and external addresses (S3, the API server, Slack, PagerDuty, mail, kubelets). node-exporter
 * runs on the host network, where NetworkPolicies do not apply.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { labelsFor, type Workload } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import type { ChartContext } from './context.js';
import { NODE_EXPORTER_PORT } from './exporters.js';
import { targetNamespaces } from './monitors.js';

/** Grafana's pods (installed separately, same namespace). */
export const GRAFANA_SELECTOR = { 'app.kubernetes.io/name': 'grafana' };

export interface Port {
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/** TCP ports by number. */
export const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ port }));

/** Who may connect: a platform workload (resolved to its pods where it runs) or a fixed peer outside the platform. */
export type Peer = Workload | { readonly external: string; readonly peer: INetworkPolicyPeer };

export const GRAFANA: Peer = { external: 'grafana', peer: { podSelector: { matchLabels: GRAFANA_SELECTOR } } };

/** Addresses outside the cluster (another cluster's VPC, a load balancer's subnets), one peer per range. */
export function addressPeers(name: string, cidrs: readonly string[]): Peer[] {
  return cidrs.map((cidr) => ({ external: `${name}:${cidr}`, peer: { ipBlock: { cidr } } }));
}

/** Pods in these namespaces (batch-job clients of the PushGateway). */
export function namespacesPeer(names: readonly string[]): Peer {
  return {
    external: 'client-namespaces',
    peer: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names] }] } },
  };
}

/** One allowed flow into a component's pods. */
export interface Flow {
  readonly name: string;
  /** Labels of the pods it admits to (the component's own pods). */
  readonly to: Record<string, string>;
  readonly from: readonly Peer[];
  readonly ports: readonly Port[];
}

/** A connection a component makes to another component's pods: a flow into them, its own pods as the peer. */
export interface Reach {
  readonly name: string;
  readonly to: Workload;
  readonly ports: readonly Port[];
}

/** A connection a component's pods make to addresses outside the cluster, beyond the namespace-wide egress. */
export interface EgressFlow {
  readonly name: string;
  /** Labels of the component's own pods that connect. */
  readonly from: Record<string, string>;
  readonly to: readonly INetworkPolicyPeer[];
  readonly ports: readonly Port[];
}

/** A flow with its peers resolved to selectors of pods that run in this cluster. */
export interface IngressRule {
  readonly name: string;
  readonly podSelector: Record<string, string>;
  readonly from: readonly INetworkPolicyPeer[];
  readonly ports: readonly Port[];
}

/** Resolve peers to pod selectors; a workload that does not run here is dropped, and a flow left without peers with it. */
export function resolveFlows(flows: readonly Flow[], podsOf: (w: Workload) => Record<string, string> | undefined): IngressRule[] {
  return flows.flatMap((f) => {
    const from = f.from.flatMap((p): INetworkPolicyPeer[] => {
      if ('external' in p) return [p.peer];
      const selector = podsOf(p);
      return selector ? [{ podSelector: { matchLabels: selector } }] : [];
    });
    return from.length > 0 ? [{ name: f.name, podSelector: f.to, from, ports: f.ports }] : [];
  });
}

export function networkPoliciesChart(
  scope: Construct,
  { env }: ChartContext,
  rules: readonly IngressRule[],
  egress: readonly EgressFlow[] = [],
): Chart {
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
  for (const r of rules) {
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
  for (const e of egress) {
    addObject(
      chart,
      new NetworkPolicy({
        metadata: { name: `allow-${e.name}`, namespace: ns, labels: labels(`allow-${e.name}`) },
        spec: {
          podSelector: { matchLabels: e.from },
          policyTypes: ['Egress'],
          egress: [{ to: [...e.to], ports: e.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })) }],
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
