/**
 * `make bench-load`: ingestion ceiling, query load and isolation, rendered configuration vs a
 * bare Prometheus with default flags, measured in one run on this machine. Writes
 * docs/benchmarks/load-results.json; bench/load/report.py turns it into the report and plots.
 *
 *   node --import tsx bench/load/load.ts            (LOAD_SERIES, LOAD_CLIENTS, LOAD_SECONDS to scale)
 *   LOAD_REPEAT=3                                    runs of every measurement (the report shows medians and spread)
 *   LOAD_INTERVALS=2.5,2,1.6,1.25                    the ramp's scrape intervals (seconds)
 *   LOAD_PHASES=ramp,queries | variants | overlimit  `variants`: the query path with one change at a time
 *                                                    (docs/benchmarks/load-variants.json); `overlimit`: a query
 *                                                    over every series, per setting (load-overlimit.json)
 *
 * Rendered = dev's Prometheus as the operator generates it (one replica; the load is a
 * ScrapeConfig it selects) with its sidecar, Thanos query and query-frontend, all run by the local
 * runner (tools/runner) from what the operator generated; queries go through the frontend
 * (mutual TLS). The interval is changed on the ScrapeConfig, so the operator regenerates the config
 * and the config reloader reloads Prometheus. Bare = `prometheus --config.file` plus
 * --web.enable-lifecycle (to change the interval), queried directly.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { parseDuration, parseQuantity } from '../../lib/units.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { repoRoot } from '../../lib/paths.js';
import type { Manifest } from '../../lib/synth.js';
import { renderCluster } from '../../charts/index.js';
import { freePort, start, type Running } from '../../tools/proc.js';
import { request, type ClientTls } from '../../tools/https.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { versions } from '../../envs/versions.js';
import { prometheusHealthDashboard } from '../../charts/dashboards/prometheus-health.js';
import { withGrafanaVariables } from '../../charts/dashboards/common.js';

const SERIES = Number(process.env.LOAD_SERIES ?? 1_000_000);
const TARGETS = 100;
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 100);
const LOAD_S = Number(process.env.LOAD_SECONDS ?? 60);
const REPEAT = Number(process.env.LOAD_REPEAT ?? 3);
const PHASES = new Set((process.env.LOAD_PHASES ?? 'ramp,queries').split(','));
// Around the ceiling (one core runs out between 1.6 s and 1.25 s at 1M series); the low steps of
// earlier reports (10 s, 5 s) told nothing the cost plot does not.
const INTERVALS_S = (process.env.LOAD_INTERVALS ?? '2.5,2,1.6,1.25').split(',').map(Number);
const SETTLE_S = Number(process.env.LOAD_SETTLE_SECONDS ?? 15);
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

/** A GET of the bench's own bookkeeping; a saturated Prometheus answers slowly, so it retries before giving up. */
async function text(p: Running, pathAndQuery: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (p.tls) return (await request(`${p.url}${pathAndQuery}`, p.tls, { reuse: true, timeoutMs: 30_000 })).body;
      return await (await fetch(`${p.url}${pathAndQuery}`, { signal: AbortSignal.timeout(30_000) })).text();
    } catch (err) {
      if (attempt === 3) throw err;
      await sleep(2000);
    }
  }
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

/** A change to the generated objects: the bench's variants (one change to the query path at a time). */
type Patch = (m: Manifest) => Manifest;
const asRendered: Patch = (m) => m;

/** dev as rendered, with one Prometheus replica (one process measured) and the load ScrapeConfig. */
function benchManifests(intervalS: number, patch: Patch = asRendered): Manifest[] {
  const cluster = dev.clusters[0]!;
  return [
    ...renderCluster(dev, cluster)
      .flatMap((r) => r.manifests)
      .map((m) => (m.kind === 'Prometheus' ? ({ ...m, spec: { ...(m as Manifest & { spec: object }).spec, replicas: 1 } } as Manifest) : m))
      .map((m) => patch(structuredClone(m))),
    loadScrapeConfig(intervalS),
  ];
}

