/**
 * A cluster of an environment running locally through the one runner (tools/runner): dist
 * applied to a real API server, the pinned operator generating its StatefulSets and configs,
 * every pod with a pinned binary started from what is in the API server, receivers pointed at a
 * local sink, credentials of the run filled in where External Secrets would, and a demo batch
 * job using the Python SDK. Used by `make preview` and by the e2e tests.
 *
 * Local-only changes, all for time, made to dist's objects before the operator sees them
 * (tools/runner/rewrites.ts forLocalTime): scrape and evaluation intervals, alert `for` capped,
 * Alertmanager group delays of 1s, short TSDB blocks.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import type { ClusterConfig, EnvConfig } from '../../envs/schema.js';
import { repoRoot } from '../../lib/paths.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import type { Manifest } from '../../lib/synth.js';
import { webServerName, WEB_TLS_SECRET } from '../../lib/web-tls.js';
import { renderCluster } from '../../charts/index.js';
import type { ClientTls } from '../https.js';
import { start, type Running } from '../proc.js';
import { startLocalCluster, type LocalCluster } from '../runner/index.js';
import type { RunningPod } from '../runner/kubelet.js';
import { generatedPrometheusConfig, reportJobs, type JobReport } from '../runner/jobs.js';
import { getJson } from '../https.js';
import { startSink } from './sink.js';
import { greenlangStandIns } from './greenlang-services.js';

export interface StackOptions {
  readonly env?: string;
  readonly cluster?: string;
  /**
   * Render the environment at the newest pins (dev's), as its next promotion would deploy it: the
   * local binaries are built at those, and an environment behind dev runs older images.
   */
  readonly newestPins?: boolean;
  /** The manifests to run; the cluster rendered from envs/ by default (as dist has it). */
  readonly manifests?: readonly Manifest[];
  readonly progress?: (line: string) => void;
  /** TSDB block duration for local runs (the cluster uses 2h); blocks upload after ~1.5x this. */
  readonly blockDuration?: string;
  /** Scrape and rule evaluation interval for local runs. */
  readonly interval?: string;
  /** Cap on alert `for` durations for local runs. */
  readonly maxFor?: string;
  /** Run the demo batch job (pushes every 10 s). */
  readonly demoJob?: boolean;
  /** Share the object store (see RunnerOptions.objectStore) and the issuer's CA with another stack (the clusters of one environment). */
  readonly objectStore?: string;
  readonly caDir?: string;
  /** Stand-ins for GreenLang's own services (greenlang-services.ts); by default when the whole stack runs. */
  readonly greenlangStandIns?: boolean;
  /** Run only these workloads (by name), e.g. the query path of a remote cluster. */
  readonly only?: readonly string[];
  /** CPUs for the pods of a workload (by name), as a `taskset` list; any CPU when undefined. */
  readonly cpus?: (workload: string) => string | undefined;
  /** Addresses of names outside the cluster (another cluster's query), see RunnerOptions. */
  readonly externalDns?: Readonly<Record<string, readonly string[]>>;
  readonly keepWork?: boolean;
  /** Rule groups for the ThanosRuler, added as a PrometheusRule it selects (tests probe its query path). */
  readonly extraRulerGroups?: readonly unknown[];
}

export interface Stack {
  readonly env: EnvConfig;
  readonly cluster: string;
  readonly local: LocalCluster;
  readonly work: string;
  /** The cluster's own bucket (a directory of the local object store). */
  readonly bucket: string;
  readonly sink: Awaited<ReturnType<typeof startSink>>;
  readonly proms: Running[];
  readonly sidecars: Running[];
  readonly ams: Running[];
  readonly pgs: Running[];
  readonly query: Running;
  readonly frontend?: Running;
  readonly ruler?: Running;
  readonly nodeExporter?: Running;
  readonly demo?: Running;
  /** The TSDB directory (the PVC) of each Prometheus replica. */
  readonly tsdbDirs: string[];
  /** Environment for SDK processes pushing to this stack. */
  readonly sdkEnv: Record<string, string>;
  /** Client TLS: web (Prometheus, Alertmanager, PushGateway), query (mTLS query API), host (node-exporter). */
  readonly tls: { web: ClientTls; query: ClientTls; host: ClientTls };
  /** PushGateway credentials of this run. */
  readonly pushAuth: { username: string; password: string; passwordFile: string };
  /** Workloads not run here (no local binary for an image), with the reason. */
  readonly needsCluster: readonly string[];
  /** Generated scrape jobs: which have targets here, which need a cluster and why (from replica 0's targets). */
  jobs(): Promise<JobReport>;
  /** Stop replica i's pod with `signal` and start it again on the same volume (WAL replay). */
  restartPrometheus(i: number, signal?: NodeJS.Signals): Promise<Running>;
  /** A client view of a container: its URL with the scheme it serves and the TLS to reach it. */
  client(pod: RunningPod, container: string, t?: ClientTls): Running;
  all(): Running[];
  stop(): Promise<void>;
}

