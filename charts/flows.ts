/**
 * The vocabulary of flows between components: ports, peers, and the flows a component declares
 * (who may reach its pods, what its pods reach). A leaf: it imports no chart, so every component
 * module can use it and the network-policies chart renders what they declare.
 */
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { Workload } from '../lib/labels.js';

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
export function namespacesPeer(names: readonly string[], external = 'client-namespaces'): Peer {
  return {
    external,
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