/** The rendered system: generated by the operator, run by the local runner, each side on its core. */
async function startRendered(intervalS: number, patch?: Patch): Promise<{ stack: Stack; prom: Running }> {
  const stack = await startStack({
    manifests: benchManifests(intervalS, patch),
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

/** Every series in, then some history for the range queries. */
async function readyForQueries(prom: Running): Promise<void> {
  await waitAllUp(prom);
  await sleep(Math.min(30, LOAD_S) * 1000);
}

// --- phase 1: ingestion ceiling ------------------------------------------------------------

interface RampStep extends Window {
  config: string;
  run: number;
  intervalS: number;
  offered: number;
  keptUp: boolean;
}

async function ramp(kind: 'bare' | 'rendered', run: number): Promise<RampStep[]> {
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
    steps.push({ config: kind, run, intervalS, offered, keptUp, ...w });
    log(
      `${kind} run ${run} @${intervalS}s: ${Math.round(w.samplesPerSec)} of ${Math.round(offered)} samples/s, ${w.cpuCores.toFixed(2)} cores, RSS ${(w.rssBytes / 2 ** 30).toFixed(2)} GiB, scrape avg ${w.scrapeAvgS.toFixed(3)} s max ${w.scrapeMaxS.toFixed(3)} s${keptUp ? '' : '  (did not keep up)'}`,
    );
  }
  if (rendered) await rendered.stack.stop();
  else await stopBare(prom);
  return steps;
}

async function stopBare(prom: Running): Promise<void> {
  await prom.stop();
  procs.splice(procs.indexOf(prom), 1);
}

// --- phase 2: queries and isolation --------------------------------------------------------

/** One request of a mix: the k-th draw of a client. */
interface Draw {
  expr: string;
  range?: { seconds: number; stepS: number };
}

interface Mix {
  name: string;
  draw(k: number): Draw;
}

/** Raw series: half instant, half 10-minute range queries (step 15 s), each over one target's 10,000 series. */
const SERIES_MIX: Mix = {
  name: 'series',
  draw: (k) => ({
    expr: `sum by (shard) (bench_series{target="t${k % TARGETS}"})`,
    ...(k % 2 === 0 ? { range: { seconds: 600, stepS: 15 } } : {}),
  }),
};

/**
 * The "Prometheus & Thanos Health" dashboard's panels as Grafana sends them on a refresh: stat
 * panels as instant queries, graphs as range queries over the dashboard's 6 hours at a 30 s step
 * (6 h over ~700 points), every variable at "All".
 */
function healthMix(): Mix {
  const board = prometheusHealthDashboard();
  const panels: Draw[] = ((board.panels ?? []) as { targets?: { expr: string; instant?: boolean }[] }[]).flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      expr: withGrafanaVariables(t.expr),
      ...(t.instant ? {} : { range: { seconds: 6 * 3600, stepS: 30 } }),
    })),
  );
  return { name: 'health', draw: (k) => panels[k % panels.length]! };
}
const HEALTH_MIX = healthMix();

function queryPath(d: Draw, now: number): string {
  if (!d.range) return `/api/v1/query?query=${encodeURIComponent(d.expr)}`;
  const end = Math.floor(now / 1000 / d.range.stepS) * d.range.stepS; // aligned, as Grafana aligns
  return `/api/v1/query_range?query=${encodeURIComponent(d.expr)}&start=${end - d.range.seconds}&end=${end}&step=${d.range.stepS}`;
}

interface Endpoint {
  url: string;
  tls?: ClientTls;
}

/** Ingestion (samples/s) before and during a load, and their ratio. */
interface Isolation {
  ingestionBefore: number;
  ingestionDuring: number;
  isolation: number;
}

interface QueryRun extends Isolation {
  config: string;
  path: string;
  mix: string;
  run: number;
  clients: number;
  seconds: number;
  completed: number;
  errors: number;
  errorKinds: Record<string, number>;
  throughput: number;
  p50: number;
  p99: number;
  instantP50: number;
  rangeP50: number;
  scrapeMaxDuringS: number;
  /** CPU cores each role used during the load (what consumes the time), and its memory at the end. */
  cpuCores: Record<string, number>;
  rssMiB: Record<string, number>;
}

/** GET with the client's identity when the endpoint is the mutual-TLS query API, kept alive. */
async function get(url: string, tls?: ClientTls): Promise<number> {
  if (tls) return (await request(url, tls, { reuse: true, timeoutMs: 30_000 })).status;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return res.status;
}

/** CPU seconds so far of each role's processes (a role may have several: the two query replicas). */
const cpuSeconds = (pids: Record<string, number[]>) =>
  Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((sum, pid) => sum + procStat(pid).cpuS, 0)]));