/** Credentials of a local run, under the keys the ExternalSecrets fetch. */
function credentials(sinkUrl: string): Record<string, string> {
  const password = crypto.randomBytes(12).toString('hex');
  return {
    username: 'preview',
    password,
    'password-bcrypt': bcrypt(password),
    'slack-webhook-url': `${sinkUrl}/slack`,
    'pagerduty-routing-key': 'preview-routing-key',
    'smtp-password': 'preview',
    'heartbeat-url': `${sinkUrl}/heartbeat`,
  };
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const env = resolveAll(envFiles, opts.newestPins ? { pins: {} } : {}).find((e) => e.name === (opts.env ?? 'dev'));
  if (!env) throw new Error(`unknown environment ${opts.env}`);
  const cluster: ClusterConfig | undefined = opts.cluster ? env.clusters.find((c) => c.name === opts.cluster) : env.clusters[0];
  if (!cluster) throw new Error(`environment ${env.name} has no cluster ${opts.cluster}`);
  const manifests = [
    ...(opts.manifests ?? renderCluster(env, cluster).flatMap((r) => r.manifests)),
    ...((opts.greenlangStandIns ?? !opts.only) ? greenlangStandIns(env) : []),
    ...(opts.extraRulerGroups?.length ? [rulerRule(env, opts.extraRulerGroups)] : []),
  ];

  const sink = await startSink();
  const creds = credentials(sink.url);
  let local: LocalCluster;
  try {
    local = await startLocalCluster({
      env,
      cluster,
      manifests,
      sinkUrl: sink.url,
      time: { interval: opts.interval ?? '2s', maxFor: opts.maxFor ?? '10s', blockDuration: opts.blockDuration ?? '1m' },
      objectStore: opts.objectStore,
      caDir: opts.caDir,
      secretValue: (_es, key) => creds[key],
      only: opts.only ? (w) => opts.only!.includes(w.name) : undefined,
      cpus: opts.cpus ? (w) => opts.cpus!(w.name) : undefined,
      externalDns: opts.externalDns,
      progress: opts.progress,
      keepWork: opts.keepWork,
    });
  } catch (err) {
    await sink.close();
    throw err;
  }
  const extra: Running[] = [];
  try {
    // Client certificates as the platform's own clients hold them: the namespaces' web TLS Secrets.
    const clientDir = async (namespace: string) => {
      const s = await local.generated.kube.get('v1', 'Secret', WEB_TLS_SECRET, namespace);
      const dir = path.join(local.work, 'clients', namespace);
      fs.mkdirSync(dir, { recursive: true });
      for (const k of ['ca.crt', 'tls.crt', 'tls.key']) fs.writeFileSync(path.join(dir, k), Buffer.from(s.data[k], 'base64'));
      return dir;
    };
    const webDir = await clientDir(env.namespace);
    const web: ClientTls = { certDir: webDir, serverName: webServerName(env.namespace) };
    const query: ClientTls = { ...web, clientCert: true };
    const host: ClientTls = { certDir: await clientDir(env.hostNamespace), serverName: webServerName(env.hostNamespace) };
    const passwordFile = path.join(local.work, 'clients', 'pushgateway-password');
    fs.writeFileSync(passwordFile, creds.password!);

    const client = (pod: RunningPod, container: string, t: ClientTls = web): Running => {
      const r = pod.containers.get(container);
      if (!r) throw new Error(`${pod.pod.name} has no container ${container}`);
      return { ...r, tls: r.url.startsWith('https:') ? t : undefined };
    };
    const sts = (name: string) => local.podsOf('StatefulSet', name);
    const deploy = (name: string) => local.podsOf('Deployment', name);
    const promPods = sts('prometheus-prometheus');
    const proms = promPods.map((p) => client(p, 'prometheus'));
    const sidecars = promPods.filter((p) => p.containers.has('thanos-sidecar')).map((p) => client(p, 'thanos-sidecar'));
    const ams = sts('alertmanager-alertmanager').map((p) => client(p, 'alertmanager'));
    const pgs = sts('pushgateway').map((p) => client(p, 'pushgateway'));
    const queryPod = deploy('thanos-query')[0];
    if (!queryPod) throw new Error('no thanos-query pod runs');
    const frontendPod = deploy('thanos-query-frontend')[0];
    const rulerPod = sts('thanos-ruler-thanos-ruler')[0];
    const nodePod = local.podsOf('DaemonSet', 'node-exporter')[0];
    const tsdbDirs = promPods.map((p) => path.join(local.work, 'pods', p.pod.name, 'volumes', 'prometheus-db', 'prometheus-db'));

    const sdkEnv = {
      GL_PUSHGATEWAY_USERNAME: creds.username!,
      GL_PUSHGATEWAY_PASSWORD_FILE: passwordFile,
      ...(pgs[0]?.tls ? { GL_PUSHGATEWAY_CA_FILE: `${webDir}/ca.crt`, GL_PUSHGATEWAY_SERVER_NAME: web.serverName } : {}),
    };
    let demo: Running | undefined;
    if (pgs.length && (opts.demoJob ?? true)) {
      opts.progress?.('demo batch job (Python SDK, every 10 s)');
      demo = await start({
        tool: 'python',
        command: path.join(repoRoot, 'sdk/python/.venv/bin/python'),
        readyPath: null,
        env: { ...process.env, ...sdkEnv },
        args: () => ['-c', DEMO_JOB, pgs.map((p) => p.url).join(',')],
      });
      extra.push(demo);
    }

    const stack: Stack = {
      env,
      cluster: cluster.name,
      local,
      work: local.work,
      bucket: path.join(local.objectStore, env.aws[cluster.name]!.bucket),
      sink,
      proms,
      sidecars,
      ams,
      pgs,
      query: client(queryPod, 'thanos-query', query),
      frontend: frontendPod && client(frontendPod, 'thanos-query-frontend', query),
      ruler: rulerPod && client(rulerPod, 'thanos-ruler'),
      nodeExporter: nodePod && client(nodePod, 'node-exporter', host),
      demo,
      tsdbDirs,
      sdkEnv,
      tls: { web, query, host },
      pushAuth: { username: creds.username!, password: creds.password!, passwordFile },
      needsCluster: local.needsCluster,
      async restartPrometheus(i, signal = 'SIGKILL') {
        const pod = await local.restart(promPods[i]!.pod.name, signal);
        proms[i] = client(pod, 'prometheus');
        return proms[i]!;
      },
      async jobs() {
        const config = await generatedPrometheusConfig(local.generated.kube, env.namespace, 'prometheus');
        const p = stack.proms[0]!;
        const url = `${p.url}/api/v1/targets?state=active`;
        const body = p.tls ? await getJson(url, p.tls) : await (await fetch(url)).json();
        const counts: Record<string, number> = {};
        for (const t of body.data.activeTargets) counts[t.scrapePool] = (counts[t.scrapePool] ?? 0) + 1;
        return reportJobs(config, counts, local.namespaces, local.needsCluster);
      },
      client,
      all: () => [...local.pods.flatMap((p) => [...p.containers.values()]), ...extra],
      async stop() {
        await Promise.all(extra.map((p) => p.stop()));
        await local.stop();
        await sink.close();
      },
    };
    return stack;
  } catch (err) {
    await Promise.all(extra.map((p) => p.stop()));
    await local.stop();
    await sink.close();
    throw err;
  }
}

/** A PrometheusRule the environment's ThanosRuler selects (the label rules for the ruler carry). */
function rulerRule(env: EnvConfig, groups: readonly unknown[]): Manifest {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'local-ruler-probe', namespace: env.namespace, labels: { [RULE_EVALUATOR_LABEL]: THANOS_RULER_EVALUATOR } },
    spec: { groups },
  } as Manifest;
}

const DEMO_JOB = `
import random, sys, time
from greenlang.monitoring import BatchJobMetrics
m = BatchJobMetrics("preview-demo", sys.argv[1].split(","), expected_interval=60, ttl=3600)
while True:
    with m.track_duration():
        m.job_records_processed.labels(record_type="row").set(random.randint(100, 200))
    time.sleep(10)
`;

function bcrypt(password: string): string {
  const python = path.join(repoRoot, 'sdk/python/.venv/bin/python');
  return execFileSync(
    python,
    ['-c', 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=10)).decode())', password],
    { encoding: 'utf8' },
  ).trim();
}
