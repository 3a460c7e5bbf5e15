/**
 * Prod's clusters end to end (FR-2.6, issue 16), at the newest pins (what prod's next promotion
 * deploys; the local binaries are built at those): both clusters run locally through the runner,
 * each on its own API server and operator (Prometheus pair with sidecars, Thanos query, store
 * gateway), on one object store where each bucket is the directory of its name.
 *
 * - The host's global query dials the other cluster at the name dist gives it, which resolves to
 *   a load balancer for the `thanos-query-remote` Service dist renders there. The load balancer
 *   keeps the client's address and forwards only what both clusters' NetworkPolicies, as the API
 *   servers hold them, admit (tools/runner/netpol.ts) under the environment's address plan: each
 *   cluster's pods in its VPC CIDR, the load balancer in its internal-LB subnets.
 * - The same connections are judged under the policies of the dist before issue 16, which refused them.
 * - Each bucket is seeded with a block of its own cluster's series, and the host's bucket with
 *   a stray block of the other cluster (left over from a shared bucket).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { envFiles, resolveAll } from '../../envs/index.js';
import type { ClusterConfig } from '../../envs/schema.js';
import { parseAllDocuments } from 'yaml';
import { nthAddress } from '../../lib/cidr.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { repoRoot } from '../../lib/paths.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { startLoadBalancer, type Admission, type LoadBalancer } from '../../tools/runner/load-balancer.js';
import { allocateSubnet } from '../../tools/runner/network.js';
import { connectionOwner } from '../../tools/runner/sockets.js';
import { egressAllowed, ingressAllowed, policyCluster, type PolicyCluster, type PolicyPod } from '../../tools/runner/netpol.js';
import type { LocalPod } from '../../tools/runner/discovery.js';
import { seedBlocks } from '../helpers/blocks.js';
import { json } from '../helpers/http.js';
import { waitFor } from '../helpers/sink.js';

// prod's topology at the newest pins (what its next promotion deploys): the local binaries are built at those.
const prod = resolveAll(envFiles, { pins: {} }).find((e) => e.name === 'prod')!;
const hostName = prod.thanos.global!.hostCluster;
const hostCluster = prod.clusters.find((c) => c.name === hostName)!;
const remoteCluster = prod.clusters.find((c) => c.name !== hostName)!;
const RUN = ['prometheus-prometheus', 'thanos-query', 'thanos-store'];
const PROBE = 'gl_layout_probe';

/** A pod's address in its cluster's VPC: the same host number in the VPC CIDR as on its loopback /24. */
const vpcAddress = (c: ClusterConfig, loopbackIp: string) => nthAddress(c.network!.vpcCidr, 1024 + Number(loopbackIp.split('.')[3]));
/** The load balancer's address, in the cluster's first internal-LB subnet. */
const lbAddress = (c: ClusterConfig) => nthAddress(c.network!.internalLoadBalancerSubnets[0]!, 10);

/** The NetworkPolicies of the dist before issue 16 (test/fixtures), and dist's namespaces. */
const fixturePolicies = (cluster: string) =>
  parseAllDocuments(fs.readFileSync(path.join(repoRoot, 'test/fixtures/network-policies-397ca00', `${cluster}.yaml`), 'utf8')).map((d) =>
    d.toJS(),
  );
const namespaceOf = (cluster: string) =>
  manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', prod.name, cluster, 'namespace'))) as { kind?: string; metadata?: any }[];

const policyPod = (c: ClusterConfig, p: LocalPod): PolicyPod => ({
  namespace: p.namespace,
  labels: p.labels,
  ip: vpcAddress(c, p.ip),
  ports: p.containers.flatMap((x) => x.ports),
});