/** CPU cores of each role between two cpuSeconds readings `dt` seconds apart. */
const coreRates = (a: Record<string, number>, b: Record<string, number>, dt: number) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, (b[k]! - a[k]!) / dt]));

const isolationOf = (before: Window, during: Window): Isolation => ({
  ingestionBefore: before.samplesPerSec,
  ingestionDuring: during.samplesPerSec,
  isolation: during.samplesPerSec / before.samplesPerSec,
});

async function queryLoad(
  o: { config: string; path: string; mix: Mix; run: number },
  at: Endpoint,
  prom: Running,
  pids: Record<string, number[]>,
): Promise<QueryRun> {
  const before = await measure(prom, 20);
  const lat: number[] = [];
  const lat_i: number[] = [];
  const lat_r: number[] = [];
  const errorKinds: Record<string, number> = {};
  const deadline = Date.now() + LOAD_S * 1000;
  const client = async (c: number) => {
    let k = c;
    while (Date.now() < deadline) {
      k = (k * 1103515245 + 12345) % 2 ** 31;
      const d = o.mix.draw(k);
      const t0 = performance.now();
      try {
        const status = await get(`${at.url}${queryPath(d, Date.now())}`, at.tls);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        const ms = performance.now() - t0;
        lat.push(ms);
        (d.range ? lat_r : lat_i).push(ms);
      } catch (err) {
        const kind =
          String((err as Error).message).startsWith('timeout') || (err as Error).name === 'TimeoutError'
            ? 'timeout'
            : (err as Error).message.slice(0, 40);
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      }
    }
  };
  const cpu0 = cpuSeconds(pids);
  const t0 = Date.now();
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c + 1)));
  const during = await measure(prom, LOAD_S);
  const cpu1 = cpuSeconds(pids);
  const dt = (Date.now() - t0) / 1000;
  await load;
  const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
  const r: QueryRun = {
    ...o,
    mix: o.mix.name,
    clients: CLIENTS,
    seconds: LOAD_S,
    completed: lat.length,
    errors,
    errorKinds,
    throughput: lat.length / LOAD_S,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    instantP50: quantile(lat_i, 0.5),
    rangeP50: quantile(lat_r, 0.5),
    ...isolationOf(before, during),
    scrapeMaxDuringS: during.scrapeMaxS,
    cpuCores: coreRates(cpu0, cpu1, dt),
    rssMiB: Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((sum, pid) => sum + procStat(pid).rss, 0) / 2 ** 20])),
  };
  log(
    `${o.config} / ${o.path} / ${o.mix.name} run ${o.run}: ${r.throughput.toFixed(1)} q/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ${errors} errors ${JSON.stringify(errorKinds)}; ingestion ${(r.isolation * 100).toFixed(1)}% of before, scrape max ${r.scrapeMaxDuringS.toFixed(2)} s; cores ${JSON.stringify(r.cpuCores, (_k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`,
  );
  return r;
}

async function repeatSpeedup(at: Endpoint): Promise<{ coldMs: number; warmMedianMs: number }> {
  // 30 minutes ending a step ago, the same URL every time.
  const url = `${at.url}${queryPath({ expr: SERIES_MIX.draw(7).expr, range: { seconds: 1800, stepS: 15 } }, Date.now() - 15_000)}`;
  const time = async () => {
    const t0 = performance.now();
    await get(url, at.tls);
    return performance.now() - t0;
  };
  const coldMs = await time();
  const warm: number[] = [];
  for (let i = 0; i < 10; i++) warm.push(await time());
  return { coldMs, warmMedianMs: quantile(warm, 0.5) };
}

/** A query over every series of the load (1M): what a mistaken dashboard panel would ask. */
async function overLimit(at: Endpoint, timeoutMs = 120_000): Promise<{ status: number; ms: number; error: string; warnings: string[] }> {
  const url = `${at.url}/api/v1/query?query=${encodeURIComponent('count(bench_series)')}`;
  const t0 = performance.now();
  // No answer at all is a result too (it ended a run once): recorded as status 0.
  const res = await (
    at.tls
      ? request(url, at.tls, { timeoutMs })
      : fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(async (x) => ({ status: x.status, body: await x.text() }))
  ).catch((err: Error) => ({ status: 0, body: JSON.stringify({ error: err.message }) }));
  const ms = performance.now() - t0;
  const body = ((): { error?: string; warnings?: string[] } => {
    try {
      return JSON.parse(res.body);
    } catch {
      return { error: res.body };
    }
  })();
  return {
    status: res.status,
    ms,
    error: res.status === 200 ? '' : String(body.error ?? res.body).slice(0, 300),
    // With partial responses on (Thanos' default), a store that fails is a warning on a 200.
    warnings: (body.warnings ?? []).map((w) => w.slice(0, 300)),
  };
}

