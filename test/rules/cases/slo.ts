/**
 * promtool unit tests for the SLO burn-rate alerts (charts/rules/slo.ts): each window pair fires
 * just above its threshold and stays silent just below it, a burst that stopped is silent once
 * the short window is clean, and every SLO's own SLI expression reads the metrics its component
 * exposes (series named as they are scraped).
 */
import { ALERTMANAGER_SLO } from '../../../charts/alertmanager.js';
import { PROMETHEUS_SLO } from '../../../charts/prometheus.js';
import { PUSHGATEWAY_SLO } from '../../../charts/pushgateway.js';
import { percent, type Slo } from '../../../charts/rules/slo.js';
import { QUERY_SLO } from '../../../charts/thanos/query.js';
import type { AlertCase } from './types.js';

const REQS = 1000; // events per sample step

/** Success and failure counters of an SLI, `errors` failures per step for `steps` steps (then `after` per step for `tail` steps). */
function counters(slo: Slo, errors: number, steps: number, tail?: { errors: number; steps: number }) {
  const seq = (per: number, n: number, then?: { per: number; n: number }) =>
    then ? `0+${per}x${n} ${per * n}+${then.per}x${then.n}` : `0+${per}x${n}`;
  const ok = seq(REQS - errors, steps, tail && { per: REQS - tail.errors, n: tail.steps });
  const bad = seq(errors, steps, tail && { per: tail.errors, n: tail.steps });
  switch (slo) {
    case ALERTMANAGER_SLO: // failed is a subset of all notifications
      return [
        {
          series: `alertmanager_notifications_total{job="alertmanager",integration="slack"}`,
          values: seq(REQS, steps, tail && { per: REQS, n: tail.steps }),
        },
        { series: `alertmanager_notifications_failed_total{job="alertmanager",integration="slack"}`, values: bad },
      ];
    case PROMETHEUS_SLO:
      return [
        { series: `prometheus_http_requests_total{job="prometheus",handler="/api/v1/query",code="200"}`, values: ok },
        { series: `prometheus_http_requests_total{job="prometheus",handler="/api/v1/query",code="503"}`, values: bad },
        // Not an API request: never counted.
        { series: `prometheus_http_requests_total{job="prometheus",handler="/metrics",code="500"}`, values: `0+${REQS}x${steps}` },
      ];
    case QUERY_SLO:
      return [
        { series: `http_requests_total{job="thanos-query",handler="query_range",code="200",method="get"}`, values: ok },
        { series: `http_requests_total{job="thanos-query",handler="query_range",code="500",method="get"}`, values: bad },
      ];
    case PUSHGATEWAY_SLO:
      return [
        { series: `pushgateway_http_requests_total{job="pushgateway",handler="push",code="202",method="put"}`, values: ok },
        { series: `pushgateway_http_requests_total{job="pushgateway",handler="push",code="500",method="put"}`, values: bad },
      ];
    default:
      throw new Error(`no series for SLO ${slo.name}`);
  }
}

const labels = (slo: Slo) => ({ slo: slo.name, objective: percent(slo.objective) });
const fired = (slo: Slo, ratio: string, what: string) =>
  `SLI: ${slo.sli}. The error ratio over the long window is ${ratio}: at this rate the 30-day error budget is gone ${what}.`;
const FAST = 'within two days';
const SLOW = 'before the 30 days are';

const P = PROMETHEUS_SLO; // 99.9%: thresholds 1.44% (1h/5m), 0.6% (6h/30m), 0.3% (1d/2h), 0.1% (3d/6h)

