/**
 * "GreenLang services" (FR-5.4): request rate, errors and p95 latency of every HTTP service, and
 * the agent factory's runs, from the recording rules of charts/rules/greenlang-services.ts (the
 * SDK's ServiceMetrics and AgentMetrics). One line per service or agent; `$cluster` as everywhere.
 */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { AGENT_ERRORS, AGENT_RUNS, SERVICE_ERRORS, SERVICE_LATENCY_P95, SERVICE_REQUESTS } from '../rules/greenlang-services.js';
import { C, clusterVariable, q, timeseries } from './common.js';

export function greenlangServicesDashboard() {
  return new DashboardBuilder('GreenLang services')
    .uid('greenlang-services')
    .tags(['greenlang', 'services', 'agents'])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .withVariable(clusterVariable())
    .withRow(new RowBuilder('HTTP services'))
    .withPanel(
      timeseries(
        'Requests per second',
        'reqps',
        q(`max by (cluster, namespace, service) (${SERVICE_REQUESTS}{${C}})`, '{{cluster}} {{service}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Server errors (5xx share; alert above 5%)',
        'percentunit',
        q(`max by (cluster, namespace, service) (${SERVICE_ERRORS}{${C}})`, '{{cluster}} {{service}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Latency p95 (alert above 1s)',
        's',
        q(`max by (cluster, namespace, service) (${SERVICE_LATENCY_P95}{${C}})`, '{{cluster}} {{service}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Requests by route and status',
        'reqps',
        q(
          `sum by (cluster, service, route, code) (rate(gl_http_requests_total{${C}}[$__rate_interval]))`,
          '{{cluster}} {{service}} {{route}} {{code}}',
        ),
      ),
    )
    .withRow(new RowBuilder('Agent factory'))
    .withPanel(
      timeseries(
        'Agent runs per second by outcome',
        'ops',
        q(`max by (cluster, agent, outcome) (${AGENT_RUNS}{${C}})`, '{{cluster}} {{agent}} {{outcome}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Failed runs (share over 15m; alert above 10%)',
        'percentunit',
        q(`max by (cluster, agent) (${AGENT_ERRORS}{${C}})`, '{{cluster}} {{agent}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Run duration p95',
        's',
        q(
          `histogram_quantile(0.95, sum by (cluster, agent, le) (rate(gl_agent_run_duration_seconds_bucket{${C}}[$__rate_interval])))`,
          '{{cluster}} {{agent}}',
        ),
      ),
    )
    .withPanel(
      timeseries('Runs in progress', 'none', q(`sum by (cluster, agent) (gl_agent_runs_in_progress{${C}})`, '{{cluster}} {{agent}}')),
    )
    .build();
}