/**
 * Where one query's time goes, on an otherwise idle query path (ingestion running): CPU seconds
 * per query of each role (its idle rate subtracted), for the same query direct and through
 * Thanos; then CPU profiles of Prometheus, the sidecar and the query while queries run one after
 * another (`go tool pprof -top`, saved under docs/benchmarks/profiles/).
 */
async function profile(stack: Stack, prom: Running) {
  const pids = renderedPids(stack, prom);
  const idle0 = cpuSeconds(pids);
  await sleep(10_000);
  const idle = Object.fromEntries(Object.entries(cpuSeconds(pids)).map(([k, c]) => [k, (c - idle0[k]!) / 10]));
  const ways: Record<string, Endpoint> = {
    'Prometheus direct': { url: prom.url, tls: prom.tls },
    'thanos-query (sidecar)': { url: stack.query.url, tls: stack.tls.query },
  };
  const perQuery = [];
  for (const [way, at] of Object.entries(ways))
    for (const d of [SERIES_MIX.draw(7), SERIES_MIX.draw(8)]) {
      const ms: number[] = [];
      const c0 = cpuSeconds(pids);
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) {
        const s0 = performance.now();
        await get(`${at.url}${queryPath(d, Date.now() - i * 17_000)}`, at.tls); // distinct ranges: no cache
        ms.push(performance.now() - s0);
      }
      const c1 = cpuSeconds(pids);
      const dt = (Date.now() - t0) / 1000;
      perQuery.push({
        way,
        query: d.range ? '10-minute range' : 'instant',
        medianMs: quantile(ms, 0.5),
        cpuSecondsPerQuery: Object.fromEntries(Object.keys(pids).map((k) => [k, Math.max(0, (c1[k]! - c0[k]! - idle[k]! * dt) / 5)])),
      });
    }
  // CPU profiles while range queries run one after another through Thanos.
  let stop = false;
  const loop = (async () => {
    for (let i = 0; !stop; i++)
      await get(`${stack.query.url}${queryPath(SERIES_MIX.draw(8), Date.now() - (i % 50) * 1000)}`, stack.tls.query);
  })();
  const dir = path.join(repoRoot, 'docs/benchmarks/profiles');
  fs.mkdirSync(dir, { recursive: true });
  const pprof = async (name: string, url: string, tls?: ClientTls) => {
    const file = path.join(work, `${name}.pprof`);
    const cert = tls?.clientCert ? ['--cert', `${tls.certDir}/tls.crt`, '--key', `${tls.certDir}/tls.key`] : [];
    // -k: the profile endpoint is reached by address; the certificates are checked by the bench's own requests.
    await new Promise((res) => execFile('curl', ['-sk', '-o', file, ...cert, `${url}/debug/pprof/profile?seconds=20`], res));
    const top = execFileSync('go', ['tool', 'pprof', '-top', '-nodecount=30', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    fs.writeFileSync(path.join(dir, `${name}.txt`), top.replace(/^(File|Build ID|Time):.*\n/gm, ''));
  };
  await Promise.all([
    pprof('prometheus', prom.url, prom.tls),
    pprof('sidecar', stack.sidecars[0]!.url, stack.sidecars[0]!.tls),
    pprof('thanos-query', stack.query.url, stack.tls.query),
  ]);
  stop = true;
  await loop;
  return { idleCores: idle, perQuery };
}

/** The processes of the rendered path, by role: every replica the runner runs. */
function renderedPids(stack: Stack, prom: Running): Record<string, number[]> {
  const replicas = (name: string) => stack.local.podsOf('Deployment', name).flatMap((p) => [...p.containers.values()].map((c) => c.pid));
  return {
    prometheus: [prom.pid],
    sidecar: [stack.sidecars[0]!.pid],
    query: replicas('thanos-query'),
    'query-frontend': replicas('thanos-query-frontend'),
  };
}

/** Bare Prometheus, clients direct: the series mix. */
async function bareQueries(run: number) {
  const bare = await startBare(QUERY_INTERVAL_S);
  await readyForQueries(bare);
  const runs = [await queryLoad({ config: 'bare', path: 'direct', mix: SERIES_MIX, run }, bare, bare, { prometheus: [bare.pid] })];
  const repeat = await repeatSpeedup(bare);
  const all = await overLimit(bare);
  await stopBare(bare);
  return { runs, repeat, overLimit: all };
}

/**
 * The rendered stack: the series mix through the query path; the health dashboard's panels
 * through the query path and, for the same data and rules, straight from that Prometheus.
 */
async function renderedQueries(run: number) {
  const { stack, prom } = await startRendered(QUERY_INTERVAL_S);
  await readyForQueries(prom);
  const pids = renderedPids(stack, prom);
  const frontend: Endpoint = { url: stack.frontend!.url, tls: stack.tls.query };
  const direct: Endpoint = { url: prom.url, tls: prom.tls };
  const runs = [
    await queryLoad({ config: 'rendered', path: 'query-frontend', mix: SERIES_MIX, run }, frontend, prom, pids),
    await queryLoad({ config: 'rendered', path: 'query-frontend', mix: HEALTH_MIX, run }, frontend, prom, pids),
    await queryLoad({ config: 'rendered', path: 'direct', mix: HEALTH_MIX, run }, direct, prom, pids),
  ];
  const repeat = await repeatSpeedup(frontend);
  const all = await overLimit(frontend);
  const prof = run === 1 ? await profile(stack, prom) : undefined;
  const ran = await ranArgs(stack);
  await stack.stop();
  return { runs, repeat, overLimit: all, profile: prof, ran };
}

/** A container of a workload as the operator generated it (what the runner ran). */
async function generatedContainer(stack: Stack, kind: string, name: string, container: string) {
  const w = await stack.local.generated.kube.get('apps/v1', kind, name, dev.namespace);
  return w.spec.template.spec.containers.find((x: { name: string }) => x.name === container);
}

/** What ran, as the operator generated it and dist rendered it. */
async function ranArgs(stack: Stack) {
  const argsOf = async (kind: string, name: string, container: string) => {
    const c = await generatedContainer(stack, kind, name, container);
    return [
      ...(c.args ?? []),
      ...(c.env ?? [])
        .filter((e: { value?: string }) => e.value !== undefined)
        .map((e: { name: string; value: string }) => `${e.name}=${e.value}`),
    ] as string[];
  };
  return {
    renderedFlags: await argsOf('StatefulSet', 'prometheus-prometheus', 'prometheus'),
    sidecarArgs: await argsOf('StatefulSet', 'prometheus-prometheus', 'thanos-sidecar'),
    frontendArgs: await argsOf('Deployment', 'thanos-query-frontend', 'thanos-query-frontend'),
    queryArgs: (await argsOf('Deployment', 'thanos-query', 'thanos-query')).filter((a) => !a.startsWith('--endpoint.sd-config')),
  };
}

// --- variants: one change to the query path at a time ---------------------------------------

/** The parts of the generated objects a variant changes. */
interface PodOwner {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: { args: string[] }[] } } };
}
interface PrometheusCr {
  kind: string;
  spec: { containers?: object[]; additionalArgs: { name: string; value?: string }[] };
}