describe("prod's clusters as rendered: global view across them, with their NetworkPolicies, on per-cluster buckets", () => {
  const stacks: Stack[] = [];
  let host: Stack;
  let remote: Stack;
  let lb: LoadBalancer;
  /** Admission waits until the host's pods and policies are known (its global query dials while the host starts). */
  let hostKnown: () => void;
  const hostReady = new Promise<void>((resolve) => (hostKnown = resolve));
  const decisions = () => lb.decisions;
  const policies = new Map<string, PolicyCluster>();
  const before = {
    host: policyCluster([...fixturePolicies(hostName), ...namespaceOf(hostName)]),
    remote: policyCluster([...fixturePolicies(remoteCluster.name), ...namespaceOf(remoteCluster.name)]),
  };
  const beforeVerdicts: boolean[] = [];
  // One issuer (CA) for the environment, shared by its clusters (tls.issuer); one object store.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-prod-'));
  const caDir = path.join(work, 'ca');
  const objectStore = path.join(work, 'object-store');
  const seededAt = Math.floor(Date.now() / 1000) - 3 * 3600;
  const bucketDir = (c: ClusterConfig) => path.join(objectStore, prod.aws[c.name]!.bucket);
  const labelsOf = (c: ClusterConfig) => ({
    cluster: c.name,
    region: c.region,
    environment: prod.name,
    prometheus_replica: 'prometheus-prometheus-0',
  });
  const samples = (value: number) => [`# TYPE ${PROBE} gauge`, ...[0, 60, 120].map((d) => `${PROBE}{job="seed"} ${value} ${seededAt + d}`)];

  /** Both clusters' policies must admit the connection: egress from the host pod to the LB, ingress into the target from the client's address. */
  async function admit(a: Admission): Promise<{ allowed: boolean; why: string }> {
    await hostReady;
    // The pod whose process holds the client end (on loopback every client comes from 127.0.0.1).
    const byPid = new Map(host.local.pods.flatMap((p) => [...p.containers.values()].map((c) => [c.pid, p.pod] as const)));
    const pid = connectionOwner(a.connection, [...byPid.keys()]);
    const src = pid === undefined ? undefined : byPid.get(pid);
    if (!src) return { allowed: false, why: `${a.client} is no pod of ${hostName}` };
    const client = policyPod(hostCluster, src);
    const egress = egressAllowed(policies.get(hostName)!, client, { ip: lbAddress(remoteCluster) }, { port: a.listenerPort });
    // What the dist before issue 16 would have decided for the same connection.
    beforeVerdicts.push(
      egressAllowed(before.host, client, { ip: lbAddress(remoteCluster) }, { port: a.listenerPort }).allowed &&
        ingressAllowed(before.remote, policyPod(remoteCluster, a.target), { ip: client.ip }, { port: a.targetPort }).allowed,
    );
    const ingress = ingressAllowed(
      policies.get(remoteCluster.name)!,
      policyPod(remoteCluster, a.target),
      { ip: client.ip },
      { port: a.targetPort },
    );
    const why = `${src.name} (${client.ip}) -> ${a.target.name}:${a.targetPort}: egress ${egress.allowed ? `by ${egress.allowedBy}` : `denied (isolated by ${egress.isolatedBy})`}, ingress ${ingress.allowed ? `by ${ingress.allowedBy}` : `denied (isolated by ${ingress.isolatedBy})`}`;
    return { allowed: egress.allowed && ingress.allowed, why };
  }

  async function readPolicies(s: Stack): Promise<PolicyCluster> {
    const kube = s.local.generated.kube;
    return policyCluster([
      ...(await kube.list('networking.k8s.io/v1', 'NetworkPolicy', prod.namespace)),
      ...(await kube.list('v1', 'Namespace')),
    ]);
  }

  beforeAll(async () => {
    fs.mkdirSync(caDir);
    seedBlocks(bucketDir(hostCluster), samples(1), labelsOf(hostCluster));
    seedBlocks(bucketDir(remoteCluster), samples(2), labelsOf(remoteCluster));
    // Left in the host's bucket by a shared-bucket layout: the host's store gateway must not serve it.
    seedBlocks(bucketDir(hostCluster), samples(99), labelsOf(remoteCluster));

    // No block is cut while the test runs: the buckets hold exactly the seeded blocks.
    const common = { env: 'prod', newestPins: true, caDir, objectStore, demoJob: false, blockDuration: '2h' } as const;
    remote = await startStack({ ...common, cluster: remoteCluster.name, only: RUN });
    stacks.push(remote);
    policies.set(remoteCluster.name, await readPolicies(remote));
    const svc = remote.local.services.find((s) => s.name === 'thanos-query-remote');
    if (!svc) throw new Error(`dist renders no thanos-query-remote Service in ${remoteCluster.name}`);
    lb = await startLoadBalancer({
      service: svc,
      pods: remote.local.pods.map((p) => p.pod),
      running: () => true,
      address: (await allocateSubnet()).service(0),
      admit,
    });
    // dist names the remote query by the DNS name of its load balancer.
    const endpointHost = prod.thanos.global!.endpoints[remoteCluster.name]!.replace(/:\d+$/, '');
    host = await startStack({
      ...common,
      cluster: hostName,
      only: [...RUN, 'thanos-query-global'],
      externalDns: { [endpointHost]: [lb.address] },
    });
    stacks.push(host);
    policies.set(hostName, await readPolicies(host));
    hostKnown!();
  }, 300_000);
  afterAll(async () => {
    await lb?.close();
    await Promise.all(stacks.map((s) => s.stop()));
    fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  const queryOf = (s: Stack, name: string) => s.client(s.local.podsOf('Deployment', name)[0]!, 'thanos-query', s.tls.query);
  const byCluster = async (s: Stack, name: string, expr: string, time?: number) => {
    const body = await json(queryOf(s, name), `/api/v1/query?query=${encodeURIComponent(expr)}${time ? `&time=${time}` : ''}`);
    return Object.fromEntries((body.data?.result ?? []).map((r: any) => [r.metric.cluster, r.value[1]]));
  };

  it('the global query sees every cluster once, through the load balancer, admitted by both clusters’ policies', async () => {
    const expected = Object.fromEntries(prod.clusters.map((c) => [c.name, '2']));
    let seen: Record<string, string> = {};
    const ok = await waitFor(
      async () =>
        isDeepStrictEqual((seen = await byCluster(host, 'thanos-query-global', 'count by (cluster) (prometheus_build_info)')), expected),
      60_000,
      1000,
    );
    // Each cluster's Prometheus pair scrapes both replicas: 2 series per cluster, not 4, after dedup.
    expect({ ok, seen, decisions: ok ? [] : decisions().map((d) => d.why) }).toEqual({ ok: true, seen: expected, decisions: [] });
    expect(decisions().length).toBeGreaterThan(0);
    expect(
      decisions()
        .filter((d) => !d.allowed)
        .map((d) => d.why),
    ).toEqual([]);
    expect(decisions().filter((d) => !d.why.startsWith('thanos-query-global-'))).toEqual([]);
    // The same connections under the NetworkPolicies of the dist before issue 16: every one refused.
    expect(beforeVerdicts.length).toBe(decisions().length);
    expect(beforeVerdicts.filter(Boolean)).toEqual([]);
  }, 120_000);

  it('the load balancer refuses a client that is no admitted pod', async () => {
    const before = lb.decisions.length;
    const closedWithoutData = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: lb.address, port: lb.decisions[0]!.listenerPort });
      let data = false;
      s.on('data', () => (data = true));
      s.on('error', () => resolve(!data));
      s.on('close', () => resolve(!data));
    });
    expect(closedWithoutData).toBe(true);
    const d = lb.decisions[before]!;
    expect(d.allowed).toBe(false);
    expect(d.why).toMatch(/is no pod of/);
  }, 30_000);

  it("each cluster's query shows only its own cluster's history; the stray block in the host's bucket is served by no one", async () => {
    const at = seededAt + 60;
    const want = {
      [hostName]: { [hostName]: '1' },
      [remoteCluster.name]: { [remoteCluster.name]: '2' },
      global: { [hostName]: '1', [remoteCluster.name]: '2' },
    };
    let got: Record<string, unknown> = {};
    const ok = await waitFor(
      async () => {
        got = {
          [hostName]: await byCluster(host, 'thanos-query', PROBE, at),
          [remoteCluster.name]: await byCluster(remote, 'thanos-query', PROBE, at),
          global: await byCluster(host, 'thanos-query-global', PROBE, at),
        };
        return isDeepStrictEqual(got, want);
      },
      60_000,
      1000,
    );
    expect({ ok, got }).toEqual({ ok: true, got: want });
  }, 90_000);

  it('each block is loaded by exactly one store gateway: its own cluster’s', async () => {
    const loaded = async (s: Stack) => {
      const pod = s.local.podsOf('StatefulSet', 'thanos-store')[0]!;
      const text = await (await fetch(`${s.client(pod, 'thanos-store').url}/metrics`)).text();
      return Number(/^thanos_bucket_store_blocks_loaded(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
    };
    // Two store pods per cluster (the HA pair) each load the cluster's one block; the stray one is loaded nowhere.
    const counts = { [hostName]: await loaded(host), [remoteCluster.name]: await loaded(remote) };
    expect(counts).toEqual({ [hostName]: 1, [remoteCluster.name]: 1 });
  }, 30_000);
});
