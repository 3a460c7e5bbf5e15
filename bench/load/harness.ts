/** The bench's harness: its settings (environment variables), processes, and what it measures. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { start, type Running } from '../../tools/proc.js';
import { request } from '../../tools/https.js';

export const SERIES = Number(process.env.LOAD_SERIES ?? 1_000_000);
export const TARGETS = 100;
export const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 100);
export const LOAD_S = Number(process.env.LOAD_SECONDS ?? 60);
export const REPEAT = Number(process.env.LOAD_REPEAT ?? 3);
export const PHASES = new Set((process.env.LOAD_PHASES ?? 'ramp,queries').split(','));
// Around the ceiling (one core runs out between 1.6 s and 1.25 s at 1M series); the low steps of
// earlier reports (10 s, 5 s) told nothing the cost plot does not.
export const INTERVALS_S = (process.env.LOAD_INTERVALS ?? '2.5,2,1.6,1.25').split(',').map(Number);
export const SETTLE_S = Number(process.env.LOAD_SETTLE_SECONDS ?? 15);
export const WINDOW_S = Number(process.env.LOAD_WINDOW_SECONDS ?? 30);
export const QUERY_INTERVAL_S = 2; // ingestion during the query phases: 500K samples/s at 1M series
/**
 * Each side on its own core, as on separate nodes of a cluster: ingestion (Prometheus with its
 * sidecar and reloader, and the targets it scrapes) on CPU 0; the query side (Thanos query and
 * query-frontend, and the clients in this process) on CPU 1. The same for both paths.
 */
export const PINNED = os.cpus().length >= 2;
export const INGEST_CPUS = PINNED ? '0' : undefined;
export const QUERY_CPUS = PINNED ? '1' : undefined;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
export const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
export const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-load-'));
export const procs: Running[] = [];
export const run = async (o: Parameters<typeof start>[0]) => {
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

export const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;

// --- measurement -------------------------------------------------------------------------

export function procStat(pid: number): { cpuS: number; rss: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]); // utime + stime
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  return { cpuS: ticks / 100, rss };
}

/** A GET of the bench's own bookkeeping; a saturated Prometheus answers slowly, so it retries before giving up. */
export async function text(p: Running, pathAndQuery: string): Promise<string> {
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

export async function promMetric(p: Running, name: string): Promise<number> {
  const text_ = await text(p, '/metrics');
  let sum = 0;
  for (const line of text_.split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

export async function promQuery(p: Running, q: string): Promise<number> {
  const body = JSON.parse(await text(p, `/api/v1/query?query=${encodeURIComponent(q)}`));
  return Number(body.data?.result?.[0]?.value?.[1] ?? NaN);
}

export interface Window {
  samplesPerSec: number;
  cpuCores: number;
  rssBytes: number;
  headSeries: number;
  bytesPerSeries: number;
  scrapeAvgS: number;
  scrapeMaxS: number;
}

export async function measure(prom: Running, seconds: number, during?: Promise<unknown>): Promise<Window> {
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

/** The scrape job of the load's targets (both paths). */
export const LOAD_JOB = 'load';