const containerArgs =
  (kind: string, name: string, add: string[]): Patch =>
  (m) => {
    const w = m as unknown as PodOwner;
    if (w.kind === kind && w.metadata.name === name) w.spec.template.spec.containers[0]!.args.push(...add);
    return m;
  };

/** The same flag with another value (kingpin refuses a repeated flag). */
const replaceArg =
  (kind: string, name: string, arg: string): Patch =>
  (m) => {
    const w = m as unknown as PodOwner;
    const flag = arg.slice(0, arg.indexOf('=') + 1);
    if (w.kind === kind && w.metadata.name === name) {
      const c = w.spec.template.spec.containers[0]!;
      if (!c.args.some((a) => a.startsWith(flag))) throw new Error(`${kind}/${name} has no ${flag} to replace`);
      c.args = c.args.map((a) => (a.startsWith(flag) ? arg : a));
    }
    return m;
  };

const prometheusCr =
  (change: (p: PrometheusCr) => void): Patch =>
  (m) => {
    if (m.kind === 'Prometheus') change(m as unknown as PrometheusCr);
    return m;
  };

/** Candidate settings, each measured alone against the configuration as rendered. */
const VARIANTS: { name: string; patch: Patch }[] = [
  { name: 'as rendered', patch: asRendered },
  {
    name: 'sidecar GOGC=400',
    patch: prometheusCr((p) => {
      p.spec.containers = [...(p.spec.containers ?? []), { name: 'thanos-sidecar', env: [{ name: 'GOGC', value: '400' }] }];
    }),
  },
  { name: 'query --query.promql-engine=thanos', patch: containerArgs('Deployment', 'thanos-query', ['--query.promql-engine=thanos']) },
  {
    name: 'query-frontend --query-frontend.vertical-shards=2',
    patch: containerArgs('Deployment', 'thanos-query-frontend', ['--query-frontend.vertical-shards=2']),
  },
  {
    name: 'Prometheus remote reads 4 at a time (remoteReadConcurrency 4)',
    patch: prometheusCr((p) => {
      p.spec.additionalArgs = p.spec.additionalArgs.map((a) =>
        a.name === 'storage.remote.read-concurrent-limit' ? { ...a, value: '4' } : a,
      );
    }),
  },
];

