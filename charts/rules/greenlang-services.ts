/**
 * GreenLang's own services (FR-5.4): request rate, errors and latency of the HTTP services, and
 * the agent factory's runs, from the metrics the SDK's ServiceMetrics and AgentMetrics expose
 * (sdk/python/greenlang/monitoring/service.py: the names here are that contract). Grouped by the
 * `service` label discovery gives each target, so every catalogued service is covered as it is added.
 */
import type { RuleArea } from './types.js';

export const SERVICE_REQUESTS = 'service:gl_http_requests:rate5m';
export const SERVICE_ERRORS = 'service:gl_http_request_errors:ratio_rate5m';
export const SERVICE_LATENCY_P95 = 'service:gl_http_request_duration_seconds:p95_5m';
export const AGENT_RUNS = 'agent:gl_agent_runs:rate5m';
export const AGENT_ERRORS = 'agent:gl_agent_run_errors:ratio_rate15m';

/** Below this many requests in 5 minutes (or agent runs in 15), a ratio is noise: one error in three is not an outage. */
const MIN_REQUESTS_5M = 10;
const MIN_RUNS_15M = 5;
/** p95 above this for 15 minutes is slow for an interactive API (the dashboards' calculations, report downloads). */
const LATENCY_P95_SECONDS = 1;

const byService = 'namespace, service';
const requests = (matchers = '', window = '5m') => `sum by (${byService}) (rate(gl_http_requests_total${matchers}[${window}]))`;
const runs = (matchers = '', window = '15m') => `sum by (namespace, agent) (rate(gl_agent_runs_total${matchers}[${window}]))`;

export const greenlangServiceRules: RuleArea = {
  area: 'services',
  groups: [
    {
      name: 'greenlang-services.rules',
      rules: [
        { record: SERVICE_REQUESTS, expr: requests() },
        // 0, not absent, while a service has served no 5xx yet (the SDK creates a code's series on first use).
        { record: SERVICE_ERRORS, expr: `(${requests('{code=~"5.."}')} or ${requests()} * 0)\n/ ${requests()}` },
        {
          record: SERVICE_LATENCY_P95,
          expr: `histogram_quantile(0.95, sum by (${byService}, le) (rate(gl_http_request_duration_seconds_bucket[5m])))`,
        },
        { record: AGENT_RUNS, expr: `sum by (namespace, agent, outcome) (rate(gl_agent_runs_total[5m]))` },
        { record: AGENT_ERRORS, expr: `(${runs('{outcome="error"}')} or ${runs()} * 0)\n/ ${runs()}` },
      ],
    },
    {
      name: 'greenlang-services',
      rules: [
        {
          alert: 'GreenLangServiceErrorsHigh',
          expr: `${SERVICE_ERRORS} > 0.05\nand ${SERVICE_REQUESTS} * 300 >= ${MIN_REQUESTS_5M}`,
          for: '10m',
          severity: 'critical',
          summary: 'GreenLang service {{ $labels.service }} answers more than 5% of requests with a server error',
          description:
            '{{ $value | humanizePercentage }} of the requests to {{ $labels.namespace }}/{{ $labels.service }} have failed with 5xx for 10 minutes: users see errors.',
        },
        {
          alert: 'GreenLangServiceLatencyHigh',
          expr: `${SERVICE_LATENCY_P95} > ${LATENCY_P95_SECONDS}\nand ${SERVICE_REQUESTS} * 300 >= ${MIN_REQUESTS_5M}`,
          for: '15m',
          severity: 'warning',
          summary: 'GreenLang service {{ $labels.service }} is slow: p95 latency above 1s',
          description:
            '95% of the requests to {{ $labels.namespace }}/{{ $labels.service }} take up to {{ $value | humanizeDuration }}, above 1s for 15 minutes.',
        },
        {
          alert: 'GreenLangAgentRunsFailing',
          expr: `${AGENT_ERRORS} > 0.1\nand ${runs()} * 900 >= ${MIN_RUNS_15M}`,
          for: '15m',
          severity: 'warning',
          summary: 'Agent {{ $labels.agent }} fails more than 10% of its runs',
          description:
            '{{ $value | humanizePercentage }} of the runs of {{ $labels.agent }} in {{ $labels.namespace }} ended in an error over the last 15 minutes.',
        },
      ],
    },
  ],
};
