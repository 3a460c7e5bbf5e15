/**
 * Prometheus health, targets and capacity (PRD 9.1 intent, FR-6.3/6.4), with the PRD's
 * expressions corrected where the PRD's do not measure what they name, and thresholds aligned with the upstream
 * prometheus-mixin. Jobs are the operator's: the Service name, taken from the component (`PROMETHEUS.name`).
 */
import type { RuleArea } from './types.js';
import { PROMETHEUS } from '../workloads.js';

/** PVCs of the Prometheus pods: <claim template>-<statefulset>-<ordinal>. */
export const PROMETHEUS_PVC_REGEX = 'prometheus-db-prometheus-prometheus-[0-9]+';
const PROMETHEUS_PVC = `persistentvolumeclaim=~"${PROMETHEUS_PVC_REGEX}"`;

export const prometheusRules: RuleArea = {
  area: 'prometheus',
  groups: [
    {
      name: 'prometheus',
      rules: [
        {
          alert: 'PrometheusTargetMissing',
          expr: 'up == 0',
          for: '5m',
          severity: 'warning',
          summary: 'Target {{ $labels.instance }} of job {{ $labels.job }} is down',
          description: 'Prometheus has not been able to scrape {{ $labels.instance }} ({{ $labels.job }}) for 5 minutes.',
        },
        {
          alert: 'PrometheusJobDown',
          expr: 'sum by (namespace, job) (up) == 0',
          for: '5m',
          severity: 'critical',
          summary: 'Every target of job {{ $labels.job }} is down',
          description:
            'No target of {{ $labels.job }} in {{ $labels.namespace }} can be scraped: the service, or the network path to it, is down.',
        },
        {
          alert: 'PrometheusConfigReloadFailed',
          expr: `max_over_time(prometheus_config_last_reload_successful{job="${PROMETHEUS.name}"}[5m]) == 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus {{ $labels.pod }} failed to reload its configuration',
          description:
            'The last configuration reload failed; Prometheus keeps running the previous configuration, so monitor and rule changes are not in effect.',
        },
        {
          alert: 'PrometheusTSDBCompactionsFailed',
          expr: `increase(prometheus_tsdb_compactions_failed_total{job="${PROMETHEUS.name}"}[3h]) > 0`,
          severity: 'warning',
          summary: 'Prometheus {{ $labels.pod }} TSDB compactions are failing',
          description: 'Compactions failed in the last 3 hours: the head grows and no new blocks are cut for upload.',
        },
        {
          alert: 'PrometheusRuleEvaluationFailures',
          expr: `increase(prometheus_rule_evaluation_failures_total{job="${PROMETHEUS.name}"}[5m]) > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus {{ $labels.pod }} fails to evaluate rules',
          description: 'Rules in {{ $labels.rule_group }} fail to evaluate: the alerts and recordings in that group are not produced.',
        },
        {
          // The PRD's blocks/(blocks+head) ratio never sees the disk; use the volume.
          alert: 'PrometheusStorageAlmostFull',
          expr: `kubelet_volume_stats_available_bytes{${PROMETHEUS_PVC}}\n  / kubelet_volume_stats_capacity_bytes{${PROMETHEUS_PVC}} < 0.15`,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus volume {{ $labels.persistentvolumeclaim }} has less than 15% free',
          description:
            'Only {{ $value | humanizePercentage }} of the volume is free. retentionSize should keep usage below 85%; if it does not, the WAL or compaction is using more than planned.',
        },
        {
          alert: 'PrometheusRetentionSizeReached',
          expr: `increase(prometheus_tsdb_size_retentions_total{job="${PROMETHEUS.name}"}[1h]) > 0`,
          severity: 'warning',
          summary: 'Prometheus {{ $labels.pod }} deletes blocks because of retentionSize',
          description:
            'The size cap, not the time retention, is deciding how much local history is kept: local retention is shorter than configured. Ingestion grew past the sizing in envs/.',
        },
        {
          // Both sides aggregated by (namespace, pod) so the division matches.
          alert: 'PrometheusHighMemoryUsage',
          expr:
            'max by (namespace, pod) (container_memory_working_set_bytes{container="prometheus"})\n' +
            '  / max by (namespace, pod) (container_spec_memory_limit_bytes{container="prometheus"} > 0) > 0.8',
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus {{ $labels.pod }} uses more than 80% of its memory limit',
          description: 'Working set is {{ $value | humanizePercentage }} of the limit; an OOM kill would lose the head and replay the WAL.',
        },
        {
          alert: 'PrometheusAlertsNotDelivered',
          expr:
            `min without (alertmanager) (\n  rate(prometheus_notifications_errors_total{job="${PROMETHEUS.name}"}[5m])\n` +
            `  / rate(prometheus_notifications_sent_total{job="${PROMETHEUS.name}"}[5m])\n) > 0.03`,
          for: '15m',
          severity: 'critical',
          summary: 'Prometheus {{ $labels.pod }} fails to send alerts to every Alertmanager',
          description: 'More than 3% of notifications to each Alertmanager replica fail: alerts may not be delivered at all.',
        },
        {
          // NFR 5.1: scrape latency p99 < 5s (scrape_duration_seconds, per target).
          alert: 'PrometheusScrapesSlow',
          expr: 'quantile by (job) (0.99, scrape_duration_seconds) > 5',
          for: '15m',
          severity: 'warning',
          summary: 'Scrapes of job {{ $labels.job }} take longer than 5s (p99)',
          description:
            'The 99th percentile scrape duration of {{ $labels.job }} is {{ $value | humanizeDuration }}; slow targets risk timeouts and gaps.',
        },
      ],
    },
    {
      name: 'prometheus-recording',
      rules: [
        {
          record: 'pod:prometheus_tsdb_head_samples_appended:rate5m',
          expr: `sum by (namespace, pod) (rate(prometheus_tsdb_head_samples_appended_total{job="${PROMETHEUS.name}"}[5m]))`,
        },
        { record: 'job:scrape_duration_seconds:p99', expr: 'quantile by (job) (0.99, scrape_duration_seconds)' },
        {
          // Growth is bytes per sample x samples per day, not a derivative of block bytes.
          record: 'pod:prometheus_tsdb_storage_bytes_per_day:estimate',
          expr:
            `sum by (namespace, pod) (rate(prometheus_tsdb_compaction_chunk_size_bytes_sum{job="${PROMETHEUS.name}"}[6h]))\n` +
            `  / sum by (namespace, pod) (rate(prometheus_tsdb_compaction_chunk_samples_sum{job="${PROMETHEUS.name}"}[6h]))\n` +
            `  * sum by (namespace, pod) (rate(prometheus_tsdb_head_samples_appended_total{job="${PROMETHEUS.name}"}[6h])) * 86400`,
        },
      ],
    },
  ],
};
