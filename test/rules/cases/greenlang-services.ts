/**
 * promtool unit tests for charts/rules/greenlang-services.ts, on series named and labelled as the
 * SDK's ServiceMetrics and AgentMetrics export them, with the target labels discovery adds.
 */
import type { AlertCase } from './types.js';

const API = 'job="greenlang-api",namespace="greenlang",service="greenlang-api",pod="greenlang-api-7c9f-1"';
const AGENTS = 'job="agent-factory",namespace="greenlang",service="agent-factory",pod="agent-factory-0"';
const requests = (code: string, perMin: number) => ({
  series: `gl_http_requests_total{${API},route="/v1/reports/{id}",method="GET",code="${code}"}`,
  values: `0+${perMin}x40`,
});
/** Latency buckets where every request falls in the bucket ending at `le` (10 a minute). */
const latency = (upTo: string) =>
  ['0.25', '0.5', '1', '2.5', '5', '+Inf'].map((le) => ({
    series: `gl_http_request_duration_seconds_bucket{${API},route="/v1/reports/{id}",method="GET",le="${le}"}`,
    values: le === '+Inf' || Number(le) >= Number(upTo) ? '0+10x40' : '0x40',
  }));
const agentRuns = (outcome: string, perMin: number) => ({
  series: `gl_agent_runs_total{${AGENTS},agent="fuel-emissions",outcome="${outcome}"}`,
  values: `0+${perMin}x40`,
});

export const greenlangServiceCases: readonly AlertCase[] = [
  {
    name: '10% of requests fail with 500',
    alert: 'GreenLangServiceErrorsHigh',
    series: [requests('200', 90), requests('500', 10)],
    evalTime: '20m',
    expected: [{ namespace: 'greenlang', service: 'greenlang-api' }],
    description: '10% of the requests to greenlang/greenlang-api have failed with 5xx for 10 minutes: users see errors.',
  },
  {
    name: 'half of 4 requests in 5 minutes fail (too few to judge); a service that never served a 5xx',
    alert: 'GreenLangServiceErrorsHigh',
    series: [
      requests('200', 0.4),
      requests('503', 0.4),
      {
        series: `gl_http_requests_total{${API.replace('greenlang-api"', 'calc"')},route="/v1/calc",method="POST",code="200"}`,
        values: '0+50x40',
      },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'every request takes 1 to 2.5 s',
    alert: 'GreenLangServiceLatencyHigh',
    series: [requests('200', 10), ...latency('2.5')],
    evalTime: '25m',
    expected: [{ namespace: 'greenlang', service: 'greenlang-api' }],
    // p95 interpolated in the (1, 2.5] bucket.
    description: '95% of the requests to greenlang/greenlang-api take up to 2.425s, above 1s for 15 minutes.',
  },
  {
    name: 'every request takes under 250 ms',
    alert: 'GreenLangServiceLatencyHigh',
    series: [requests('200', 10), ...latency('0.25')],
    evalTime: '25m',
    expected: [],
  },
  {
    name: 'one agent run in five fails',
    alert: 'GreenLangAgentRunsFailing',
    series: [agentRuns('success', 8), agentRuns('error', 2)],
    evalTime: '30m',
    expected: [{ namespace: 'greenlang', agent: 'fuel-emissions' }],
    description: '20% of the runs of fuel-emissions in greenlang ended in an error over the last 15 minutes.',
  },
  {
    name: 'every agent run succeeds',
    alert: 'GreenLangAgentRunsFailing',
    series: [agentRuns('success', 10)],
    evalTime: '30m',
    expected: [],
  },
];
