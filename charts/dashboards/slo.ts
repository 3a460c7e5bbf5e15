/**
 * "Service levels": per SLO (charts/rules/slo.ts), the error budget left over the last 30 days
 * and how fast it burns now. Budget remaining is 1 - (mean hourly error ratio over 30 days) /
 * (1 - objective): 100% untouched, 0% spent, negative overspent. Burn rate 1 spends exactly the
 * budget in 30 days; the alert thresholds (14.4, 6, 3, 1) are drawn for reference.
 */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { errorRatio, percent, type Slo } from '../rules/slo.js';
import { C, clusterVariable, q, stat, timeseries } from './common.js';

export function sloDashboard(slos: readonly Slo[]) {
  const d = new DashboardBuilder('Service levels')
    .uid('service-levels')
    .tags(['greenlang', 'slo'])
    .refresh('1m')
    .time({ from: 'now-7d', to: 'now' })
    .timezone('utc')
    .withVariable(clusterVariable());
  for (const slo of slos) {
    const budget = +(1 - slo.objective).toPrecision(6);
    const ratio = (w: Parameters<typeof errorRatio>[0]) => `${errorRatio(w)}{slo="${slo.name}", ${C}}`;
    d.withRow(new RowBuilder(`${slo.sli} (objective ${percent(slo.objective)})`))
      .withPanel(
        stat('Error budget remaining (30 days)', 'percentunit', q(`1 - avg_over_time(${ratio('1h')}[30d]) / ${budget}`, '{{cluster}}')),
      )
      .withPanel(stat('Error ratio (1 day)', 'percentunit', q(`max by (cluster) (${ratio('1d')})`, '{{cluster}}')))
      .withPanel(
        timeseries(
          'Burn rate (1 = budget spent in exactly 30 days)',
          'none',
          q(`max by (cluster) (${ratio('1h')}) / ${budget}`, '{{cluster}} 1h'),
          q(`max by (cluster) (${ratio('6h')}) / ${budget}`, '{{cluster}} 6h'),
          q(`max by (cluster) (${ratio('1d')}) / ${budget}`, '{{cluster}} 1d'),
        ),
      );
  }
  return d.build();
}
