/**
 * The NetworkPolicy evaluator: the API's semantics on small policies, then prod's cross-cluster
 * flows on the rendered dist (allowed exactly where intended) and on the dist before issue 16
 * (the global view could not reach eu-west-1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envFiles, resolveAll } from '../../../envs/index.js';
import { nthAddress } from '../../../lib/cidr.js';
import { manifestsOfTree, treeOnDisk } from '../../../lib/manifests.js';
import { repoRoot } from '../../../lib/paths.js';
import {
  egressAllowed,
  ingressAllowed,
  policyCluster,
  selects,
  type Endpoint,
  type NetworkPolicyManifest,
  type PolicyCluster,
  type PolicyPod,
} from '../../../tools/runner/netpol.js';

const policy = (name: string, spec: NetworkPolicyManifest['spec'], namespace = 'monitoring'): NetworkPolicyManifest => ({
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});
const pod = (labels: Record<string, string>, ip: string, namespace = 'monitoring', ports: PolicyPod['ports'] = []): PolicyPod => ({
  namespace,
  labels,
  ip,
  ports,
});
const cluster = (...policies: NetworkPolicyManifest[]): PolicyCluster => ({ policies, namespaces: { apps: { team: 'gl' } } });

const web = pod({ app: 'web' }, '10.0.0.2', 'monitoring', [{ name: 'http', containerPort: 8080 }]);
const client = pod({ app: 'client' }, '10.0.0.3');
const inApps = pod({ app: 'client' }, '10.0.1.3', 'apps');

describe('NetworkPolicy semantics', () => {
  it('selectors: matchLabels and every operator; an empty selector selects all; an unknown operator is an error', () => {
    expect(selects({}, { a: '1' })).toBe(true);
    expect(selects({ matchLabels: { a: '1' } }, { a: '2' })).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' })).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {})).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {})).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {})).toBe(true);
    expect(() => selects({ matchExpressions: [{ key: 'a', operator: 'Gt' }] }, {})).toThrow(/not In, NotIn/);
  });

  it('an unselected pod is not isolated; a selected one admits only what a rule allows', () => {
    expect(ingressAllowed(cluster(), web, { pod: client }, { port: 8080 }).allowed).toBe(true);
    const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(ingressAllowed(cluster(deny), web, { pod: client }, { port: 8080 })).toEqual({
      allowed: false,
      isolatedBy: ['deny'],
      allowedBy: [],
    });
    const allow = policy('allow', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }],
    });
    expect(ingressAllowed(cluster(deny, allow), web, { pod: client }, { port: 8080 }).allowedBy).toEqual(['allow']);
    // A podSelector alone means the policy's own namespace.
    expect(ingressAllowed(cluster(deny, allow), web, { pod: inApps }, { port: 8080 }).allowed).toBe(false);
  });

  it('policyTypes defaults to Ingress, plus Egress only when the policy has egress rules', () => {
    const ingressOnly = policy('i', { podSelector: {}, ingress: [] });
    expect(egressAllowed(cluster(ingressOnly), client, { ip: '1.1.1.1' }, { port: 443 }).allowed).toBe(true);
    const both = policy('b', { podSelector: {}, egress: [] });
    expect(egressAllowed(cluster(both), client, { ip: '1.1.1.1' }, { port: 443 }).allowed).toBe(false);
  });

  it('namespaceSelector uses namespace labels (and the automatic name label); with a podSelector both must match', () => {
    const byNs = policy('ns', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'gl' } } }] }] });
    expect(ingressAllowed(cluster(byNs), web, { pod: inApps }, { port: 8080 }).allowed).toBe(true);
    const byName = policy('name', {
      podSelector: {},
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: { app: 'x' } } },
          ],
        },
      ],
    });
    expect(ingressAllowed(cluster(byName), web, { pod: inApps }, { port: 8080 }).allowed).toBe(false);
  });

  it('ipBlock matches addresses minus its exceptions; pod selectors never match an outside address', () => {
    const block = policy('ip', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.40.0.0/16', except: ['10.40.9.0/24'] } }] }] });
    expect(ingressAllowed(cluster(block), web, { ip: '10.40.1.1' }, { port: 8080 }).allowed).toBe(true);
    expect(ingressAllowed(cluster(block), web, { ip: '10.40.9.1' }, { port: 8080 }).allowed).toBe(false);
    const pods = policy('pods', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(ingressAllowed(cluster(pods), web, { ip: '10.0.0.9' }, { port: 8080 }).allowed).toBe(false);
  });

  it('ports: number, range (endPort), protocol, and names resolved on the destination pod', () => {
    const ports = (p: object) => policy('p', { podSelector: {}, ingress: [{ ports: [p] }] });
    expect(ingressAllowed(cluster(ports({ port: 8080 })), web, { pod: client }, { port: 8080 }).allowed).toBe(true);
    expect(ingressAllowed(cluster(ports({ port: 8080 })), web, { pod: client }, { port: 8080, protocol: 'UDP' }).allowed).toBe(false);
    expect(ingressAllowed(cluster(ports({ port: 8000, endPort: 8100 })), web, { pod: client }, { port: 8080 }).allowed).toBe(true);
    expect(ingressAllowed(cluster(ports({ port: 'http' })), web, { pod: client }, { port: 8080 }).allowed).toBe(true);
    expect(ingressAllowed(cluster(ports({ port: 'http' })), web, { pod: client }, { port: 9090 }).allowed).toBe(false);
    const egressNamed = policy('e', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    expect(egressAllowed(cluster(egressNamed), client, { pod: web }, { port: 8080 }).allowed).toBe(true);
    expect(egressAllowed(cluster(egressNamed), client, { ip: '10.0.0.2' }, { port: 8080 }).allowed).toBe(false);
  });
});

// ---- prod, across clusters -------------------------------------------------------------------

const prod = resolveAll(envFiles).find((e) => e.name === 'prod')!;
const host = prod.thanos.global!.hostCluster;
const remote = prod.clusters.find((c) => c.name !== host)!;
const hostNet = prod.clusters.find((c) => c.name === host)!.network!;
const remoteNet = remote.network!;

const distOf = (cluster: string): any[] => manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', 'prod', cluster)));
const fixture = (cluster: string) =>
  parseAllDocuments(fs.readFileSync(path.join(repoRoot, 'test/fixtures/network-policies-397ca00', `${cluster}.yaml`), 'utf8')).map((d) =>
    d.toJS(),
  );

/** A workload's pod as dist renders it, at an address of the cluster's VPC. */
function podOf(manifests: any[], kind: string, name: string, ip: string): PolicyPod {
  const w = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!w) throw new Error(`no ${kind} ${name} in dist`);
  const labels =
    kind === 'Prometheus'
      ? { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': name }
      : w.spec.template.metadata.labels;
  const ports = kind === 'Prometheus' ? [] : w.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
  return pod(labels, ip, w.metadata.namespace, ports);
}

