/**
 * Generative check of the env schema against the real tools: fast-check draws overrides of a small
 * environment within the schema's types (durations, sizes, quantities, replicas, namespaces, flags).
 * Whenever synth accepts one, the rendered objects pass the strict schema validation (synthesize
 * throws otherwise), the rules pass the pinned promtool, the Alertmanager config the pinned amtool,
 * and no container asks for more than its limit. Whenever it refuses, every line of the message
 * names the environment and a field. GEN_RUNS sets the number of draws (`make bench` runs many).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { synthesize } from '../../charts/index.js';
import { EnvConfigError, deepMerge, resolveEnv } from '../../envs/index.js';
import type { EnvOverrides } from '../../envs/schema.js';
import { parseQuantity } from '../../lib/units.js';
import { runTool } from '../helpers/bin.js';
import { fixtureOutputsDir, qa } from '../fixtures/envs.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';

const RUNS = Number(process.env.GEN_RUNS ?? 12);

const NAMESPACES = ['monitoring', 'observability', 'greenlang', 'gl-agents', 'gl-fuel', 'gl-cbam', 'gl-building', 'monitoring-host'];

// Mostly values a person would plausibly type, sometimes extreme ones.
const seconds = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, 5, 10, 15, 30, 60, 120, 300, 600, 3600, 86400, 7 * 86400, 30 * 86400) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 * 86400 }) },
);
const duration = seconds.map((s) =>
  s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`,
);
const cpu = fc.integer({ min: 1, max: 8000 }).map((m) => `${m}m`);
const memory = fc.integer({ min: 1, max: 64 * 1024 }).map((mi) => `${mi}Mi`);
const resources = fc.record(
  {
    requests: fc.record({ cpu, memory }, { requiredKeys: [] }),
    limits: fc.record({ cpu, memory }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const replicas = fc.integer({ min: 1, max: 4 });
const gib = fc.oneof(fc.constantFrom(10, 20, 42, 50, 100, 150, 200, 500), fc.integer({ min: 1, max: 4096 }));
const namespace = fc.constantFrom(...NAMESPACES);

/** One edit: a value at a path of the env file. */
const at = (path: string, value: fc.Arbitrary<unknown>) =>
  value.map((v) => path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), v));

/** Every field the draws may change, each alone; a draw combines one to four of them. */
const EDITS = [
  at('tier', fc.constantFrom('dev', 'staging', 'prod')),
  at('namespace', namespace),
  at('hostNamespace', namespace),
  at('monitoredNamespaces', fc.subarray(NAMESPACES, { minLength: 1 })),
  at('features', fc.record({ enableThanos: fc.boolean(), enablePushgateway: fc.boolean(), enableGrafana: fc.boolean() })),
  at('scheduling.zoneSpread', fc.constantFrom('required', 'preferred')),
  at('prometheus.replicas', replicas),
  at('prometheus.scrapeInterval', duration),
  at('prometheus.evaluationInterval', duration),
  at('prometheus.retention', duration),
  at(
    'prometheus.retentionSize',
    gib.map((n) => `${n}GB`),
  ),
  at(
    'prometheus.storage.size',
    gib.map((n) => `${n}Gi`),
  ),
  at('prometheus.sizing.samplesPerSecond', fc.integer({ min: 1, max: 1_000_000 })),
  at('prometheus.resources', resources),
  at('prometheus.queryLimits.maxConcurrency', fc.integer({ min: 1, max: 64 })),
  at('prometheus.queryLimits.timeout', duration),
  at('thanos.sidecar.resources', resources),
  at('thanos.sidecar.goGC', fc.integer({ min: 50, max: 1000 })),
  at('thanos.query.replicas', replicas),
  at('thanos.query.timeout', duration),
  at('thanos.query.maxConcurrent', fc.integer({ min: 1, max: 100 })),
  at('thanos.queryFrontend.replicas', replicas),
  at('thanos.queryFrontend.splitInterval', duration),
  at('thanos.queryFrontend.cache.validity', duration),
  at('thanos.store.replicas', replicas),
  at('thanos.store.shards', fc.integer({ min: 1, max: 16 })),
  at('thanos.store.resources', resources),
  at(
    'thanos.compactor.storage.size',
    gib.map((n) => `${n}Gi`),
  ),
  at('thanos.compactor.retention', fc.record({ raw: duration, fiveMinutes: duration, oneHour: duration })),
  at('thanos.ruler.replicas', replicas),
  at('thanos.ruler.evaluationInterval', duration),
  at('alertmanager.replicas', replicas),
  at('alertmanager.resources', resources),
  at(
    'alertmanager.timing',
    fc.record({ resolveTimeout: duration, groupWait: duration, groupInterval: duration, repeatInterval: duration }),
  ),
  at('alertmanager.heartbeat.repeatInterval', duration),
  at('alertmanager.maxSilence', duration),
  at('pushgateway.replicas', replicas),
  at('pushgateway.resources', resources),
  at('pushgateway.clientNamespaces', fc.subarray(NAMESPACES)),
  at('pushgateway.janitor.defaultTtl', duration),
  at('grafana.replicas', replicas),
  at('grafana.resources', resources),
  at('grafana.auth.basicLogin', fc.boolean()),
  at('grafana.allowFrom.namespaces', fc.subarray(NAMESPACES)),
  at('secrets.refreshInterval', duration),
];
const overrides = fc
  .array(fc.oneof(...EDITS), { minLength: 1, maxLength: 4 })
  .map((edits) => edits.reduce<unknown>((acc, e) => deepMerge(acc, e), {}));

