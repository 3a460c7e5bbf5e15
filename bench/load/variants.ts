/** One change to the query path at a time, and the over-limit query (a query over every series). */
import { parseQuantity } from '../../lib/units.js';
import { type Stack } from '../../tools/preview/stack.js';
import { QUERY_INTERVAL_S, log, measure, procStat, sleep, text } from './harness.js';
import { Patch, asRendered, readyForQueries, startRendered } from './systems.js';
import {
  Isolation,
  QueryRun,
  SERIES_MIX,
  coreRates,
  cpuSeconds,
  generatedContainer,
  isolationOf,
  overLimit,
  queryLoad,
  renderedPids,
} from './queries.js';

// --- variants: one change to the query path at a time ---------------------------------------

/** The parts of the generated objects a variant changes. */
export interface PodOwner {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: { args: string[] }[] } } };
}
export interface PrometheusCr {
  kind: string;
  spec: { containers?: object[]; additionalArgs: { name: string; value?: string }[] };
}

export const containerArgs =
  (kind: string, name: string, add: string[]): Patch =>
  (m) => {
    const w = m as unknown as PodOwner;
    if (w.kind === kind && w.metadata.name === name) w.spec.template.spec.containers[0]!.args.push(...add);
    return m;
  };

/** The same flag with another value (kingpin refuses a repeated flag). */
export const replaceArg =
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

export const prometheusCr =
  (change: (p: PrometheusCr) => void): Patch =>
  (m) => {
    if (m.kind === 'Prometheus') change(m as unknown as PrometheusCr);
    return m;
  };

/** Candidate settings, each measured alone against the configuration as rendered. */
export const VARIANTS: { name: string; patch: Patch }[] = [
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

export async function variants(): Promise<QueryRun[]> {
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

export interface OverLimitRun extends Isolation {
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
export async function queryRequests(stack: Stack): Promise<number> {
  let sum = 0;
  for (const pod of stack.local.podsOf('Deployment', 'thanos-query')) {
    const q = stack.client(pod, 'thanos-query', stack.tls.query);
    for (const line of (await text(q, '/metrics')).split('\n'))
      if (line.startsWith('http_requests_total{') && line.includes('handler="query"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function overLimitProbe(name: string, patch: Patch): Promise<OverLimitRun> {
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
export const OVER_LIMIT_SETTINGS: { name: string; patch: Patch }[] = [
  { name: 'as rendered', patch: asRendered },
  // Before docs/benchmarks/load.md's over-limit section: Thanos query's default timeout.
  { name: 'query --query.timeout=2m', patch: replaceArg('Deployment', 'thanos-query', '--query.timeout=2m') },
];
