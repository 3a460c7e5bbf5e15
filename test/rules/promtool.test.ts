/**
 * The rules exactly as rendered in dist, checked by the real promtool (pinned version):
 * `check rules` on every rendered group, and `test rules` proving each alert fires when it
 * should and stays silent when it should not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { isAlert } from '../../charts/rules/types.js';
import { WATCHDOG_ALERT } from '../../charts/rules/watchdog.js';
import { ruleAreas } from '../../charts/index.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { runTool } from '../helpers/bin.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';
import { alertCases } from './cases/index.js';

const envs = resolveAll(envFiles);
const rendered = manifestsOf(await synthesize(envs));
const ruleObjects = rendered.filter((m) => m.manifest.kind === 'PrometheusRule') as {
  file: string;
  manifest: Manifest & { spec: { groups: any[] } };
}[];
const allAlerts = ruleAreas.flatMap((a) => a.groups.flatMap((g) => g.rules.filter(isAlert)));
const severityOf = Object.fromEntries(allAlerts.map((a) => [a.alert, a.severity]));

describe('promtool check rules', () => {
  it.each(ruleObjects.map((r) => ({ ...r, label: `${r.file} ${r.manifest.metadata.name}` })))('$label', ({ manifest }) => {
    const file = path.join(tempDir('rules'), 'rules.yml');
    fs.writeFileSync(file, stringify({ groups: manifest.spec.groups }));
    const r = runTool('promtool', ['check', 'rules', file]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('fails on a broken expression (the check can fail)', () => {
    const file = path.join(tempDir('rules'), 'broken.yml');
    fs.writeFileSync(file, stringify({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'rate(foo[5m]' }] }] }));
    expect(runTool('promtool', ['check', 'rules', file]).code).not.toBe(0);
  });
});

describe('promtool test rules', () => {
  // One rule file with every group as rendered for dev (the same text in every env but runbook base).
  const dir = tempDir('rule-tests');
  const devGroups = ruleObjects.filter((r) => r.file.startsWith('dev/')).flatMap((r) => r.manifest.spec.groups);
  const annotationsOf = (alert: string) => devGroups.flatMap((g) => g.rules).find((r: any) => r.alert === alert).annotations;
  // One rule file per alert with the groups it needs, as rendered: promtool evaluates every
  // group of a file at every step, and most groups cannot change a given alert.
  const ruleFiles = new Map<string, string>();
  const ruleFileFor = (alert: string) => {
    if (!ruleFiles.has(alert)) {
      const file = path.join(dir, `${alert}.rules.yml`);
      fs.writeFileSync(file, stringify({ groups: groupsNeeded(devGroups, alert) }));
      ruleFiles.set(alert, file);
    }
    return ruleFiles.get(alert)!;
  };

  it.each(alertCases.map((c) => ({ ...c, label: `${c.alert}: ${c.name}` })))('$label', (c) => {
    const test = {
      rule_files: [ruleFileFor(c.alert)],
      evaluation_interval: c.interval ?? '1m',
      tests: [
        {
          interval: c.interval ?? '1m',
          input_series: c.series,
          alert_rule_test: [
            {
              eval_time: c.evalTime,
              alertname: c.alert,
              exp_alerts: c.expected.map((labels) => {
                const exp_labels = { severity: severityOf[c.alert], ...labels };
                return { exp_labels, exp_annotations: expectedAnnotations(annotationsOf(c.alert), exp_labels, c.description) };
              }),
            },
          ],
        },
      ],
    };
    const file = path.join(dir, `${c.alert}-${alertCases.indexOf(c)}.test.yml`);
    fs.writeFileSync(file, stringify(test));
    const r = runTool('promtool', ['test', 'rules', file]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it("each case's rule file keeps the groups recording what its alert reads, transitively, and all of them for ALERTS", () => {
    const g = (name: string, ...rules: { record?: string; alert?: string; expr: string }[]) => ({ name, rules });
    const groups = [
      g('raw', { record: 'job:up:sum', expr: 'sum by (job) (up)' }),
      g('ratio', { record: 'job:up:ratio', expr: 'job:up:sum / job:up:count' }),
      g('count', { record: 'job:up:count', expr: 'count by (job) (up)' }),
      g('unrelated', { record: 'job:up:sum2', expr: 'sum(up)' }),
      g('alerts', { alert: 'Ratio', expr: 'job:up:ratio < 0.5' }, { alert: 'Plain', expr: 'up == 0' }),
      g('meta', { alert: 'Many', expr: 'count(ALERTS) > 3' }),
      g('other-slo', { alert: 'Ratio', expr: 'job:up:sum < 1' }),
    ];
    expect(groupsNeeded(groups, 'Ratio').map((x) => x.name)).toEqual(['raw', 'ratio', 'count', 'alerts', 'other-slo']);
    // A group is kept whole, so what any of its rules reads is kept too.
    expect(groupsNeeded(groups, 'Plain').map((x) => x.name)).toEqual(['raw', 'ratio', 'count', 'alerts']);
    expect(groupsNeeded(groups, 'Many')).toEqual(groups);
    // On the rendered rules: every case's alert is in its file, and the files are smaller.
    const sizes = [...new Set(alertCases.map((c) => c.alert))].map((a) => groupsNeeded(devGroups, a).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(devGroups.length);
    expect(sizes.reduce((x, y) => x + y, 0)).toBeLessThan(sizes.length * devGroups.length);
  });

  it('every alert has at least one case where it fires and one where it stays silent', () => {
    for (const a of allAlerts) {
      const cases = alertCases.filter((c) => c.alert === a.alert);
      expect({
        alert: a.alert,
        fires: cases.some((c) => c.expected.length > 0),
        // The Watchdog fires by design; that it goes quiet when Prometheus stops is shown end to end (preview e2e).
        silent: a.alert === WATCHDOG_ALERT || cases.some((c) => c.expected.length === 0),
      }).toEqual({
        alert: a.alert,
        fires: true,
        silent: true,
      });
    }
  });
});

/**
 * The groups an alert's evaluation depends on, in their rendered order: the groups defining it, and every
 * group recording a series that a needed group reads, transitively. A rule reading ALERTS
 * depends on every alert, so then all groups are kept.
 */