export const sloCases: readonly AlertCase[] = [
  // Fast burn, 1h and 5m: after 5 clean hours (so the 6h pair stays below 0.6%), 1.6% vs 1.3% of requests fail for 70 minutes.
  {
    name: 'fast: 1.6% errors for 70m (above 14.4x)',
    alert: 'ErrorBudgetBurnFast',
    series: counters(P, 0, 300, { errors: 16, steps: 70 }),
    evalTime: '370m',
    expected: [labels(P)],
    description: fired(P, '1.6%', FAST),
  },
  {
    name: 'fast: 1.3% errors for 70m (below 14.4x)',
    alert: 'ErrorBudgetBurnFast',
    series: counters(P, 0, 300, { errors: 13, steps: 70 }),
    evalTime: '370m',
    expected: [],
  },
  // A 3% burst for 20 minutes that stopped 40 minutes ago: the hours still burn, the 5m and 30m windows do not.
  {
    name: 'fast: a burst that stopped 40m ago',
    alert: 'ErrorBudgetBurnFast',
    series: counters(P, 30, 20, { errors: 0, steps: 40 }),
    evalTime: '60m',
    expected: [],
  },
  // Fast burn, 6h and 30m: 0.8% vs 0.5% for 6h10m (the 1h pair stays below 1.44%).
  {
    name: 'fast: 0.8% errors for 6h (above 6x)',
    alert: 'ErrorBudgetBurnFast',
    series: counters(P, 8, 370),
    evalTime: '370m',
    expected: [labels(P)],
    description: fired(P, '0.8%', FAST),
  },
  {
    name: 'fast: 0.5% errors for 6h (below 6x)',
    alert: 'ErrorBudgetBurnFast',
    series: counters(P, 5, 370),
    evalTime: '370m',
    expected: [],
  },
  // Slow burn, sampled and evaluated every 2m: rule groups read each other's previous result, which
  // must lie inside the 5m lookback (at 5m or 10m promtool passes or fails by group order). 1d and 2h: after 2 clean days (so the 3d pair stays below 0.1%), 0.4% vs 0.25% for a day.
  {
    name: 'slow: 0.4% errors for a day (above 3x)',
    alert: 'ErrorBudgetBurnSlow',
    interval: '2m',
    series: counters(P, 0, 1440, { errors: 4, steps: 750 }),
    evalTime: '4380m',
    expected: [labels(P)],
    description: fired(P, '0.4%', SLOW),
  },
  {
    name: 'slow: 0.25% errors for a day (below 3x)',
    alert: 'ErrorBudgetBurnSlow',
    interval: '2m',
    series: counters(P, 0, 1440, { errors: 2.5, steps: 750 }),
    evalTime: '4380m',
    expected: [],
  },
  // 3d and 6h: 0.15% vs 0.09% for three days (the 1d pair stays below 0.3%).
  {
    name: 'slow: 0.15% errors for 3 days (above 1x)',
    alert: 'ErrorBudgetBurnSlow',
    interval: '2m',
    series: counters(P, 1.5, 2200),
    evalTime: '4400m',
    expected: [labels(P)],
    description: fired(P, '0.15%', SLOW),
  },
  {
    name: 'slow: 0.09% errors for 3 days (below 1x)',
    alert: 'ErrorBudgetBurnSlow',
    interval: '2m',
    series: counters(P, 0.9, 2200),
    evalTime: '4400m',
    expected: [],
  },
  // Nothing ever failed (no 5xx series at all): the ratio is 0, not absent, so the dashboard shows a full budget.
  {
    name: 'no failure series at all',
    alert: 'ErrorBudgetBurnFast',
    series: counters(P, 0, 70).filter((x) => !x.series.includes('code="503"')),
    evalTime: '70m',
    expected: [],
  },
  // Every SLO's own SLI, burning fast (PushGateway's 99.5% needs more than 7.2%).
  ...[QUERY_SLO, ALERTMANAGER_SLO, PUSHGATEWAY_SLO].map((slo) => {
    const errors = slo.objective < 0.999 ? 100 : 20;
    return {
      name: `fast: ${slo.name} reads its own metrics`,
      alert: 'ErrorBudgetBurnFast',
      series: counters(slo, errors, 70),
      evalTime: '70m',
      expected: [labels(slo)],
      description: fired(slo, `${(errors / REQS) * 100}%`, FAST),
    };
  }),
];
