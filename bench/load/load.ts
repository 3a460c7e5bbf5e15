/**
 * `make bench-load`: ingestion ceiling, query load and isolation, rendered configuration vs a
 * bare Prometheus with default flags, measured in one run on this machine. Writes
 * docs/benchmarks/load-results.json; bench/load/report.py turns it into the report and plots.
 *
 *   node --import tsx bench/load/load.ts            (LOAD_SERIES, LOAD_CLIENTS, LOAD_SECONDS to scale)
 *
 * Rendered = the flags the operator derives from dev's Prometheus CR, and queries through the
 * rendered Thanos query-frontend -> query -> sidecar path (mutual TLS). Bare = `prometheus
 * --config.file` plus --web.enable-lifecycle (to change the interval), queried directly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { grpcServerName } from '../../charts/thanos/common.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { repoRoot } from '../../lib/paths.js';
import { synthesize } from '../../charts/index.js';
import { freePort, start, type Running } from '../../tools/proc.js';
import { makeCerts } from '../../tools/preview/certs.js';
import {
  containerOf,
  find,
  operatorWebConfig,
  prometheusExternalLabels,
  parseManifests,
  prometheusFlags,
  sidecarArgs,
  type Rendered,
} from '../../tools/preview/local-config.js';
import { request, type ClientTls } from '../../tools/https.js';
import { webServerName } from '../../lib/web-tls.js';
import { localThanosArgs } from '../../tools/preview/thanos-args.js';
import { versions } from '../../envs/versions.js';

const SERIES = Number(process.env.LOAD_SERIES ?? 1_000_000);
const TARGETS = 100;
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 100);
const LOAD_S = Number(process.env.LOAD_SECONDS ?? 60);
const INTERVALS_S = [10, 5, 2, 1.25, 1];
const SETTLE_S = Number(process.env.LOAD_SETTLE_SECONDS ?? 20);
const WINDOW_S = Number(process.env.LOAD_WINDOW_SECONDS ?? 30);
const QUERY_INTERVAL_S = 2; // ingestion during the query phases: 500K samples/s at 1M series

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
const rendered: Rendered[] = [...(await synthesize([dev])).values()].flatMap(parseManifests);

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
    scrapeAvgS: await promQuery(prom, `avg(avg_over_time(scrape_duration_seconds{job="load"}[${Math.round(seconds)}s]))`),
    scrapeMaxS: await promQuery(prom, `max(max_over_time(scrape_duration_seconds{job="load"}[${Math.round(seconds)}s]))`),
  };
}

// --- the systems under test ----------------------------------------------------------------

const promCr = find(rendered, 'Prometheus');
const certs = makeCerts([grpcServerName(dev), webServerName(dev.namespace)]);
const webTls: ClientTls = { certDir: certs, serverName: webServerName(dev.namespace) };
const queryTls: ClientTls = { ...webTls, clientCert: true };
const expoPort = await freePort();

function promConfig(intervalS: number, externalLabels: Record<string, string>): string {
  return stringify({
    global: {
      scrape_interval: `${Math.round(intervalS * 1000)}ms`,
      scrape_timeout: `${Math.round(Math.min(intervalS, 10) * 1000)}ms`,
      external_labels: externalLabels,
    },
    scrape_configs: [
      {
        job_name: 'load',
        static_configs: Array.from({ length: TARGETS }, (_, i) => ({
          targets: [`127.0.0.1:${expoPort}`],
          labels: { __metrics_path__: `/t/${i}`, target: `t${i}` },
        })),
      },
    ],
  });
}

async function startPrometheus(kind: 'bare' | 'rendered', intervalS: number): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(work, `${kind}-`));
  const labels = kind === 'rendered' ? prometheusExternalLabels(promCr, 0) : {};
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), promConfig(intervalS, labels));
  // Rendered: HTTPS as the operator serves it for spec.web.tlsConfig.
  fs.writeFileSync(path.join(dir, 'web-config.yml'), operatorWebConfig(certs));
  return run({
    tool: 'prometheus',
    dir,
    timeoutMs: 300_000,
    nice: 0, // normal priority even after this process lowered its own (query phases)
    tls: kind === 'rendered' ? webTls : undefined,
    args: ({ port }) =>
      kind === 'bare'
        ? ['--config.file=prometheus.yml', `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle']
        : [
            '--config.file=prometheus.yml',
            ...prometheusFlags(promCr, { dataDir: `${dir}/data`, listen: `127.0.0.1:${port}` }),
            '--web.config.file=web-config.yml',
          ],
  });
}

async function setInterval_(prom: Running, kind: 'bare' | 'rendered', intervalS: number): Promise<void> {
  const labels = kind === 'rendered' ? prometheusExternalLabels(promCr, 0) : {};
  fs.writeFileSync(path.join(prom.dir, 'prometheus.yml'), promConfig(intervalS, labels));
  const status = prom.tls
    ? (await request(`${prom.url}/-/reload`, prom.tls, { method: 'POST' })).status
    : (await fetch(`${prom.url}/-/reload`, { method: 'POST' })).status;
  if (status !== 200) throw new Error(`reload failed: ${status}`);
}

async function waitAllUp(prom: Running): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await promQuery(prom, 'sum(up{job="load"})')) === TARGETS && (await promMetric(prom, 'prometheus_tsdb_head_series')) >= SERIES)
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
  const prom = await startPrometheus(kind, INTERVALS_S[0]!);
  await waitAllUp(prom);
  const steps: RampStep[] = [];
  for (const intervalS of INTERVALS_S) {
    await setInterval_(prom, kind, intervalS);
    await sleep(SETTLE_S * 1000);
    const w = await measure(prom, WINDOW_S);
    const offered = (SERIES + 5 * TARGETS) / intervalS; // + up, scrape_duration_seconds, ... per target
    const keptUp = w.samplesPerSec >= 0.95 * offered && w.scrapeMaxS < intervalS;
    steps.push({ config: kind, intervalS, offered, keptUp, ...w });
    log(
      `${kind} @${intervalS}s: ${Math.round(w.samplesPerSec)} of ${Math.round(offered)} samples/s, ${w.cpuCores.toFixed(2)} cores, RSS ${(w.rssBytes / 2 ** 30).toFixed(2)} GiB, scrape avg ${w.scrapeAvgS.toFixed(3)} s max ${w.scrapeMaxS.toFixed(3)} s${keptUp ? '' : '  (did not keep up)'}`,
    );
  }
  await prom.stop();
  procs.splice(procs.indexOf(prom), 1);
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

// The query clients (this process) stand in for Grafana users on other machines.
os.setPriority(0, 19);
log('query phase: bare Prometheus, clients direct');
const bare = await startPrometheus('bare', QUERY_INTERVAL_S);
await waitAllUp(bare);
await sleep(Math.min(30, LOAD_S) * 1000); // some history for the range queries
const bareRun = await queryLoad('bare Prometheus (direct)', bare.url, bare);
const bareRepeat = await repeatSpeedup(bare.url);
await bare.stop();

log('query phase: rendered Prometheus + sidecar + Thanos query + query-frontend');
const prom = await startPrometheus('rendered', QUERY_INTERVAL_S);
const [sidecarGrpc, queryGrpc] = [await freePort(), await freePort()];
await run({
  tool: 'thanos',
  nice: 0, // in the Prometheus pod, at its priority
  args: ({ port }) =>
    sidecarArgs(promCr, {
      prometheus: prom,
      tsdbPath: path.join(prom.dir, 'data'),
      grpc: `127.0.0.1:${sidecarGrpc}`,
      http: `127.0.0.1:${port}`,
      certDir: certs,
    }),
});
// The query path runs on other nodes in a cluster; here it shares 2 cores with Prometheus, so it
// runs at the lowest priority (nice 19), like the query clients, and takes only spare CPU.
const QUERY_SIDE_NICE = 19;
const query = await run({
  tool: 'thanos',
  nice: QUERY_SIDE_NICE,
  tls: queryTls,
  args: ({ port, dir }) =>
    localThanosArgs(rendered, 'thanos-query', certs, { port, dir, grpc: queryGrpc, endpoints: [`127.0.0.1:${sidecarGrpc}`] }),
});
const frontend = await run({
  tool: 'thanos',
  nice: QUERY_SIDE_NICE,
  tls: queryTls,
  args: ({ port, dir }) => localThanosArgs(rendered, 'thanos-query-frontend', certs, { port, dir, grpc: 0, downstream: query.url }),
});
await waitAllUp(prom);
await sleep(Math.min(30, LOAD_S) * 1000);
const renderedRun = await queryLoad('rendered (query-frontend -> query -> sidecar, mTLS)', frontend.url, prom, queryTls);
const renderedRepeat = await repeatSpeedup(frontend.url, queryTls);

await Promise.all(procs.map((p) => p.stop()));
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) },
  versions: { prometheus: versions.prometheus.tag, thanos: versions.thanos.tag },
  params: {
    queryProcessesNice: 19,
    series: SERIES,
    targets: TARGETS,
    clients: CLIENTS,
    loadSeconds: LOAD_S,
    intervalsS: INTERVALS_S,
    settleS: SETTLE_S,
    windowS: WINDOW_S,
    queryIntervalS: QUERY_INTERVAL_S,
  },
  renderedFlags: prometheusFlags(promCr, { dataDir: '<data>', listen: '<addr>' }),
  frontendArgs: containerOf(rendered, 'thanos-query-frontend').args,
  queryArgs: containerOf(rendered, 'thanos-query').args.filter((a) => !a.startsWith('--endpoint.sd-config')),
  ramp: rampSteps,
  queries: [bareRun, renderedRun],
  repeat: { bare: bareRepeat, rendered: renderedRepeat },
  durationS: Math.round((Date.now() - t0) / 1000),
};
const out = path.join(repoRoot, 'docs/benchmarks/load-results.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
log(`wrote ${path.relative(repoRoot, out)} in ${results.durationS} s`);