function groupsNeeded(groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[], alert: string) {
  // An alert may be defined in several groups (one per SLO): all of them.
  const own = groups.filter((g) => g.rules.some((r) => r.alert === alert));
  if (!own.length) throw new Error(`no rendered group has alert ${alert}`);
  const reads = (expr: string, series: string) =>
    new RegExp(`(^|[^A-Za-z0-9_:])${series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_:])`).test(expr);
  const needed = new Set(own);
  for (const queue = [...own]; queue.length;) {
    for (const rule of queue.pop()!.rules) {
      if (/(^|[^A-Za-z0-9_:])ALERTS(_FOR_STATE)?($|[^A-Za-z0-9_:])/.test(rule.expr)) return groups;
      for (const g of groups) {
        if (!needed.has(g) && g.rules.some((r) => r.record && reads(rule.expr, r.record))) {
          needed.add(g);
          queue.push(g);
        }
      }
    }
  }
  return groups.filter((g) => needed.has(g));
}

/**
 * promtool compares annotations too: expand `{{ $labels.x }}` ourselves; a description that
 * depends on `$value` must be given by the case (which also proves its wording renders).
 */
function expectedAnnotations(
  annotations: Record<string, string>,
  labels: Record<string, string>,
  description?: string,
): Record<string, string> {
  const expand = (v: string) => v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? '');
  const out = Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, expand(v)]));
  for (const [k, v] of Object.entries(out)) {
    if (v.includes('{{')) {
      if (k !== 'description' || description === undefined) throw new Error(`case must give the rendered ${k}: ${v}`);
      out[k] = description;
    }
  }
  return out;
}
