/**
 * `make bench-load`: ingestion ceiling, query load and isolation, rendered configuration vs a
 * bare Prometheus with default flags, measured in one run on this machine. Writes
 * docs/benchmarks/load-results.json; bench/load/report.py turns it into the report and plots.
 *
 *   node --import tsx bench/load/load.ts            (LOAD_SERIES, LOAD_CLIENTS, LOAD_SECONDS to scale)
 *
 * Rendered = dev's Prometheus as the operator generates it (one replica; the load is a
 * ScrapeConfig it selects) with its sidecar, Thanos query and query-frontend, all run by the local
 * runner (tools/runner) from what the operator generated; queries go through the frontend
 * (mutual TLS). The interval is changed on the ScrapeConfig, so the operator regenerates the config
 * and the config reloader reloads Prometheus. Bare = `prometheus --config.file` plus
 * --web.enable-lifecycle (to change the interval), queried directly.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { parseDuration } from '../../lib/units.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { repoRoot } from '../../lib/paths.js';
import type { Manifest } from '../../lib/synth.js';
import { renderCluster } from '../../charts/index.js';
import { freePort, start, type Running } from '../../tools/proc.js';
import { request, type ClientTls } from '../../tools/https.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { versions } from '../../envs/versions.js';

const SERIES = Number(process.env.LOAD_SERIES ?? 1_000_000);
const TARGETS = 100;
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 100);
const LOAD_S = Number(process.env.LOAD_SECONDS ?? 60);
// Finer near the top, where one core runs out.
const INTERVALS_S = [10, 5, 2.5, 2, 1.6, 1.25, 1];
const SETTLE_S = Number(process.env.LOAD_SETTLE_SECONDS ?? 20);
const WINDOW_S = Number(process.env.LOAD_WINDOW_SECONDS ?? 30);
const QUERY_INTERVAL_S = 2; // ingestion during the query phases: 500K samples/s at 1M series
/**
 * Each side on its own core, as on separate nodes of a cluster: ingestion (Prometheus with its
 * sidecar and reloader, and the targets it scrapes) on CPU 0; the query side (Thanos query and
 * query-frontend, and the clients in this process) on CPU 1. The same for both paths.
 */
const PINNED = os.cpus().length >= 2;
const INGEST_CPUS = PINNED ? '0' : undefined;
const QUERY_CPUS = PINNED ? '1' : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-load-'));
const procs: Running[] = [];
const run = async (o: Parameters<typeof start>[0]) => {
  const p = await start(o);
  procs.push(p);
  return p;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    process.exit(130);
  });
}

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;

// --- measurement -------------------------------------------------------------------------

function procStat(pid: number): { cpuS: number; rss: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]); // utime + stime
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  return { cpuS: ticks / 100, rss };
}

async function text(p: Running, pathAndQuery: string): Promise<string> {
  if (p.tls) return (await request(`${p.url}${pathAndQuery}`, p.tls, { reuse: true })).body;
  return (await fetch(`${p.url}${pathAndQuery}`)).text();
}

