/**
 * All rule areas rendered as PrometheusRule CRs. Areas for the Thanos ruler carry the
 * evaluator label (lib/rules.ts) so Prometheus skips them and the ruler picks them up.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { PrometheusRule } from '../../imports/monitoring.coreos.com.js';
import type { EnvConfig } from '../../envs/schema.js';
import { labelsFor } from '../../lib/labels.js';
import { addObject, asManifest } from '../../lib/objects.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import type { ChartContext } from '../context.js';
import { isAlert, type RuleArea } from './types.js';

export const RUNBOOK_PATH = 'docs/runbooks';

export function runbookUrl(env: EnvConfig, alert: string): string {
  return `${env.runbookBaseUrl.replace(/\/$/, '')}/${alert}.md`;
}

/** The `groups` of a PrometheusRule, in Prometheus rule-file form. */
export function renderGroups(env: EnvConfig, area: RuleArea) {
  return area.groups.map((g) => ({
    name: g.name,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: g.rules.map((r) =>
      isAlert(r)
        ? {
            alert: r.alert,
            expr: r.expr,
            ...(r.for ? { for: r.for } : {}),
            labels: { severity: r.severity, ...(r.labels ?? {}) },
            annotations: { summary: r.summary, description: r.description, runbook_url: runbookUrl(env, r.alert) },
          }
        : { record: r.record, expr: r.expr, ...(r.labels ? { labels: r.labels } : {}) },
    ),
  }));
}

/** The PrometheusRules of the rule areas of the components that run here (the registry passes them). */
export function rulesChart(scope: Construct, { env }: ChartContext, areas: readonly RuleArea[]): Chart {
  const chart = new Chart(scope, 'rules');
  for (const area of areas) {
    const name = `greenlang-${area.area}`;
    const labels = {
      ...labelsFor({ name, component: 'rules' }),
      ...(area.evaluator === 'thanos-ruler' ? { [RULE_EVALUATOR_LABEL]: THANOS_RULER_EVALUATOR } : {}),
    };
    addObject(
      chart,
      // The groups are in Prometheus' rule-file form already (what promtool checks): as manifest.
      asManifest(PrometheusRule, { metadata: { name, namespace: env.namespace, labels }, spec: { groups: renderGroups(env, area) } }),
    );
  }
  return chart;
}
