/** promtool unit tests for charts/rules/prometheus.ts. */
import type { AlertCase } from './types.js';

const P0 = 'job="prometheus",namespace="monitoring",pod="prometheus-prometheus-0"';
const PVC = 'namespace="monitoring",persistentvolumeclaim="prometheus-db-prometheus-prometheus-0"';
const MEM = 'container="prometheus",namespace="monitoring",pod="prometheus-prometheus-0"';
const p0 = { job: 'prometheus', namespace: 'monitoring', pod: 'prometheus-prometheus-0' };

export const prometheusCases: readonly AlertCase[] = [
  {
    name: 'a target down for 6 minutes',
    alert: 'PrometheusTargetMissing',
    series: [{ series: 'up{job="greenlang-api",instance="10.0.0.1:8080"}', values: '0x10' }],
    evalTime: '6m',
    expected: [{ job: 'greenlang-api', instance: '10.0.0.1:8080' }],
  },
  {
    name: 'a target that is up',
    alert: 'PrometheusTargetMissing',
    series: [{ series: 'up{job="greenlang-api",instance="10.0.0.1:8080"}', values: '1x10' }],
    evalTime: '6m',
    expected: [],
  },
  {
    name: 'every target of a job down',
    alert: 'PrometheusJobDown',
    series: [
      { series: 'up{job="thanos-store",namespace="monitoring",instance="a"}', values: '0x10' },
      { series: 'up{job="thanos-store",namespace="monitoring",instance="b"}', values: '0x10' },
    ],
    evalTime: '6m',
    expected: [{ job: 'thanos-store', namespace: 'monitoring' }],
  },
  {
    name: 'one of two targets down is not a job down',
    alert: 'PrometheusJobDown',
    series: [
      { series: 'up{job="thanos-store",namespace="monitoring",instance="a"}', values: '0x10' },
      { series: 'up{job="thanos-store",namespace="monitoring",instance="b"}', values: '1x10' },
    ],
    evalTime: '6m',
    expected: [],
  },
  {
    name: 'a failed reload for 15 minutes',
    alert: 'PrometheusConfigReloadFailed',
    series: [{ series: `prometheus_config_last_reload_successful{${P0}}`, values: '0x20' }],
    evalTime: '16m',
    expected: [p0],
  },
  {
    name: 'a good reload',
    alert: 'PrometheusConfigReloadFailed',
    series: [{ series: `prometheus_config_last_reload_successful{${P0}}`, values: '1x20' }],
    evalTime: '16m',
    expected: [],
  },
  {
    name: 'a failed compaction',
    alert: 'PrometheusTSDBCompactionsFailed',
    series: [{ series: `prometheus_tsdb_compactions_failed_total{${P0}}`, values: '0x30 1x30' }],
    evalTime: '45m',
    expected: [p0],
  },
  {
    name: 'no failed compaction',
    alert: 'PrometheusTSDBCompactionsFailed',
    series: [{ series: `prometheus_tsdb_compactions_failed_total{${P0}}`, values: '0x60' }],
    evalTime: '45m',
    expected: [],
  },
  {
    name: 'failing rule evaluations for 20 minutes',
    alert: 'PrometheusRuleEvaluationFailures',
    series: [{ series: `prometheus_rule_evaluation_failures_total{${P0},rule_group="/etc/rules.yaml;thanos"}`, values: '0+1x30' }],
    evalTime: '20m',
    expected: [{ ...p0, rule_group: '/etc/rules.yaml;thanos' }],
  },
  {
    name: 'no failed evaluations',
    alert: 'PrometheusRuleEvaluationFailures',
    series: [{ series: `prometheus_rule_evaluation_failures_total{${P0},rule_group="/etc/rules.yaml;thanos"}`, values: '0x30' }],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a Prometheus volume 90% full',
    alert: 'PrometheusStorageAlmostFull',
    series: [
      { series: `kubelet_volume_stats_available_bytes{${PVC}}`, values: '10x30' },
      { series: `kubelet_volume_stats_capacity_bytes{${PVC}}`, values: '100x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'monitoring', persistentvolumeclaim: 'prometheus-db-prometheus-prometheus-0' }],
    description:
      'Only 10% of the volume is free. retentionSize should keep usage below 85%; if it does not, the WAL or compaction is using more than planned.',
  },
  {
    name: 'a Prometheus volume half full, and another volume nearly full that is not Prometheus',
    alert: 'PrometheusStorageAlmostFull',
    series: [
      { series: `kubelet_volume_stats_available_bytes{${PVC}}`, values: '50x30' },
      { series: `kubelet_volume_stats_capacity_bytes{${PVC}}`, values: '100x30' },
      { series: 'kubelet_volume_stats_available_bytes{namespace="greenlang",persistentvolumeclaim="data-postgres-0"}', values: '1x30' },
      { series: 'kubelet_volume_stats_capacity_bytes{namespace="greenlang",persistentvolumeclaim="data-postgres-0"}', values: '100x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'blocks deleted by the size cap',
    alert: 'PrometheusRetentionSizeReached',
    series: [{ series: `prometheus_tsdb_size_retentions_total{${P0}}`, values: '0x30 1x30' }],
    evalTime: '45m',
    expected: [p0],
  },
  {
    name: 'time retention in charge',
    alert: 'PrometheusRetentionSizeReached',
    series: [{ series: `prometheus_tsdb_size_retentions_total{${P0}}`, values: '0x60' }],
    evalTime: '45m',
    expected: [],
  },
  {
    name: 'working set at 90% of the limit',
    alert: 'PrometheusHighMemoryUsage',
    series: [
      { series: `container_memory_working_set_bytes{${MEM},id="/a"}`, values: '900x30' },
      { series: `container_spec_memory_limit_bytes{${MEM},id="/a"}`, values: '1000x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'monitoring', pod: 'prometheus-prometheus-0' }],
    description: 'Working set is 90% of the limit; an OOM kill would lose the head and replay the WAL.',
  },
  {
    name: 'working set at 50%, and a container without a limit',
    alert: 'PrometheusHighMemoryUsage',
    series: [
      { series: `container_memory_working_set_bytes{${MEM},id="/a"}`, values: '500x30' },
      { series: `container_spec_memory_limit_bytes{${MEM},id="/a"}`, values: '1000x30' },
      { series: 'container_memory_working_set_bytes{container="prometheus",namespace="monitoring",pod="other"}', values: '500x30' },
      { series: 'container_spec_memory_limit_bytes{container="prometheus",namespace="monitoring",pod="other"}', values: '0x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: '10% of notifications fail to both Alertmanagers',
    alert: 'PrometheusAlertsNotDelivered',
    series: [
      { series: `prometheus_notifications_errors_total{${P0},alertmanager="http://10.0.0.1:9093/api/v2/alerts"}`, values: '0+10x30' },
      { series: `prometheus_notifications_sent_total{${P0},alertmanager="http://10.0.0.1:9093/api/v2/alerts"}`, values: '0+100x30' },
      { series: `prometheus_notifications_errors_total{${P0},alertmanager="http://10.0.0.2:9093/api/v2/alerts"}`, values: '0+10x30' },
      { series: `prometheus_notifications_sent_total{${P0},alertmanager="http://10.0.0.2:9093/api/v2/alerts"}`, values: '0+100x30' },
    ],
    evalTime: '20m',
    expected: [p0],
  },
  {
    name: 'failing to one Alertmanager only (the other still gets every alert)',
    alert: 'PrometheusAlertsNotDelivered',
    series: [
      { series: `prometheus_notifications_errors_total{${P0},alertmanager="http://10.0.0.1:9093/api/v2/alerts"}`, values: '0+100x30' },
      { series: `prometheus_notifications_sent_total{${P0},alertmanager="http://10.0.0.1:9093/api/v2/alerts"}`, values: '0+100x30' },
      { series: `prometheus_notifications_errors_total{${P0},alertmanager="http://10.0.0.2:9093/api/v2/alerts"}`, values: '0x30' },
      { series: `prometheus_notifications_sent_total{${P0},alertmanager="http://10.0.0.2:9093/api/v2/alerts"}`, values: '0+100x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a job whose scrapes take 8s',
    alert: 'PrometheusScrapesSlow',
    series: [{ series: 'scrape_duration_seconds{job="slow-exporter",instance="a"}', values: '8x30' }],
    evalTime: '20m',
    expected: [{ job: 'slow-exporter' }],
    description: 'The 99th percentile scrape duration of slow-exporter is 8s; slow targets risk timeouts and gaps.',
  },
  {
    name: 'fast scrapes',
    alert: 'PrometheusScrapesSlow',
    series: [{ series: 'scrape_duration_seconds{job="fast",instance="a"}', values: '0.2x30' }],
    evalTime: '20m',
    expected: [],
  },
];
