/**
 * The one local runner: a cluster's manifests applied to a real API server, reconciled by the
 * pinned operator, and every pod whose images have a pinned binary started as local processes
 * from what is in the API server afterwards (the operator's StatefulSets and generated configs,
 * our Deployments and StatefulSets), each pod on its own loopback address. The preview, the e2e
 * tests, the metric audit and the load bench start their stacks through it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterConfig, EnvConfig } from '../../envs/schema.js';
import type { Manifest } from '../../lib/synth.js';
import type { KubeClient } from '../../lib/kube.js';
import { generatedCluster, type GeneratedCluster } from './cluster.js';
import type { LocalPod, LocalService } from './discovery.js';
import { admittedSpec, runPod, toolForImage, type RunningPod } from './kubelet.js';
import { allocateSubnet, clusterDns, proxyService, type Resolver } from './network.js';
import { forLocalTime } from './rewrites.js';

const WORKLOADS = ['StatefulSet', 'Deployment', 'DaemonSet'] as const;
const NODE = 'local-node';

export interface RunnerOptions {
  readonly env: EnvConfig;
  readonly cluster: ClusterConfig;
  /** What is applied: a cluster of dist, or a variant rendered in memory. */
  readonly manifests: readonly Manifest[];
  /** Receivers' URLs point here (tools/preview/sink.ts). */
  readonly sinkUrl: string;
  /** Scrape/evaluation interval, cap on alert `for`, TSDB block duration of the local run. */
  readonly time: { interval: string; maxFor: string; blockDuration: string };
  /**
   * Root of the local object store: a bucket named B in an objstore config is the directory
   * <objectStore>/B. Clusters of one environment share the root, so two configs naming one
   * bucket share its blocks, as in S3. A new root by default.
   */
  readonly objectStore?: string;
  /** The issuer's CA directory (one per environment, as cert-manager's issuer is). */
  readonly caDir?: string;
  /** Values of ExternalSecret keys (credentials of the local run); a placeholder otherwise. */
  readonly secretValue?: (externalSecret: Manifest, key: string) => string | undefined;
  /** Run only the workloads this accepts (e.g. a remote cluster's query path). */
  readonly only?: (workload: { kind: string; namespace: string; name: string }) => boolean;
  /** CPUs a workload's pods run on (a `taskset` list), e.g. to give each role its own core in a benchmark. */
  readonly cpus?: (workload: { kind: string; namespace: string; name: string }) => string | undefined;
  /** Addresses of names outside this cluster (another cluster's load balancer), for its pods' DNS. */
  readonly externalDns?: Readonly<Record<string, readonly string[]>>;
  readonly progress?: (line: string) => void;
  readonly keepWork?: boolean;
}

export interface LocalCluster {
  readonly work: string;
  /** Root of the local object store (see RunnerOptions.objectStore). */
  readonly objectStore: string;
  readonly caDir: string;
  readonly generated: GeneratedCluster;
  /** Namespaces whose workloads run here: the platform's and those of other workloads applied with it. */
  readonly namespaces: readonly string[];
  readonly pods: readonly RunningPod[];
  /** Workloads not started here, with the reason (an image without a local binary). */
  readonly needsCluster: readonly string[];
  /** Services and their addresses (ClusterIP ones get a local virtual IP). */
  readonly services: readonly (LocalService & { clusterIP: string })[];
  /** Cluster DNS as pods in `namespace` see it (for clients of the local run, e.g. a Grafana datasource URL). */
  dns(namespace: string): Resolver;
  /** The pods of a workload, in ordinal order. */
  podsOf(kind: string, name: string): RunningPod[];
  /**
   * One more pod of a workload, outside its Services, whose `dnssrv+`/`dns+` lookups `endpoints`
   * answers first (e.g. a query that knows only the store gateways).
   */
  runExtra(kind: string, name: string, podName: string, endpoints: (address: string) => string[] | undefined): Promise<RunningPod>;
  /** Stop pod `name` and start it again on the same volumes. */
  restart(name: string, signal?: NodeJS.Signals): Promise<RunningPod>;
  stop(): Promise<void>;
}

interface Planned {
  readonly pod: LocalPod;
  readonly template: any;
  readonly claims: string[];
  readonly workload: string;
}