async function variants(): Promise<QueryRun[]> {
  const out: QueryRun[] = [];
  for (const v of VARIANTS) {
    const { stack, prom } = await startRendered(QUERY_INTERVAL_S, v.patch);
    await readyForQueries(prom);
    out.push(
      await queryLoad(
        { config: v.name, path: 'query-frontend', mix: SERIES_MIX, run: 1 },
        { url: stack.frontend!.url, tls: stack.tls.query },
        prom,
        renderedPids(stack, prom),
      ),
    );
    await stack.stop();
  }
  return out;
}

// --- over-limit: what a query over every series gets, and what it costs ----------------------

interface OverLimitRun extends Isolation {
  config: string;
  /** What the client got: HTTP status (0: no answer within the client's 150 s), body error, warnings. */
  status: number;
  ms: number;
  error: string;
  warnings: string[];
  /** Requests the query replicas received for it (the frontend retries a 5xx up to its limit). */
  queryAttempts: number;
  /** The sidecar's memory before and at its peak (the sidecar buffers every series it reads before sending one). */
  sidecarRssBeforeMiB: number;
  sidecarRssPeakMiB: number;
  sidecarMemoryLimitMiB: number;
  /** CPU cores of each role during the query, and in the 30 s after its answer (work the client no longer waits for). */
  cpuCoresDuring: Record<string, number>;
  cpuCoresAfter: Record<string, number>;
}

