/** Phase 2: query load and isolation: clients against each path while ingestion runs. */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { type Running } from '../../tools/proc.js';
import { request, type ClientTls } from '../../tools/https.js';
import { type Stack } from '../../tools/preview/stack.js';
import { prometheusHealthDashboard } from '../../charts/dashboards/prometheus-health.js';
import { withGrafanaVariables } from '../../charts/dashboards/common.js';
import { CLIENTS, LOAD_S, QUERY_INTERVAL_S, TARGETS, Window, dev, log, measure, procStat, quantile, sleep, work } from './harness.js';
import { readyForQueries, startBare, startRendered } from './systems.js';
import { stopBare } from './ramp.js';

// --- phase 2: queries and isolation --------------------------------------------------------

/** One request of a mix: the k-th draw of a client. */
export interface Draw {
  expr: string;
  range?: { seconds: number; stepS: number };
}

export interface Mix {
  name: string;
  draw(k: number): Draw;
}

/** Raw series: half instant, half 10-minute range queries (step 15 s), each over one target's 10,000 series. */
export const SERIES_MIX: Mix = {
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
export function healthMix(): Mix {
  const board = prometheusHealthDashboard();
  const panels: Draw[] = ((board.panels ?? []) as { targets?: { expr: string; instant?: boolean }[] }[]).flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      expr: withGrafanaVariables(t.expr),
      ...(t.instant ? {} : { range: { seconds: 6 * 3600, stepS: 30 } }),
    })),
  );
  return { name: 'health', draw: (k) => panels[k % panels.length]! };
}
export const HEALTH_MIX = healthMix();

export function queryPath(d: Draw, now: number): string {
  if (!d.range) return `/api/v1/query?query=${encodeURIComponent(d.expr)}`;
  const end = Math.floor(now / 1000 / d.range.stepS) * d.range.stepS; // aligned, as Grafana aligns
  return `/api/v1/query_range?query=${encodeURIComponent(d.expr)}&start=${end - d.range.seconds}&end=${end}&step=${d.range.stepS}`;
}

export interface Endpoint {
  url: string;
  tls?: ClientTls;
}

/** Ingestion (samples/s) before and during a load, and their ratio. */
export interface Isolation {
  ingestionBefore: number;
  ingestionDuring: number;
  isolation: number;
}

export interface QueryRun extends Isolation {
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
export async function get(url: string, tls?: ClientTls): Promise<number> {
  if (tls) return (await request(url, tls, { reuse: true, timeoutMs: 30_000 })).status;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return res.status;
}

/** CPU seconds so far of each role's processes (a role may have several: the two query replicas). */
export const cpuSeconds = (pids: Record<string, number[]>) =>
  Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((sum, pid) => sum + procStat(pid).cpuS, 0)]));

/** CPU cores of each role between two cpuSeconds readings `dt` seconds apart. */
export const coreRates = (a: Record<string, number>, b: Record<string, number>, dt: number) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, (b[k]! - a[k]!) / dt]));

export const isolationOf = (before: Window, during: Window): Isolation => ({
  ingestionBefore: before.samplesPerSec,
  ingestionDuring: during.samplesPerSec,
  isolation: during.samplesPerSec / before.samplesPerSec,
});

export async function queryLoad(
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

export async function repeatSpeedup(at: Endpoint): Promise<{ coldMs: number; warmMedianMs: number }> {
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
export async function overLimit(
  at: Endpoint,
  timeoutMs = 120_000,
): Promise<{ status: number; ms: number; error: string; warnings: string[] }> {
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
export async function profile(stack: Stack, prom: Running) {
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
export function renderedPids(stack: Stack, prom: Running): Record<string, number[]> {
  const replicas = (name: string) => stack.local.podsOf('Deployment', name).flatMap((p) => [...p.containers.values()].map((c) => c.pid));
  return {
    prometheus: [prom.pid],
    sidecar: [stack.sidecars[0]!.pid],
    query: replicas('thanos-query'),
    'query-frontend': replicas('thanos-query-frontend'),
  };
}

/** Bare Prometheus, clients direct: the series mix. */
export async function bareQueries(run: number) {
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
export async function renderedQueries(run: number) {
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
export async function generatedContainer(stack: Stack, kind: string, name: string, container: string) {
  const w = await stack.local.generated.kube.get('apps/v1', kind, name, dev.namespace);
  return w.spec.template.spec.containers.find((x: { name: string }) => x.name === container);
}

/** What ran, as the operator generated it and dist rendered it. */
export async function ranArgs(stack: Stack) {
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
