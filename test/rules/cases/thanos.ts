/** promtool unit tests for charts/rules/thanos.ts. */
import type { AlertCase } from './types.js';

const NS = 'namespace="monitoring"';
const SIDECAR = `job="thanos-sidecar",${NS},pod="prometheus-prometheus-0"`;
const READY = `job="prometheus",${NS},pod="prometheus-prometheus-0"`;
const sidecar = { job: 'thanos-sidecar', namespace: 'monitoring', pod: 'prometheus-prometheus-0' };
const latency = (fast: string, slow: string) => [
  { series: `http_request_duration_seconds_bucket{job="thanos-query",${NS},handler="query_range",le="1"}`, values: fast },
  { series: `http_request_duration_seconds_bucket{job="thanos-query",${NS},handler="query_range",le="60"}`, values: slow },
  { series: `http_request_duration_seconds_bucket{job="thanos-query",${NS},handler="query_range",le="+Inf"}`, values: slow },
];

export const thanosCases: readonly AlertCase[] = [
  {
    name: 'two compactors up',
    alert: 'ThanosCompactorMultipleRunning',
    series: [
      { series: `up{job="thanos-compactor",${NS},instance="a"}`, values: '1x20' },
      { series: `up{job="thanos-compactor",${NS},instance="b"}`, values: '1x20' },
    ],
    evalTime: '10m',
    expected: [{ namespace: 'monitoring' }],
    description: '2 compactors are up; concurrent compactors delete and rewrite the same blocks and can corrupt the bucket.',
  },
  {
    name: 'one compactor',
    alert: 'ThanosCompactorMultipleRunning',
    series: [{ series: `up{job="thanos-compactor",${NS},instance="a"}`, values: '1x20' }],
    evalTime: '10m',
    expected: [],
  },
  {
    name: 'a halted compactor',
    alert: 'ThanosCompactorHalted',
    series: [{ series: `thanos_compact_halted{job="thanos-compactor",${NS},pod="thanos-compactor-0"}`, values: '1x20' }],
    evalTime: '10m',
    expected: [{ job: 'thanos-compactor', namespace: 'monitoring', pod: 'thanos-compactor-0' }],
  },
  {
    name: 'a running compactor',
    alert: 'ThanosCompactorHalted',
    series: [{ series: `thanos_compact_halted{job="thanos-compactor",${NS},pod="thanos-compactor-0"}`, values: '0x20' }],
    evalTime: '10m',
    expected: [],
  },
  {
    name: '10% of endpoint lookups fail',
    alert: 'ThanosQueryHighDNSFailures',
    series: [
      { series: `thanos_query_endpoints_dns_failures_total{job="thanos-query",${NS},pod="q0"}`, values: '0+1x30' },
      { series: `thanos_query_endpoints_dns_lookups_total{job="thanos-query",${NS},pod="q0"}`, values: '0+10x30' },
    ],
    evalTime: '20m',
    expected: [{ job: 'thanos-query', namespace: 'monitoring' }],
    description: '10% of DNS lookups for StoreAPI endpoints fail; queries may miss sidecars, store gateways or the ruler.',
  },
  {
    name: 'lookups all succeed',
    alert: 'ThanosQueryHighDNSFailures',
    series: [
      { series: `thanos_query_endpoints_dns_failures_total{job="thanos-query",${NS},pod="q0"}`, values: '0x30' },
      { series: `thanos_query_endpoints_dns_lookups_total{job="thanos-query",${NS},pod="q0"}`, values: '0+10x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'the store gateway fails 10% of bucket operations',
    alert: 'ThanosBucketOperationsFailing',
    series: [
      { series: `thanos_objstore_bucket_operation_failures_total{job="thanos-store",${NS},operation="get"}`, values: '0+1x30' },
      { series: `thanos_objstore_bucket_operations_total{job="thanos-store",${NS},operation="get"}`, values: '0+10x30' },
    ],
    evalTime: '20m',
    expected: [{ job: 'thanos-store', namespace: 'monitoring' }],
  },
  {
    name: 'a rare failure among many operations (the PRD rule would fire on this)',
    alert: 'ThanosBucketOperationsFailing',
    series: [
      { series: `thanos_objstore_bucket_operation_failures_total{job="thanos-store",${NS},operation="get"}`, values: '0+1x30' },
      { series: `thanos_objstore_bucket_operations_total{job="thanos-store",${NS},operation="get"}`, values: '0+1000x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'the sidecar cannot reach a ready Prometheus',
    alert: 'ThanosSidecarPrometheusDown',
    series: [
      { series: `thanos_sidecar_prometheus_up{${SIDECAR}}`, values: '0x20' },
      { series: `prometheus_ready{${READY}}`, values: '1x20' },
    ],
    evalTime: '10m',
    expected: [sidecar],
  },
  {
    name: 'the sidecar cannot reach a Prometheus that is gone entirely',
    alert: 'ThanosSidecarPrometheusDown',
    series: [{ series: `thanos_sidecar_prometheus_up{${SIDECAR}}`, values: '0x20' }],
    evalTime: '10m',
    expected: [sidecar],
  },
  {
    name: 'Prometheus is replaying its WAL',
    alert: 'ThanosSidecarPrometheusDown',
    series: [
      { series: `thanos_sidecar_prometheus_up{${SIDECAR}}`, values: '0x20' },
      { series: `prometheus_ready{${READY}}`, values: '0x20' },
    ],
    evalTime: '10m',
    expected: [],
  },
  {
    name: 'the last upload was 8 hours ago',
    alert: 'ThanosSidecarNoUploads',
    series: [{ series: `thanos_objstore_bucket_last_successful_upload_time{${SIDECAR}}`, values: '60x500' }],
    evalTime: '8h',
    expected: [{ namespace: 'monitoring', pod: 'prometheus-prometheus-0' }],
    description:
      'Blocks are cut every 2 hours; none was uploaded for 7h 59m 0s. Local retention will delete data that is not in the bucket yet.',
  },
  {
    name: 'a fresh sidecar that has not uploaded its first block yet',
    alert: 'ThanosSidecarNoUploads',
    series: [{ series: `thanos_objstore_bucket_last_successful_upload_time{${SIDECAR}}`, values: '0x500' }],
    evalTime: '8h',
    expected: [],
  },
  {
    name: 'range queries taking up to a minute',
    alert: 'ThanosQueryHighLatency',
    series: latency('0x30', '0+10x30'),
    evalTime: '15m',
    expected: [{ job: 'thanos-query', namespace: 'monitoring' }],
    description: 'The 99th percentile query latency is 59.41s.',
  },
  {
    name: 'range queries under a second',
    alert: 'ThanosQueryHighLatency',
    series: latency('0+10x30', '0+10x30'),
    evalTime: '15m',
    expected: [],
  },
];
