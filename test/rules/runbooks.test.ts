/** Every alert has exactly one runbook and every runbook belongs to an alert; every runbook_url resolves to a file here. */
import { WATCHDOG_ALERT } from '../../charts/rules/watchdog.js';
import { BURN_ALERTS } from '../../charts/rules/slo.js';
import fs from 'node:fs';
import path from 'node:path';
import { ruleAreas } from '../../charts/index.js';
import { RUNBOOK_PATH } from '../../charts/rules/index.js';
import { isAlert } from '../../charts/rules/types.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { SHORTEST_RULE_WINDOW_SECONDS } from '../../envs/schema.js';
import { synthesize } from '../../charts/index.js';
import { repoRoot } from '../../lib/paths.js';
import { manifestsOf } from '../helpers/tree.js';

const alerts = ruleAreas.flatMap((a) => a.groups.flatMap((g) => g.rules.filter(isAlert)));
const runbookDir = path.join(repoRoot, RUNBOOK_PATH);

describe('runbooks', () => {
  it('alerts and runbooks match one to one', () => {
    const runbooks = fs
      .readdirSync(runbookDir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.replace(/\.md$/, ''));
    expect(runbooks.sort()).toEqual([...new Set(alerts.map((a) => a.alert))].sort());
    // One name per alert, except the burn-rate alerts: one per SLO, told apart by their `slo` label.
    const burn = BURN_ALERTS.map((b) => b.alert);
    const others = alerts.filter((a) => !burn.includes(a.alert));
    expect(new Set(others.map((a) => a.alert)).size).toBe(others.length);
  });

  it.each([...new Set(alerts.map((a) => a.alert))])('%s: the runbook has the sections on-call needs', (alert) => {
    const text = fs.readFileSync(path.join(runbookDir, `${alert}.md`), 'utf8');
    expect(text.split('\n')[0]).toBe(`# ${alert}`);
    for (const section of ['## What it means', '## Investigate', '## Remediate', '## Escalate']) expect(text).toContain(section);
  });

  it('every rendered runbook_url points at an existing runbook file', async () => {
    const envs = resolveAll(envFiles);
    const rules = manifestsOf(await synthesize(envs)).filter((m) => m.manifest.kind === 'PrometheusRule');
    const urls = rules.flatMap((r) =>
      (r.manifest as any).spec.groups.flatMap((g: any) =>
        g.rules.filter((x: any) => x.alert).map((x: any) => [x.alert, x.annotations.runbook_url]),
      ),
    );
    expect(urls.length).toBeGreaterThan(0);
    for (const [alert, url] of urls) {
      expect(url).toMatch(new RegExp(`/${RUNBOOK_PATH}/${alert}\\.md$`));
      expect(fs.existsSync(path.join(runbookDir, path.basename(url)))).toBe(true);
    }
  });

  // Argo CD self-heals every object dist renders: a hand change to one is reverted within seconds.
  const MUTATING = /`kubectl [^`]*\b(scale|edit|patch|set|rollout undo|label|annotate|apply|replace)\b[^`]*`/;
  it.each([...new Set(alerts.map((a) => a.alert))])(
    '%s: never advises a hand change that self-heal reverts without pausing the Application first',
    (alert) => {
      const text = fs.readFileSync(path.join(runbookDir, `${alert}.md`), 'utf8');
      const change = MUTATING.exec(text);
      if (!change) return;
      const pause = text.indexOf('--sync-policy none');
      expect({ alert, command: change[0], pausedFirst: pause >= 0 && pause < change.index }).toEqual({
        alert,
        command: change[0],
        pausedFirst: true,
      });
      expect(text).toContain('--sync-policy automated');
    },
  );

  it('every environment setting a runbook cites exists', () => {
    const env = resolveAll(envFiles)[0]! as unknown as Record<string, unknown>;
    const roots = Object.keys(env).filter((k) => typeof env[k] === 'object' && env[k] !== null && !Array.isArray(env[k]));
    const cited = fs
      .readdirSync(runbookDir)
      .flatMap((f) =>
        [...fs.readFileSync(path.join(runbookDir, f), 'utf8').matchAll(/`([a-zA-Z]+(?:\.[a-zA-Z]+)+)`/g)].map((m) => [f, m[1]!]),
      )
      .filter(([, p]) => roots.includes(p.split('.')[0]!));
    expect(cited.length).toBeGreaterThan(0);
    const missing = cited.filter(
      ([, p]) => p.split('.').reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), env) === undefined,
    );
    expect(missing).toEqual([]);
  });

  it('every alert has severity, summary and description', () => {
    for (const a of alerts) {
      expect(['critical', 'warning', 'info', 'none']).toContain(a.severity);
      if (a.severity === 'none') expect(a.alert).toBe(WATCHDOG_ALERT);
      expect(a.summary.length).toBeGreaterThan(10);
      expect(a.description.length).toBeGreaterThan(10);
    }
  });
});

describe('rule windows', () => {
  it("no rule reads a range shorter than the one the schema's scrape-interval rule protects", () => {
    const seconds = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;
    const ranges = ruleAreas
      .flatMap((a) => a.groups.flatMap((g) => g.rules.map((r) => r.expr)))
      .flatMap((e) => [...e.matchAll(/\[(\d+)([smhdw])(?::[^\]]*)?\]/g)].map((m) => Number(m[1]) * seconds[m[2] as keyof typeof seconds]));
    expect(ranges.length).toBeGreaterThan(10);
    expect(Math.min(...ranges)).toBeGreaterThanOrEqual(SHORTEST_RULE_WINDOW_SECONDS);
  });
});