/** One line per problem: `env "qa"[ cluster ... object ...]: <field>: <rule>`. */
const NAMES_A_FIELD = /^env "qa"(?: cluster "[^"]+" chart "[^"]+" object \S+)?: [A-Za-z][\w.[\]-]*(?:, [\w.-]+)*: \S/;

/** Containers asking for more than their limit, anywhere in an object (pod templates and operator CRs). */
function requestsOverLimits(obj: unknown, where: string): string[] {
  if (!obj || typeof obj !== 'object') return [];
  if (Array.isArray(obj)) return obj.flatMap((x, i) => requestsOverLimits(x, `${where}[${i}]`));
  return Object.entries(obj).flatMap(([k, v]) => {
    const r = v as { requests?: Record<string, string>; limits?: Record<string, string> };
    if (k === 'resources' && r?.requests && r.limits) {
      return Object.keys(r.requests)
        .filter((res) => r.limits![res] !== undefined && parseQuantity(r.requests![res]!)! > parseQuantity(r.limits![res]!)!)
        .map((res) => `${where}.resources.${res}`);
    }
    return requestsOverLimits(v, `${where}.${k}`);
  });
}

const outcomes = { accepted: 0, refused: 0, byField: new Map<string, number>() };

async function check(drawn: unknown): Promise<void> {
  const file = deepMerge(qa, drawn) as EnvOverrides;
  let tree;
  try {
    tree = await synthesize([resolveEnv(file, { terraformOutputsDir: fixtureOutputsDir })]);
  } catch (err) {
    // A refusal is fine when it says what to fix; anything else (a TypeError, a stack) is a finding.
    if (!(err instanceof Error) || (!(err instanceof EnvConfigError) && !/^env "qa"/.test(err.message))) throw err;
    for (const line of err.message.split('\n')) {
      expect(line).toMatch(NAMES_A_FIELD);
      const field = line.replace(/^env "qa"[^:]*: /, '').split(':')[0]!;
      outcomes.byField.set(field, (outcomes.byField.get(field) ?? 0) + 1);
    }
    outcomes.refused++;
    return;
  }
  outcomes.accepted++;
  const all = manifestsOf(tree);
  const dir = tempDir('gen');
  const ruleFiles = all
    .filter((m) => m.manifest.kind === 'PrometheusRule')
    .map((m, i) => {
      const f = path.join(dir, `rules-${i}.yml`);
      fs.writeFileSync(f, stringify({ groups: (m.manifest as any).spec.groups }));
      return f;
    });
  if (ruleFiles.length > 0) {
    const r = runTool('promtool', ['check', 'rules', ...ruleFiles]);
    expect({ code: r.code, out: r.code === 0 ? '' : r.out }).toEqual({ code: 0, out: '' });
  }
  for (const { file: f, manifest } of all.filter((m) => m.manifest.kind === 'Secret' && m.file.endsWith('/alertmanager/manifests.yaml'))) {
    const cfg = path.join(dir, 'alertmanager.yaml');
    fs.writeFileSync(cfg, (manifest as any).stringData['alertmanager.yaml']);
    const r = runTool('amtool', ['check-config', cfg]);
    expect({ file: f, code: r.code, out: r.code === 0 ? '' : r.out }).toEqual({ file: f, code: 0, out: '' });
  }
  const overLimit = all.flatMap((m) => requestsOverLimits(m.manifest, `${m.file} ${m.manifest.kind}/${m.manifest.metadata.name}`));
  expect(overLimit).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
}

it(`env overrides drawn within the schema's types: accepted ones render what the real tools accept, refused ones name a field (${RUNS} draws)`, async () => {
  // The unchanged base is always one of the draws, so the accepted path runs in every run.
  await fc.assert(
    fc.asyncProperty(overrides, (o) => check(o)),
    { numRuns: RUNS, examples: [[{}]] },
  );
  console.log(
    `generative env check: ${outcomes.accepted} accepted, ${outcomes.refused} refused; refusals by field: ${JSON.stringify(Object.fromEntries(outcomes.byField))}`,
  );
  expect(outcomes.accepted).toBeGreaterThanOrEqual(1);
}, 600_000);

it('the checks can fail: a refusal without a field, a rule promtool rejects, a request above its limit', () => {
  expect('env "qa": something went wrong').not.toMatch(NAMES_A_FIELD);
  expect('TypeError: x is undefined').not.toMatch(NAMES_A_FIELD);
  expect('env "qa": prometheus.retention: must be a positive Prometheus duration').toMatch(NAMES_A_FIELD);
  expect(requestsOverLimits({ spec: { resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } } } }, 'x')).toEqual([
    'x.spec.resources.cpu',
  ]);
  const f = path.join(tempDir('gen'), 'broken.yml');
  fs.writeFileSync(f, stringify({ groups: [{ name: 'g', rules: [{ record: 'x', expr: 'sum(' }] }] }));
  expect(runTool('promtool', ['check', 'rules', f]).code).not.toBe(0);
});
