/** promtool unit tests for charts/rules/grafana.ts. */
import type { AlertCase } from './types.js';

const G = 'job="grafana",namespace="monitoring"';

export const grafanaCases: readonly AlertCase[] = [
  {
    name: 'the only replica unreachable for 10 minutes',
    alert: 'GrafanaDown',
    series: [{ series: `up{${G},pod="grafana-6d9f-abcde"}`, values: '0x20' }],
    evalTime: '11m',
    expected: [{ namespace: 'monitoring' }],
  },
  {
    name: 'one of two replicas down: the other still serves',
    alert: 'GrafanaDown',
    series: [
      { series: `up{${G},pod="grafana-6d9f-abcde"}`, values: '0x20' },
      { series: `up{${G},pod="grafana-6d9f-fghij"}`, values: '1x20' },
    ],
    evalTime: '11m',
    expected: [],
  },
  {
    name: 'a fifth of the Thanos datasource requests answered with 502',
    alert: 'GrafanaDatasourceErrors',
    series: [
      {
        series: `grafana_datasource_request_total{${G},pod="grafana-6d9f-abcde",datasource="Thanos",code="502",method="POST"}`,
        values: '0+2x30',
      },
      {
        series: `grafana_datasource_request_total{${G},pod="grafana-6d9f-abcde",datasource="Thanos",code="200",method="POST"}`,
        values: '0+8x30',
      },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'monitoring', datasource: 'Thanos' }],
  },
  {
    name: 'datasource requests succeed',
    alert: 'GrafanaDatasourceErrors',
    series: [
      {
        series: `grafana_datasource_request_total{${G},pod="grafana-6d9f-abcde",datasource="Thanos",code="200",method="POST"}`,
        values: '0+10x30',
      },
    ],
    evalTime: '20m',
    expected: [],
  },
];
