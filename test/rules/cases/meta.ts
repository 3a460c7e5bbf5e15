/** promtool unit tests for charts/rules/meta.ts (rules the Thanos ruler evaluates). */
import type { AlertCase } from './types.js';

const NS = 'namespace="monitoring"';
const build = (pod: string) => `prometheus_build_info{job="prometheus",${NS},pod="${pod}",version="3.14.0"}`;
const up = (pod: string) => `up{job="prometheus",${NS},pod="${pod}"}`;

export const metaCases: readonly AlertCase[] = [
  {
    name: 'both Prometheus replicas stop answering',
    alert: 'PrometheusPairDown',
    // Samples every minute until 5m, then nothing: absent over 5m from 10m, firing after 5m more.
    series: [
      { series: build('prometheus-prometheus-0'), values: '1x5' },
      { series: build('prometheus-prometheus-1'), values: '1x5' },
    ],
    evalTime: '20m',
    expected: [{ job: 'prometheus' }],
  },
  {
    name: 'one replica still answers',
    alert: 'PrometheusPairDown',
    series: [
      { series: build('prometheus-prometheus-0'), values: '1x5' },
      { series: build('prometheus-prometheus-1'), values: '1x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'one replica down for 20 minutes',
    alert: 'PrometheusReplicaMissing',
    series: [
      { series: up('prometheus-prometheus-0'), values: '1x30' },
      { series: up('prometheus-prometheus-1'), values: '0x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'monitoring' }],
    description: 'Only 1 of the Prometheus pods answer their scrapes; the pair has no redundancy until the other replica is back.',
  },
  {
    name: 'both replicas up',
    alert: 'PrometheusReplicaMissing',
    series: [
      { series: up('prometheus-prometheus-0'), values: '1x30' },
      { series: up('prometheus-prometheus-1'), values: '1x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
];
