/**
 * NetworkPolicy (networking.k8s.io/v1) evaluation: whether a cluster's policies let one
 * connection through. No CNI runs here, so the runner cannot enforce policies on its loopback
 * pods; the global-view test puts this evaluator in the path between clusters instead (its
 * load balancer stand-in asks it about every connection). It follows the API's semantics:
 *
 * - a pod is isolated for a direction when a policy in its namespace selects it and lists that
 *   direction in policyTypes (default: Ingress, plus Egress when the policy has egress rules);
 *   an isolated pod admits exactly the union of the selecting policies' rules;
 * - a rule admits a peer when `from`/`to` is empty or one peer matches (podSelector in the
 *   policy's namespace, namespaceSelector, both, or ipBlock with its exceptions) and a port
 *   matches (numbered with optional endPort, or named after the pod's container port);
 * - a connection passes when the source's egress and the destination's ingress both admit it.
 */
import { ipInCidr } from '../../lib/cidr.js';

type Labels = Readonly<Record<string, string>>;

interface Selector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

interface Peer {
  readonly podSelector?: Selector;
  readonly namespaceSelector?: Selector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

interface Rule {
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
  readonly ports?: readonly PolicyPort[];
}

/** A NetworkPolicy as rendered (the fields evaluation reads). */
export interface NetworkPolicyManifest {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly podSelector: Selector;
    readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
    readonly ingress?: readonly Rule[];
    readonly egress?: readonly Rule[];
  };
}

export interface PolicyPod {
  readonly namespace: string;
  readonly labels: Labels;
  readonly ip: string;
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
}

/** One side of a connection: a pod of the cluster, or an address outside it (another cluster, a load balancer). */
export type Endpoint = { readonly pod: PolicyPod } | { readonly ip: string };

/** What evaluation needs from a cluster: its policies and its namespaces' labels. */
export interface PolicyCluster {
  readonly policies: readonly NetworkPolicyManifest[];
  readonly namespaces: Readonly<Record<string, Labels>>;
}

export interface Verdict {
  readonly allowed: boolean;
  /** Policies that isolate the pod in this direction (none: not isolated, allowed). */
  readonly isolatedBy: readonly string[];
  /** Policies whose rules admitted the connection. */
  readonly allowedBy: readonly string[];
}

export interface Connection {
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Kubernetes label selector semantics; an empty selector selects everything. */
export function selects(selector: Selector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok =
      e.operator === 'In'
        ? inValues
        : e.operator === 'NotIn'
          ? !inValues
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : unknownOperator(e.operator);
    if (!ok) return false;
  }
  return true;
}

function unknownOperator(op: string): never {
  throw new Error(`label selector operator ${JSON.stringify(op)} is not In, NotIn, Exists or DoesNotExist`);
}

function policyTypes(p: NetworkPolicyManifest): readonly string[] {
  return p.spec.policyTypes ?? ['Ingress', ...(p.spec.egress ? ['Egress'] : [])];
}

function namespaceLabels(cluster: PolicyCluster, ns: string): Labels {
  // The API server sets kubernetes.io/metadata.name on every namespace.
  return { ...(cluster.namespaces[ns] ?? {}), 'kubernetes.io/metadata.name': ns };
}

function peerMatches(cluster: PolicyCluster, policyNs: string, peer: Peer, other: Endpoint): boolean {
  if (peer.ipBlock) {
    const ip = 'pod' in other ? other.pod.ip : other.ip;
    return ipInCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => ipInCidr(ip, c));
  }
  if (!('pod' in other)) return false;
  const pod = other.pod;
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, namespaceLabels(cluster, pod.namespace))) return false;
  } else if (pod.namespace !== policyNs) return false;
  return peer.podSelector ? selects(peer.podSelector, pod.labels) : true;
}

/** Named ports resolve against the destination pod's containers; an address outside has none. */
function portMatches(p: PolicyPort, conn: Connection, dst: Endpoint): boolean {
  const protocol = conn.protocol ?? 'TCP';
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') return p.endPort !== undefined ? conn.port >= p.port && conn.port <= p.endPort : conn.port === p.port;
  if (!('pod' in dst)) return false;
  return (dst.pod.ports ?? []).some((cp) => cp.name === p.port && cp.containerPort === conn.port && (cp.protocol ?? 'TCP') === protocol);
}

function ruleAdmits(
  cluster: PolicyCluster,
  policyNs: string,
  rule: Rule,
  peers: readonly Peer[] | undefined,
  other: Endpoint,
  conn: Connection,
  dst: Endpoint,
): boolean {
  const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(cluster, policyNs, p, other));
  const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, conn, dst));
  return peerOk && portOk;
}

function evaluate(cluster: PolicyCluster, pod: PolicyPod, direction: 'Ingress' | 'Egress', other: Endpoint, conn: Connection): Verdict {
  const isolating = cluster.policies.filter(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      (p.metadata.namespace ?? 'default') === pod.namespace &&
      policyTypes(p).includes(direction) &&
      selects(p.spec.podSelector, pod.labels),
  );
  const dst: Endpoint = direction === 'Ingress' ? { pod } : other;
  const allowedBy = isolating
    .filter((p) =>
      (direction === 'Ingress' ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])).some((r) =>
        ruleAdmits(cluster, pod.namespace, r, direction === 'Ingress' ? r.from : r.to, other, conn, dst),
      ),
    )
    .map((p) => p.metadata.name);
  return { allowed: isolating.length === 0 || allowedBy.length > 0, isolatedBy: isolating.map((p) => p.metadata.name), allowedBy };
}

/** Whether `src`'s cluster lets the pod open the connection to `dst`. */
export function egressAllowed(cluster: PolicyCluster, src: PolicyPod, dst: Endpoint, conn: Connection): Verdict {
  return evaluate(cluster, src, 'Egress', dst, conn);
}

/** Whether `dst`'s cluster lets the connection from `src` into the pod. */
export function ingressAllowed(cluster: PolicyCluster, dst: PolicyPod, src: Endpoint, conn: Connection): Verdict {
  return evaluate(cluster, dst, 'Ingress', src, conn);
}

/** The policies and namespace labels of a cluster's manifests. */
export function policyCluster(manifests: readonly { kind?: string; metadata?: any; spec?: any }[]): PolicyCluster {
  return {
    policies: manifests.filter((m) => m.kind === 'NetworkPolicy') as unknown as NetworkPolicyManifest[],
    namespaces: Object.fromEntries(
      manifests.filter((m) => m.kind === 'Namespace').map((m) => [m.metadata.name as string, (m.metadata.labels ?? {}) as Labels]),
    ),
  };
}
