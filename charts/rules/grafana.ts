/** The platform's Grafana: down, and (with replicas) its alerting peers apart. */
import type { RuleArea } from './types.js';
import { GRAFANA_WORKLOAD } from '../workloads.js';

const job = `job="${GRAFANA_WORKLOAD.name}"`;

export const grafanaRules: RuleArea = {
  area: 'grafana',
  groups: [
    {
      name: 'grafana',
      rules: [
        {
          alert: 'GrafanaDown',
          expr: `max by (namespace) (up{${job}}) == 0`,
          for: '10m',
          severity: 'warning',
          summary: 'No Grafana replica answers in {{ $labels.namespace }}',
          description:
            'Prometheus has not reached any Grafana replica for 10 minutes: dashboards are unavailable. Metrics and alerts are not affected.',
        },
        {
          alert: 'GrafanaDatasourceErrors',
          expr:
            `sum by (namespace, datasource) (rate(grafana_datasource_request_total{${job},code=~"5.."}[5m]))\n` +
            `  / sum by (namespace, datasource) (rate(grafana_datasource_request_total{${job}}[5m])) > 0.1`,
          for: '15m',
          severity: 'warning',
          summary: 'Grafana datasource {{ $labels.datasource }} fails more than 10% of its requests',
          description:
            'Panels on that datasource show errors: its endpoint is down, refuses Grafana (mutual TLS, NetworkPolicy), or its queries time out.',
        },
      ],
    },
  ],
};
