/**
 * `make bench-load`: ingestion ceiling, query load and isolation, rendered configuration vs a
 * bare Prometheus with default flags, measured in one run on this machine. Writes
 * docs/benchmarks/load-results.json; bench/load/report.py turns it into the report and plots.
 *
 *   node --import tsx bench/load/load.ts            (LOAD_SERIES, LOAD_CLIENTS, LOAD_SECONDS to scale)
 *   LOAD_REPEAT=3                                    runs of every measurement (the report shows medians and spread)
 *   LOAD_INTERVALS=2.5,2,1.6,1.25                    the ramp's scrape intervals (seconds)
 *   LOAD_PHASES=ramp,queries | variants | overlimit | versions
 *                                                    `variants`: the query path with one change at a time
 *                                                    (docs/benchmarks/load-variants.json); `overlimit`: a query
 *                                                    over every series, per setting (load-overlimit.json);
 *                                                    `versions`: bare ramps of LOAD_PREVIOUS_PROMETHEUS (a binary)
 *                                                    and the pinned one, alternating (load-versions.json)
 *
 * Rendered = dev's Prometheus as the operator generates it (one replica; the load is a
 * ScrapeConfig it selects) with its sidecar, Thanos query and query-frontend, all run by the local
 * runner (tools/runner) from what the operator generated; queries go through the frontend
 * (mutual TLS). The interval is changed on the ScrapeConfig, so the operator regenerates the config
 * and the config reloader reloads Prometheus. Bare = `prometheus --config.file` plus
 * --web.enable-lifecycle (to change the interval), queried directly.
 *
 * The phases are ramp.ts, queries.ts and variants.ts; harness.ts (settings, processes, measurement)
 * and systems.ts (what is measured) are shared.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { versions } from '../../envs/versions.js';
import { toolPath } from '../../tools/binaries.js';
import {
  CLIENTS,
  INGEST_CPUS,
  INTERVALS_S,
  LOAD_S,
  PHASES,
  PINNED,
  QUERY_CPUS,
  QUERY_INTERVAL_S,
  REPEAT,
  SERIES,
  SETTLE_S,
  TARGETS,
  WINDOW_S,
  log,
  procs,
  run,
} from './harness.js';
import { expoPort } from './systems.js';
import { RampStep, ramp } from './ramp.js';
import { QueryRun, bareQueries, renderedQueries } from './queries.js';
import { OVER_LIMIT_SETTINGS, OverLimitRun, overLimitProbe, variants } from './variants.js';

// --- run: the phases LOAD_PHASES selects, results written as each ends ------------------------

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

// Two Prometheus releases ramped alike in one run, alternating: whether a change against an
// earlier report is the release or the machine (the figures of separate runs cannot tell).
if (PHASES.has('versions')) {
  const previous = process.env.LOAD_PREVIOUS_PROMETHEUS;
  if (!previous || !fs.existsSync(previous)) {
    throw new Error('LOAD_PHASES=versions needs LOAD_PREVIOUS_PROMETHEUS=<path of the earlier prometheus binary>');
  }
  const versionOf = (bin: string) => /version (\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? bin;
  const releases = [
    { command: previous, label: `v${versionOf(previous)}` },
    { command: toolPath('prometheus'), label: `v${versionOf(toolPath('prometheus'))}` },
  ];
  const steps: RampStep[] = [];
  for (let r = 1; r <= REPEAT; r++)
    for (const rel of r % 2 ? releases : [...releases].reverse()) steps.push(...(await ramp('bare', r, rel)));
  write('load-versions.json', {
    ...header(),
    releases: releases.map((x) => x.label),
    ramp: steps,
    durationS: Math.round((Date.now() - t0) / 1000),
  });
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