async function promMetric(p: Running, name: string): Promise<number> {
  const text_ = await text(p, '/metrics');
  let sum = 0;
  for (const line of text_.split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function promQuery(p: Running, q: string): Promise<number> {
  const body = JSON.parse(await text(p, `/api/v1/query?query=${encodeURIComponent(q)}`));
  return Number(body.data?.result?.[0]?.value?.[1] ?? NaN);
}

interface Window {
  samplesPerSec: number;
  cpuCores: number;
  rssBytes: number;
  headSeries: number;
  bytesPerSeries: number;
  scrapeAvgS: number;
  scrapeMaxS: number;
}

async function measure(prom: Running, seconds: number, during?: Promise<unknown>): Promise<Window> {
  const a = { samples: await promMetric(prom, 'prometheus_tsdb_head_samples_appended_total'), ...procStat(prom.pid), t: Date.now() };
  await Promise.race([sleep(seconds * 1000), during ?? new Promise(() => {})]);
  const b = { samples: await promMetric(prom, 'prometheus_tsdb_head_samples_appended_total'), ...procStat(prom.pid), t: Date.now() };
  const dt = (b.t - a.t) / 1000;
  const headSeries = await promMetric(prom, 'prometheus_tsdb_head_series');
  return {
    samplesPerSec: (b.samples - a.samples) / dt,
    cpuCores: (b.cpuS - a.cpuS) / dt,
    rssBytes: b.rss,
    headSeries,
    bytesPerSeries: b.rss / headSeries,
    scrapeAvgS: await promQuery(prom, `avg(avg_over_time(scrape_duration_seconds{job="${LOAD_JOB}"}[${Math.round(seconds)}s]))`),
    scrapeMaxS: await promQuery(prom, `max(max_over_time(scrape_duration_seconds{job="${LOAD_JOB}"}[${Math.round(seconds)}s]))`),
  };
}

// --- the systems under test ----------------------------------------------------------------

const expoPort = await freePort();
const LOAD_JOB = 'load';

function promConfig(intervalS: number): string {
  return stringify({
    global: { scrape_interval: `${Math.round(intervalS * 1000)}ms`, scrape_timeout: `${Math.round(Math.min(intervalS, 10) * 1000)}ms` },
    scrape_configs: [
      {
        job_name: LOAD_JOB,
        static_configs: Array.from({ length: TARGETS }, (_, i) => ({
          targets: [`127.0.0.1:${expoPort}`],
          labels: { __metrics_path__: `/t/${i}`, target: `t${i}` },
        })),
      },
    ],
  });
}

/** The load as a ScrapeConfig dev's Prometheus selects: the operator generates its job. */
function loadScrapeConfig(intervalS: number): Manifest {
  return {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'ScrapeConfig',
    metadata: { name: LOAD_JOB, namespace: dev.namespace },
    spec: {
      scrapeInterval: `${Math.round(intervalS * 1000)}ms`,
      scrapeTimeout: `${Math.round(Math.min(intervalS, 10) * 1000)}ms`,
      staticConfigs: Array.from({ length: TARGETS }, (_, i) => ({ targets: [`127.0.0.1:${expoPort}`], labels: { target: `t${i}` } })),
      relabelings: [
        { sourceLabels: ['target'], regex: 't(\\d+)', targetLabel: '__metrics_path__', replacement: '/t/$1' },
        { targetLabel: 'job', replacement: LOAD_JOB },
      ],
    },
  } as Manifest;
}

/** dev as rendered, with one Prometheus replica (one process measured) and the load ScrapeConfig. */
function benchManifests(intervalS: number): Manifest[] {
  const cluster = dev.clusters[0]!;
  return [
    ...renderCluster(dev, cluster)
      .flatMap((r) => r.manifests)
      .map((m) =>
        m.kind === 'Prometheus' ? ({ ...m, spec: { ...(m as Manifest & { spec: object }).spec, replicas: 1 } } as Manifest) : m,
      ),
    loadScrapeConfig(intervalS),
  ];
}

/** The rendered system: generated by the operator, run by the local runner, each side on its core. */
async function startRendered(intervalS: number): Promise<{ stack: Stack; prom: Running }> {
  const stack = await startStack({
    manifests: benchManifests(intervalS),
    only: ['prometheus-prometheus', 'thanos-query', 'thanos-query-frontend'],
    cpus: (workload) => (workload === 'prometheus-prometheus' ? INGEST_CPUS : QUERY_CPUS),
    interval: `${Math.round(intervalS * 1000)}ms`,
    blockDuration: '2h', // as in the cluster: the bench measures steady ingestion
    demoJob: false,
  });
  return { stack, prom: stack.proms[0]! };
}

async function startBare(intervalS: number): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(work, 'bare-'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), promConfig(intervalS));
  return run({
    tool: 'prometheus',
    dir,
    timeoutMs: 300_000,
    cpus: INGEST_CPUS,
    args: ({ port }) => ['--config.file=prometheus.yml', `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle'],
  });
}

async function setBareInterval(prom: Running, intervalS: number): Promise<void> {
  fs.writeFileSync(path.join(prom.dir, 'prometheus.yml'), promConfig(intervalS));
  const status = (await fetch(`${prom.url}/-/reload`, { method: 'POST' })).status;
  if (status !== 200) throw new Error(`reload failed: ${status}`);
}

/** The interval changed where a platform user changes it: the operator regenerates, the reloader reloads. */
async function setRenderedInterval(stack: Stack, prom: Running, intervalS: number): Promise<void> {
  const kube = stack.local.generated.kube;
  await kube.apply(loadScrapeConfig(intervalS), { fieldManager: 'gl-local-runner', strict: true, force: true });
  for (let i = 0; i < 120; i++) {
    const pod = stack.local.podsOf('StatefulSet', 'prometheus-prometheus')[0]!;
    await pod.syncVolumes();
    const config = parse(JSON.parse(await text(prom, '/api/v1/status/config')).data.yaml as string);
    const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === `scrapeConfig/${dev.namespace}/${LOAD_JOB}`);
    if (job && Math.abs((parseDuration(job.scrape_interval) ?? NaN) - intervalS) < 0.001) return;
    await sleep(1000);
  }
  throw new Error(`the loaded config did not reach a ${intervalS} s interval in 120 s`);
}

async function waitAllUp(prom: Running): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      (await promQuery(prom, `sum(up{job="${LOAD_JOB}"})`)) === TARGETS &&
      (await promMetric(prom, 'prometheus_tsdb_head_series')) >= SERIES
    )
      return;
    await sleep(1000);
  }
  throw new Error('targets not all up with every series after 300 s');
}

// --- phase 1: ingestion ceiling ------------------------------------------------------------

interface RampStep extends Window {
  config: string;
  intervalS: number;
  offered: number;
  keptUp: boolean;
}

async function ramp(kind: 'bare' | 'rendered'): Promise<RampStep[]> {
  const rendered = kind === 'rendered' ? await startRendered(INTERVALS_S[0]!) : undefined;
  const prom = rendered?.prom ?? (await startBare(INTERVALS_S[0]!));
  await waitAllUp(prom);
  const steps: RampStep[] = [];
  for (const intervalS of INTERVALS_S) {
    if (rendered) await setRenderedInterval(rendered.stack, prom, intervalS);
    else await setBareInterval(prom, intervalS);
    await sleep(SETTLE_S * 1000);
    const w = await measure(prom, WINDOW_S);
    const offered = (SERIES + 5 * TARGETS) / intervalS; // + up, scrape_duration_seconds, ... per target
    const keptUp = w.samplesPerSec >= 0.95 * offered && w.scrapeMaxS < intervalS;
    steps.push({ config: kind, intervalS, offered, keptUp, ...w });
    log(
      `${kind} @${intervalS}s: ${Math.round(w.samplesPerSec)} of ${Math.round(offered)} samples/s, ${w.cpuCores.toFixed(2)} cores, RSS ${(w.rssBytes / 2 ** 30).toFixed(2)} GiB, scrape avg ${w.scrapeAvgS.toFixed(3)} s max ${w.scrapeMaxS.toFixed(3)} s${keptUp ? '' : '  (did not keep up)'}`,
    );
  }
  if (rendered) await rendered.stack.stop();
  else {
    await prom.stop();
    procs.splice(procs.indexOf(prom), 1);
  }
  return steps;
}

// --- phase 2: queries and isolation --------------------------------------------------------

interface QueryRun {
  config: string;
  clients: number;
  seconds: number;
  completed: number;
  errors: number;
  throughput: number;
  p50: number;
  p99: number;
  instantP50: number;
  rangeP50: number;
  ingestionBefore: number;
  ingestionDuring: number;
  isolation: number;
  scrapeMaxDuringS: number;
}

/** GET with the client's identity when the endpoint is the mutual-TLS query API, kept alive. */
async function get(url: string, tls?: ClientTls): Promise<number> {
  if (tls) return (await request(url, tls, { reuse: true, timeoutMs: 30_000 })).status;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return res.status;
}

async function queryLoad(config: string, queryUrl: string, prom: Running, tls?: ClientTls): Promise<QueryRun> {
  const before = await measure(prom, 20);
  const lat: number[] = [];
  const lat_i: number[] = [];
  const lat_r: number[] = [];
  let errors = 0;
  const deadline = Date.now() + LOAD_S * 1000;
  const client = async (c: number) => {
    let k = c;
    while (Date.now() < deadline) {
      k = (k * 1103515245 + 12345) % 2 ** 31;
      const target = `t${k % TARGETS}`;
      const expr = `sum by (shard) (bench_series{target="${target}"})`;
      const range = k % 2 === 0;
      const end = Math.floor(Date.now() / 15000) * 15;
      const url = range
        ? `${queryUrl}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${end - 600}&end=${end}&step=15`
        : `${queryUrl}/api/v1/query?query=${encodeURIComponent(expr)}`;
      const t0 = performance.now();
      try {
        const status = await get(url, tls);
        if (status !== 200) throw new Error(String(status));
        const ms = performance.now() - t0;
        lat.push(ms);
        (range ? lat_r : lat_i).push(ms);
      } catch {
        errors++;
      }
    }
  };
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c + 1)));
  const during = await measure(prom, LOAD_S);
  await load;
  const r: QueryRun = {
    config,
    clients: CLIENTS,
    seconds: LOAD_S,
    completed: lat.length,
    errors,
    throughput: lat.length / LOAD_S,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    instantP50: quantile(lat_i, 0.5),
    rangeP50: quantile(lat_r, 0.5),
    ingestionBefore: before.samplesPerSec,
    ingestionDuring: during.samplesPerSec,
    isolation: during.samplesPerSec / before.samplesPerSec,
    scrapeMaxDuringS: during.scrapeMaxS,
  };
  log(
    `${config}: ${r.throughput.toFixed(1)} q/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ${errors} errors; ingestion ${(r.isolation * 100).toFixed(1)}% of before, scrape max ${r.scrapeMaxDuringS.toFixed(2)} s`,
  );
  return r;
}

async function repeatSpeedup(queryUrl: string, tls?: ClientTls): Promise<{ coldMs: number; warmMedianMs: number }> {
  const end = Math.floor(Date.now() / 15000) * 15 - 15;
  const url = `${queryUrl}/api/v1/query_range?query=${encodeURIComponent('sum by (shard) (bench_series{target="t7"})')}&start=${end - 1800}&end=${end}&step=15`;
  const time = async () => {
    const t0 = performance.now();
    await get(url, tls);
    return performance.now() - t0;
  };
  const coldMs = await time();
  const warm: number[] = [];
  for (let i = 0; i < 10; i++) warm.push(await time());
  return { coldMs, warmMedianMs: quantile(warm, 0.5) };
}

// --- run -------------------------------------------------------------------------------------

const t0 = Date.now();
log(`exposition server: ${TARGETS} targets x ${SERIES / TARGETS} series`);
await run({
  tool: 'python',
  command: process.execPath,
  cpus: INGEST_CPUS, // the scraped targets: work on the ingestion side, not the query side's core
  readyPath: '/t/0',
  port: expoPort,
  dir: repoRoot, // tsx resolves from the checkout
  args: () => [
    '--import',
    'tsx',
    path.join(repoRoot, 'bench/load/exposition-server.ts'),
    String(expoPort),
    String(TARGETS),
    String(SERIES / TARGETS),
  ],
  env: { ...process.env, NODE_OPTIONS: '' },
  timeoutMs: 120_000,
});

const rampSteps = [...(await ramp('bare')), ...(await ramp('rendered'))];

// The query clients (this process, every thread) stand in for Grafana users: on the query side's core.
if (QUERY_CPUS) execFileSync('taskset', ['-a', '-p', '-c', QUERY_CPUS, String(process.pid)], { stdio: 'ignore' });
log('query phase: bare Prometheus, clients direct');
const bare = await startBare(QUERY_INTERVAL_S);
await waitAllUp(bare);
await sleep(Math.min(30, LOAD_S) * 1000); // some history for the range queries
const bareRun = await queryLoad('bare Prometheus (direct)', bare.url, bare);
const bareRepeat = await repeatSpeedup(bare.url);
await bare.stop();

log('query phase: generated Prometheus + sidecar + Thanos query + query-frontend');
const { stack, prom } = await startRendered(QUERY_INTERVAL_S);
const frontend = stack.frontend!;
await waitAllUp(prom);
await sleep(Math.min(30, LOAD_S) * 1000);
const renderedRun = await queryLoad('rendered (query-frontend -> query -> sidecar, mTLS)', frontend.url, prom, stack.tls.query);
const renderedRepeat = await repeatSpeedup(frontend.url, stack.tls.query);
// What ran, as the operator generated it and dist rendered it.
const argsOf = async (kind: string, name: string, container: string) => {
  const w = await stack.local.generated.kube.get('apps/v1', kind, name, dev.namespace);
  return (w.spec.template.spec.containers.find((c: { name: string }) => c.name === container).args ?? []) as string[];
};
const ran = {
  renderedFlags: await argsOf('StatefulSet', 'prometheus-prometheus', 'prometheus'),
  frontendArgs: await argsOf('Deployment', 'thanos-query-frontend', 'thanos-query-frontend'),
  queryArgs: (await argsOf('Deployment', 'thanos-query', 'thanos-query')).filter((a) => !a.startsWith('--endpoint.sd-config')),
};
await stack.stop();

await Promise.all(procs.map((p) => p.stop()));
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) },
  versions: { prometheus: versions.prometheus.tag, thanos: versions.thanos.tag },
  params: {
    pinning: PINNED ? { ingestion: INGEST_CPUS, query: QUERY_CPUS } : null,
    series: SERIES,
    targets: TARGETS,
    clients: CLIENTS,
    loadSeconds: LOAD_S,
    intervalsS: INTERVALS_S,
    settleS: SETTLE_S,
    windowS: WINDOW_S,
    queryIntervalS: QUERY_INTERVAL_S,
  },
  ...ran,
  ramp: rampSteps,
  queries: [bareRun, renderedRun],
  repeat: { bare: bareRepeat, rendered: renderedRepeat },
  durationS: Math.round((Date.now() - t0) / 1000),
};
const out = path.join(repoRoot, 'docs/benchmarks/load-results.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
log(`wrote ${path.relative(repoRoot, out)} in ${results.durationS} s`);
