/**
 * Thanos (PRD 9.2 intent) corrected for the pinned Thanos (metrics renamed or removed since the PRD); thresholds follow the
 * upstream thanos mixin. Jobs are the Service names rendered by charts/thanos/.
 */
import type { RuleArea } from './types.js';

import { SIDECAR_SERVICE } from '../thanos/sidecar.js';
import { COMPACTOR, PROMETHEUS, QUERY } from '../workloads.js';

const QUERY_HANDLERS = 'handler=~"query|query_range"';

export const thanosRules: RuleArea = {
  area: 'thanos',
  groups: [
    {
      name: 'thanos',
      rules: [
        {
          alert: 'ThanosCompactorMultipleRunning',
          expr: `sum by (namespace) (up{job="${COMPACTOR.name}"}) > 1`,
          for: '5m',
          severity: 'critical',
          summary: 'More than one Thanos compactor runs against the bucket',
          description:
            '{{ $value }} compactors are up; concurrent compactors delete and rewrite the same blocks and can corrupt the bucket.',
        },
        {
          alert: 'ThanosCompactorHalted',
          expr: `thanos_compact_halted{job="${COMPACTOR.name}"} == 1`,
          for: '5m',
          severity: 'critical',
          summary: 'The Thanos compactor has halted',
          description:
            'The compactor stopped on an error it will not retry (overlapping or corrupt blocks). No compaction, downsampling or retention happens until it is fixed.',
        },
        {
          // thanos_query_store_apis_dns_failures_total was removed in v0.38.
          alert: 'ThanosQueryHighDNSFailures',
          expr:
            'sum by (namespace, job) (rate(thanos_query_endpoints_dns_failures_total[5m]))\n' +
            '  / sum by (namespace, job) (rate(thanos_query_endpoints_dns_lookups_total[5m])) > 0.01',
          for: '15m',
          severity: 'warning',
          summary: '{{ $labels.job }} fails to resolve its endpoints',
          description:
            '{{ $value | humanizePercentage }} of DNS lookups for StoreAPI endpoints fail; queries may miss sidecars, store gateways or the ruler.',
        },
        {
          // A ratio per job, not any failure anywhere.
          alert: 'ThanosBucketOperationsFailing',
          expr:
            'sum by (namespace, job) (rate(thanos_objstore_bucket_operation_failures_total[5m]))\n' +
            '  / sum by (namespace, job) (rate(thanos_objstore_bucket_operations_total[5m])) > 0.05',
          for: '15m',
          severity: 'warning',
          summary: '{{ $labels.job }} fails more than 5% of its bucket operations',
          description: 'More than 5% of object-storage operations of {{ $labels.job }} fail (permissions, throttling or network).',
        },
        {
          // Not while Prometheus replays its WAL (prometheus_ready == 0 then).
          alert: 'ThanosSidecarPrometheusDown',
          expr: `thanos_sidecar_prometheus_up{job="${SIDECAR_SERVICE}"} == 0\n  unless on (namespace, pod) prometheus_ready{job="${PROMETHEUS.name}"} == 0`,
          for: '5m',
          severity: 'critical',
          summary: 'Thanos sidecar {{ $labels.pod }} cannot reach its Prometheus',
          description:
            'The sidecar cannot talk to Prometheus although Prometheus is not replaying its WAL: recent data is not queryable and no blocks are uploaded.',
        },
        {
          // Uploads happen once per 2h block, so look at the age of the last one.
          alert: 'ThanosSidecarNoUploads',
          expr:
            `time() - max by (namespace, pod) (thanos_objstore_bucket_last_successful_upload_time{job="${SIDECAR_SERVICE}"}) > 6 * 3600\n` +
            `  and max by (namespace, pod) (thanos_objstore_bucket_last_successful_upload_time{job="${SIDECAR_SERVICE}"}) > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Thanos sidecar {{ $labels.pod }} has not uploaded a block for 6 hours',
          description:
            'Blocks are cut every 2 hours; none was uploaded for {{ $value | humanizeDuration }}. Local retention will delete data that is not in the bucket yet.',
        },
        {
          // NFR 5.1: user-facing query latency p99 < 30s (from the Thanos HTTP histogram).
          alert: 'ThanosQueryHighLatency',
          expr: `histogram_quantile(0.99, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{job=~"${QUERY.name}.*", ${QUERY_HANDLERS}}[5m]))) > 30`,
          for: '10m',
          severity: 'warning',
          summary: '{{ $labels.job }} answers queries slower than 30s (p99)',
          description: 'The 99th percentile query latency is {{ $value | humanizeDuration }}.',
        },
      ],
    },
    {
      name: 'thanos-recording',
      rules: [
        {
          record: 'job:thanos_query_latency_seconds:p99_rate5m',
          expr: `histogram_quantile(0.99, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{job=~"${QUERY.name}.*", ${QUERY_HANDLERS}}[5m])))`,
        },
        {
          record: 'pod:thanos_shipper_uploads:increase6h',
          expr: `sum by (namespace, pod) (increase(thanos_shipper_uploads_total{job="${SIDECAR_SERVICE}"}[6h]))`,
        },
      ],
    },
  ],
};