const addressIn = nthAddress;

describe('prod cross-cluster flows on the rendered dist', () => {
  const hostDist = distOf(host);
  const remoteDist = distOf(remote.name);
  const hostPolicies = policyCluster(hostDist);
  const remotePolicies = policyCluster(remoteDist);
  const lbPort = remoteDist.find((m: any) => m.kind === 'Service' && m.spec.type === 'LoadBalancer')?.spec.ports[0].port as number;
  const globalQuery = podOf(hostDist, 'Deployment', 'thanos-query-global', addressIn(hostNet.vpcCidr, 2 * 256 + 7));
  const remoteQuery = podOf(remoteDist, 'Deployment', 'thanos-query', addressIn(remoteNet.vpcCidr, 20 * 256 + 4));
  const nlb: Endpoint = { ip: addressIn(remoteNet.internalLoadBalancerSubnets[0]!, 20) };

  /** The global query's connection through the NLB: egress at the host, then ingress at the remote (client IP kept). */
  const through = (src: PolicyPod, port: number, dst: PolicyPod = remoteQuery, targetPort = 10901) => ({
    egress: egressAllowed(hostPolicies, src, nlb, { port }).allowed,
    ingress: ingressAllowed(remotePolicies, dst, { ip: src.ip }, { port: targetPort }).allowed,
  });

  it('the remote query has an internal NLB on its gRPC port only, open to the host VPC only', () => {
    const lbs = remoteDist.filter((m: any) => m.kind === 'Service' && m.spec.type === 'LoadBalancer');
    expect(lbs).toHaveLength(1);
    expect(lbs[0].metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
    expect(lbs[0].spec.ports).toEqual([{ name: 'grpc', port: lbPort, targetPort: 'grpc', protocol: 'TCP' }]);
    expect(lbs[0].spec.loadBalancerSourceRanges).toEqual([hostNet.vpcCidr]);
    expect(lbs[0].metadata.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe(
      prod.thanos.global!.endpoints[remote.name]!.split(':')[0],
    );
    expect(hostDist.filter((m: any) => m.kind === 'Service' && m.spec.type === 'LoadBalancer')).toEqual([]);
  });

  it('admit the global query to the remote query, and the NLB health checks', () => {
    expect(through(globalQuery, lbPort)).toEqual({ egress: true, ingress: true });
    const healthCheck = addressIn(remoteNet.internalLoadBalancerSubnets[1]!, 9);
    expect(ingressAllowed(remotePolicies, remoteQuery, { ip: healthCheck }, { port: 10901 }).allowed).toBe(true);
  });

  it('deny everything else around that flow', () => {
    const hostProm = podOf(hostDist, 'Prometheus', 'prometheus', addressIn(hostNet.vpcCidr, 3 * 256 + 1));
    // Another host pod, another port, another remote address.
    expect(through(hostProm, lbPort).egress).toBe(false);
    expect(egressAllowed(hostPolicies, globalQuery, nlb, { port: 10902 }).allowed).toBe(false);
    expect(egressAllowed(hostPolicies, globalQuery, { ip: addressIn(remoteNet.vpcCidr, 5 * 256 + 5) }, { port: lbPort }).allowed).toBe(
      false,
    );
    // Into the remote: not from its own VPC outside the NLB subnets, not from elsewhere, not the HTTP port, not the sidecars.
    for (const ip of [addressIn(remoteNet.vpcCidr, 5 * 256 + 5), '10.99.1.1']) {
      expect({ ip, allowed: ingressAllowed(remotePolicies, remoteQuery, { ip }, { port: 10901 }).allowed }).toEqual({ ip, allowed: false });
    }
    expect(ingressAllowed(remotePolicies, remoteQuery, { ip: globalQuery.ip }, { port: 10902 }).allowed).toBe(false);
    const remoteProm = podOf(remoteDist, 'Prometheus', 'prometheus', addressIn(remoteNet.vpcCidr, 21 * 256 + 1));
    expect(ingressAllowed(remotePolicies, remoteProm, { ip: globalQuery.ip }, { port: 10901 }).allowed).toBe(false);
  });

  it('the dist before issue 16 denied the global view both ways (the bug this fixes)', () => {
    const before = {
      host: policyCluster([...fixture(host), ...hostDist.filter((m: any) => m.kind === 'Namespace')]),
      remote: policyCluster(fixture(remote.name)),
    };
    expect(before.host.policies.length).toBeGreaterThan(10);
    expect(egressAllowed(before.host, globalQuery, nlb, { port: 10901 }).allowed).toBe(false);
    expect(ingressAllowed(before.remote, remoteQuery, { ip: globalQuery.ip }, { port: 10901 }).allowed).toBe(false);
  });
});

describe("Grafana's flows on dev's rendered dist", () => {
  const dev = resolveAll(envFiles).find((e) => e.tier === 'dev')!;
  const manifests = manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', dev.name, dev.clusters[0]!.name)));
  const policies = policyCluster(manifests);
  const ns = dev.namespace;
  const grafana = podOf(manifests, 'Deployment', 'grafana', '10.1.0.10');
  const frontend = podOf(manifests, 'Deployment', 'thanos-query-frontend', '10.1.0.11');
  const prometheus = pod({ 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'prometheus' }, '10.1.0.12', ns);
  const alertmanager = pod({ 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'alertmanager' }, '10.1.0.13', ns);
  const reaches = (dst: PolicyPod, port: number) => ({
    egress: egressAllowed(policies, grafana, { pod: dst }, { port }).allowed,
    ingress: ingressAllowed(policies, dst, { pod: grafana }, { port }).allowed,
  });
  const into = (src: PolicyPod, port = 3000) => ingressAllowed(policies, grafana, { pod: src }, { port }).allowed;

  it('Grafana reaches each of its datasources: the query-frontend, Prometheus and Alertmanager', () => {
    expect(reaches(frontend, 10902)).toEqual({ egress: true, ingress: true });
    expect(reaches(prometheus, 9090)).toEqual({ egress: true, ingress: true });
    expect(reaches(alertmanager, 9093)).toEqual({ egress: true, ingress: true });
  });

  it('only the ingress controller and Prometheus reach Grafana, and only on its port', () => {
    expect(dev.grafana.allowFrom.namespaces).toEqual(['ingress-nginx']);
    expect(into(pod({ 'app.kubernetes.io/name': 'ingress-nginx' }, '10.1.5.1', 'ingress-nginx'))).toBe(true);
    expect(into(prometheus)).toBe(true);
    for (const ns2 of ['gl-fuel', 'kube-system', 'default'])
      expect({ ns2, allowed: into(pod({ app: 'x' }, '10.1.6.1', ns2)) }).toEqual({ ns2, allowed: false });
    expect(into(frontend)).toBe(false);
    expect(into(pod({ 'app.kubernetes.io/name': 'ingress-nginx' }, '10.1.5.1', 'ingress-nginx'), 9094)).toBe(false);
    expect(ingressAllowed(policies, grafana, { ip: '203.0.113.9' }, { port: 3000 }).allowed).toBe(false);
  });
});