/** Requests for instant queries the query replicas have served so far (their own /metrics). */
async function queryRequests(stack: Stack): Promise<number> {
  let sum = 0;
  for (const pod of stack.local.podsOf('Deployment', 'thanos-query')) {
    const q = stack.client(pod, 'thanos-query', stack.tls.query);
    for (const line of (await text(q, '/metrics')).split('\n'))
      if (line.startsWith('http_requests_total{') && line.includes('handler="query"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function overLimitProbe(name: string, patch: Patch): Promise<OverLimitRun> {
  const { stack, prom } = await startRendered(QUERY_INTERVAL_S, patch);
  await readyForQueries(prom);
  const pids = renderedPids(stack, prom);
  const sidecarPid = pids.sidecar[0]!;
  const before = await measure(prom, 20);
  const attempts0 = await queryRequests(stack);
  const rssBefore = procStat(sidecarPid).rss;
  let peak = rssBefore;
  const poll = setInterval(() => {
    try {
      peak = Math.max(peak, procStat(sidecarPid).rss);
    } catch {
      // the sidecar exited: its peak so far stands (the stack's log says why)
    }
  }, 250);
  const cpu0 = cpuSeconds(pids);
  const t0 = Date.now();
  const answer = overLimit({ url: stack.frontend!.url, tls: stack.tls.query }, 150_000);
  const during = await measure(prom, 160, answer);
  const res = await answer;
  const cpu1 = cpuSeconds(pids);
  const t1 = Date.now();
  await sleep(30_000);
  const cpu2 = cpuSeconds(pids);
  clearInterval(poll);
  const limit = (await generatedContainer(stack, 'StatefulSet', 'prometheus-prometheus', 'thanos-sidecar')).resources.limits
    .memory as string;
  const r: OverLimitRun = {
    config: name,
    ...res,
    queryAttempts: (await queryRequests(stack)) - attempts0,
    sidecarRssBeforeMiB: rssBefore / 2 ** 20,
    sidecarRssPeakMiB: peak / 2 ** 20,
    sidecarMemoryLimitMiB: (parseQuantity(limit) ?? NaN) / 2 ** 20,
    ...isolationOf(before, during),
    cpuCoresDuring: coreRates(cpu0, cpu1, (t1 - t0) / 1000),
    cpuCoresAfter: coreRates(cpu1, cpu2, (Date.now() - t1) / 1000),
  };
  log(`over-limit / ${name}: ${JSON.stringify(r)}`);
  await stack.stop();
  return r;
}

/** Settings for a query over every series, each measured alone against the configuration as rendered. */
const OVER_LIMIT_SETTINGS: { name: string; patch: Patch }[] = [
  { name: 'as rendered', patch: asRendered },
  // Before docs/benchmarks/load.md's over-limit section: Thanos query's default timeout.
  { name: 'query --query.timeout=2m', patch: replaceArg('Deployment', 'thanos-query', '--query.timeout=2m') },
];

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

const params = {
  pinning: PINNED ? { ingestion: INGEST_CPUS, query: QUERY_CPUS } : null,
  series: SERIES,
  targets: TARGETS,
  clients: CLIENTS,
  loadSeconds: LOAD_S,
  repeat: REPEAT,
  intervalsS: INTERVALS_S,
  settleS: SETTLE_S,
  windowS: WINDOW_S,
  queryIntervalS: QUERY_INTERVAL_S,
};
// The commit whose configuration runs (read at the start: the tree may move on during the run).
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
const header = () => ({
  date: new Date().toISOString(),
  commit,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) },
  versions: { prometheus: versions.prometheus.tag, thanos: versions.thanos.tag },
  params,
});
const write = (file: string, results: object) => {
  const out = path.join(repoRoot, 'docs/benchmarks', file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)}`);
};

const rampSteps: RampStep[] = [];
if (PHASES.has('ramp'))
  for (let r = 1; r <= REPEAT; r++) {
    // Alternate which configuration goes first, so drift over the run hits both alike.
    const order: ('bare' | 'rendered')[] = r % 2 ? ['bare', 'rendered'] : ['rendered', 'bare'];
    for (const kind of order) rampSteps.push(...(await ramp(kind, r)));
    write('load-results.partial.json', { ...header(), ramp: rampSteps });
  }

// The query clients (this process, every thread) stand in for Grafana users: on the query side's core.
if (QUERY_CPUS) execFileSync('taskset', ['-a', '-p', '-c', QUERY_CPUS, String(process.pid)], { stdio: 'ignore' });

if (PHASES.has('variants')) {
  const runs = await variants();
  write('load-variants.json', { ...header(), variants: runs, durationS: Math.round((Date.now() - t0) / 1000) });
}

if (PHASES.has('overlimit')) {
  const runs: OverLimitRun[] = [];
  for (const o of OVER_LIMIT_SETTINGS) runs.push(await overLimitProbe(o.name, o.patch));
  write('load-overlimit.json', { ...header(), overLimit: runs, durationS: Math.round((Date.now() - t0) / 1000) });
}

if (PHASES.has('queries')) {
  const queries: QueryRun[] = [];
  const repeat: { bare: object[]; rendered: object[] } = { bare: [], rendered: [] };
  const overLimitRuns: { bare: object[]; rendered: object[] } = { bare: [], rendered: [] };
  let ran: object = {};
  let prof: object | undefined;
  for (let r = 1; r <= REPEAT; r++) {
    const b = await bareQueries(r);
    const rd = await renderedQueries(r);
    queries.push(...b.runs, ...rd.runs);
    repeat.bare.push(b.repeat);
    repeat.rendered.push(rd.repeat);
    overLimitRuns.bare.push(b.overLimit);
    overLimitRuns.rendered.push(rd.overLimit);
    ran = rd.ran;
    prof ??= rd.profile;
    write('load-results.partial.json', { ...header(), ramp: rampSteps, queries, repeat, overLimit: overLimitRuns, profile: prof });
  }
  write('load-results.json', {
    ...header(),
    ...ran,
    ramp: rampSteps,
    queries,
    repeat,
    overLimit: overLimitRuns,
    profile: prof,
    durationS: Math.round((Date.now() - t0) / 1000),
  });
}

fs.rmSync(path.join(repoRoot, 'docs/benchmarks/load-results.partial.json'), { force: true });
await Promise.all(procs.map((p) => p.stop()));