export async function startLocalCluster(o: RunnerOptions): Promise<LocalCluster> {
  const say = o.progress ?? (() => {});
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `gl-run-${o.cluster.name}-`));
  const objectStore = o.objectStore ?? path.join(work, 'object-store');
  fs.mkdirSync(objectStore, { recursive: true });
  const caDir = o.caDir ?? path.join(work, 'ca');
  fs.mkdirSync(caDir, { recursive: true });

  say('control plane, CRDs, dist and the operator');
  const manifests = forLocalTime(o.manifests, o.time);
  const net = await allocateSubnet();
  const generated = await generatedCluster(o.env, manifests, { caDir, secretValue: o.secretValue, operatorIp: net.pod(0) });
  const closers: (() => Promise<void>)[] = [];
  const running = new Map<string, RunningPod>();
  const stopped = new Set<string>();
  const stopAll = async () => {
    await Promise.all([...running.values()].map((p) => p.stop()));
    for (const c of closers.reverse()) await c();
    await generated.stop();
    if (!o.keepWork) fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    const kube = generated.kube;
    // The platform's namespaces, and any other that the applied manifests put workloads in (the preview's stand-ins).
    const namespaces = [
      ...new Set([
        ...generated.namespaces,
        ...o.manifests.filter((m) => (WORKLOADS as readonly string[]).includes(m.kind)).map((m) => m.metadata.namespace!),
      ]),
    ];
    const needsCluster: string[] = [];
    const planned: Planned[] = [];
    /** Workloads `only` leaves out: runExtra can still start one of their pods. */
    const leftOut: Planned[] = [];
    // The operator already runs (it generated all this), as the first pod.
    const operatorPods: LocalPod[] = [];
    let podIndex = 1;
    for (const namespace of namespaces) {
      for (const kind of WORKLOADS) {
        for (const w of await kube.list('apps/v1', kind, namespace)) {
          const name = w.metadata.name as string;
          const ref = `${kind}/${namespace}/${name}`;
          const t = w.spec.template;
          if (name === 'prometheus-operator') {
            operatorPods.push(localPod(w, kind, `${name}-local-0`, net.pod(0), t.metadata?.labels ?? {}));
            continue;
          }
          const wanted = !o.only || o.only({ kind, namespace, name });
          const missing = [...(t.spec.initContainers ?? []), ...t.spec.containers]
            .map((c: any) => toolForImage(c.image))
            .flatMap((r) => ('missing' in r ? [r.missing] : []));
          if (missing.length) {
            if (wanted) needsCluster.push(`${ref}: ${[...new Set(missing)].join(', ')}`);
            continue;
          }
          const replicas = kind === 'DaemonSet' ? 1 : (w.spec.replicas ?? 1);
          for (let i = 0; i < replicas; i++) {
            const podName = kind === 'StatefulSet' ? `${name}-${i}` : kind === 'DaemonSet' ? `${name}-${NODE}` : `${name}-local-${i}`;
            const ip = wanted ? net.pod(podIndex++) : '';
            const labels = {
              ...(t.metadata?.labels ?? {}),
              ...(kind === 'StatefulSet'
                ? { 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(i) }
                : {}),
            };
            const pod = localPod(w, kind, podName, ip, labels);
            (wanted ? planned : leftOut).push({
              pod,
              template: { ...t, metadata: { ...t.metadata, labels } },
              claims: (w.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
              workload: `${kind}/${name}`,
            });
          }
        }
      }
    }

    const pods = [...operatorPods, ...planned.map((p) => p.pod)];
    // Endpoints: a pod whose containers run (a stopped one is dropped, as kube-proxy drops a not-ready endpoint).
    const isRunning = (p: LocalPod) =>
      operatorPods.includes(p) || ((running.get(p.name)?.containers.size ?? 0) > 0 && !stopped.has(p.name));
    let vip = 0;
    const services: (LocalService & { clusterIP: string })[] = [];
    for (const namespace of namespaces)
      for (const s of await kube.list('v1', 'Service', namespace))
        services.push({
          namespace,
          name: s.metadata.name,
          labels: s.metadata.labels ?? {},
          annotations: s.metadata.annotations ?? {},
          selector: s.spec.selector,
          ports: s.spec.ports ?? [],
          clusterIP: s.spec.clusterIP === 'None' ? 'None' : net.service(vip++),
        });
    for (const s of services.filter((x) => x.clusterIP !== 'None')) {
      const proxy = await proxyService(s, pods, isRunning);
      closers.push(proxy.close);
    }

    say(`${planned.length} pods on ${net.pod(0)}..${net.pod(podIndex - 1)}; needs a cluster: ${needsCluster.length} workloads`);
    const discovered = { services, pods };
    const launch = async (p: Planned, endpoints?: (address: string) => string[] | undefined) => {
      // DNS names every planned pod (they come up together; clients retry until one answers).
      const base = clusterDns(pods, services, p.pod.namespace, () => true, o.externalDns);
      const dns = endpoints ? { ...base, endpoints: (a: string) => endpoints(a) ?? base.endpoints(a) } : base;
      const spec = await admittedSpec(kube, p.pod, p.template, p.claims);
      const ctx = {
        kube,
        dir: path.join(work, 'pods', p.pod.name),
        files: { dns, objectStore, sink: o.sinkUrl, discovered: () => discovered },
        token: (ns: string, sa: string, audience?: string) => serviceAccountToken(generated, ns, sa, audience),
        apiServer: { host: new URL(generated.cp.url).hostname, port: Number(new URL(generated.cp.url).port) },
        cpus: o.cpus?.({ kind: p.workload.split('/')[0]!, namespace: p.pod.namespace, name: p.workload.split('/')[1]! }),
      };
      const r = await runPod(ctx, p.pod, spec);
      running.set(p.pod.name, r);
      say(`${p.workload} ${p.pod.name} ready (${[...r.containers.keys()].join(', ')})`);
      return r;
    };
    await Promise.all(planned.map((p) => launch(p)));
    await reportWorkloadStatus(kube, planned);

    const byName = (n: string) => {
      const r = running.get(n);
      if (!r) throw new Error(`no local pod ${n}`);
      return r;
    };
    return {
      work,
      objectStore,
      caDir,
      generated,
      namespaces,
      get pods() {
        return [...running.values()];
      },
      needsCluster,
      services,
      dns: (namespace) => clusterDns(pods, services, namespace, isRunning, o.externalDns),
      podsOf: (kind, name) => planned.filter((p) => p.workload === `${kind}/${name}`).map((p) => byName(p.pod.name)),
      async runExtra(kind, name, podName, endpoints) {
        const like = [...planned, ...leftOut].find((p) => p.workload === `${kind}/${name}`);
        if (!like) throw new Error(`no local workload ${kind}/${name}`);
        const pod = { ...like.pod, name: podName, ip: net.pod(podIndex++), uid: crypto.randomUUID() };
        // Not in the Services' endpoints (not in `pods`): only the caller talks to it.
        return launch({ ...like, pod }, endpoints);
      },
      async restart(name, signal) {
        stopped.add(name);
        const r = await byName(name).restart(signal);
        running.set(name, r);
        stopped.delete(name);
        return r;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The status the workload controllers would report once the pods run (this control plane has no
 * controller-manager): kube-state-metrics exports it and the replica-mismatch alerts read it.
 * Workloads left out keep an empty status, as they do not run. DaemonSets run on the one node.
 */
async function reportWorkloadStatus(kube: KubeClient, planned: readonly Planned[]): Promise<void> {
  const byWorkload = new Map<string, Planned[]>();
  for (const p of planned) {
    const key = `${p.pod.namespace}/${p.workload}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), p]);
  }
  for (const [key, pods] of byWorkload) {
    const [namespace, kind, name] = key.split('/') as [string, string, string];
    const live = await kube.get('apps/v1', kind, name, namespace);
    const n = pods.length;
    const observedGeneration = live.metadata.generation;
    const status =
      kind === 'DaemonSet'
        ? {
            observedGeneration,
            desiredNumberScheduled: n,
            currentNumberScheduled: n,
            updatedNumberScheduled: n,
            numberMisscheduled: 0,
            numberReady: n,
            numberAvailable: n,
          }
        : {
            observedGeneration,
            replicas: n,
            updatedReplicas: n,
            readyReplicas: n,
            availableReplicas: n,
            ...(kind === 'StatefulSet' ? { currentReplicas: n } : {}),
          };
    await kube.call('PATCH', `${await kube.objectPath(live)}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
  }
}

/** A workload's pod as the runner runs it: its own address, the template's labels, one node. */
function localPod(w: any, kind: string, name: string, ip: string, labels: Record<string, string>): LocalPod {
  const t = w.spec.template;
  return {
    namespace: w.metadata.namespace,
    name,
    ip,
    uid: crypto.randomUUID(),
    labels,
    annotations: t.metadata?.annotations ?? {},
    node: NODE,
    hostIP: '127.0.0.1',
    hostname: kind === 'StatefulSet' && w.spec.serviceName ? name : undefined,
    controller: {
      kind: kind === 'Deployment' ? 'ReplicaSet' : kind,
      name: kind === 'Deployment' ? `${w.metadata.name}-local` : w.metadata.name,
    },
    containers: t.spec.containers.map(containerOf),
    initContainers: (t.spec.initContainers ?? []).map(containerOf),
  };
}

function containerOf(c: any) {
  return { name: c.name, image: c.image, ports: c.ports ?? [] };
}

/** A real ServiceAccount token from the API server (TokenRequest), as the kubelet projects it. */
async function serviceAccountToken(g: GeneratedCluster, namespace: string, sa: string, audience?: string): Promise<string> {
  const res = await g.kube.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: audience ? [audience] : [], expirationSeconds: 3600 },
    },
  });
  if (res.status !== 201) throw new Error(`token for ${namespace}/${sa}: ${res.body?.message}`);
  return res.body.status.token;
}
