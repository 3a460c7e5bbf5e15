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
  const ruleFile = path.join(dir, 'rendered.yml');
  const devGroups = ruleObjects.filter((r) => r.file.startsWith('dev/')).flatMap((r) => r.manifest.spec.groups);
  fs.writeFileSync(ruleFile, stringify({ groups: devGroups }));
  const annotationsOf = (alert: string) => devGroups.flatMap((g) => g.rules).find((r: any) => r.alert === alert).annotations;

  it.each(alertCases.map((c) => ({ ...c, label: `${c.alert}: ${c.name}` })))('$label', (c) => {
    const test = {
      rule_files: [ruleFile],
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
