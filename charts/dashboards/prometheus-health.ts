/**
 * "Prometheus & Thanos Health" (PRD 10.1 intent, FR-6.2), with the queries corrected to
 * measure what the panels name: scrape latency from scrape_duration_seconds, query latency from the Thanos
 * HTTP histogram, storage growth as bytes-per-sample x samples-per-day, uploads as the age of
 * the last one. Jobs are the operator's Service names.
 */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { C, clusterVariable, q, stat, timeseries } from './common.js';

import { SIDECAR_SERVICE } from '../thanos/sidecar.js';
import { ALERTMANAGER, COMPACTOR, GRAFANA_WORKLOAD, PROMETHEUS, STORE } from '../workloads.js';

export function prometheusHealthDashboard() {
  return (
    new DashboardBuilder('Prometheus & Thanos Health')
      .uid('prometheus-health')
      .tags(['greenlang', 'prometheus', 'thanos'])
      .refresh('1m')
      .time({ from: 'now-6h', to: 'now' })
      .timezone('utc')
      .withVariable(clusterVariable())
      .withRow(new RowBuilder('Prometheus'))
      .withPanel(stat('Prometheus replicas up', 'none', q(`sum(up{job="${PROMETHEUS.name}", ${C}})`, 'up')))
      .withPanel(stat('Active targets', 'none', q(`count(up{${C}} == 1)`, 'targets')))
      .withPanel(stat('Targets down', 'none', q(`count(up{${C}} == 0) or vector(0)`, 'down')))
      .withPanel(stat('Head series', 'short', q(`sum(prometheus_tsdb_head_series{job="${PROMETHEUS.name}", ${C}})`, 'series')))
      .withPanel(
        timeseries(
          'Samples ingested per second',
          'short',
          q(`sum by (cluster, pod) (pod:prometheus_tsdb_head_samples_appended:rate5m{${C}})`, '{{cluster}} {{pod}}'),
        ),
      )
      .withPanel(
        timeseries('Scrape duration p99 by job (target < 5s)', 's', q(`job:scrape_duration_seconds:p99{${C}}`, '{{cluster}} {{job}}')),
      )
      .withPanel(
        timeseries(
          'Volume used (Prometheus PVCs)',
          'percentunit',
          q(
            `1 - kubelet_volume_stats_available_bytes{persistentvolumeclaim=~"prometheus-db-.*", ${C}} / kubelet_volume_stats_capacity_bytes{persistentvolumeclaim=~"prometheus-db-.*", ${C}}`,
            '{{cluster}} {{persistentvolumeclaim}}',
          ),
        ),
      )
      .withPanel(
        timeseries(
          'Storage growth per day (estimate, target < 10GB)',
          'bytes',
          q(`pod:prometheus_tsdb_storage_bytes_per_day:estimate{${C}}`, '{{cluster}} {{pod}}'),
        ),
      )
      .withPanel(
        timeseries(
          'Memory working set / limit',
          'percentunit',
          q(
            `max by (cluster, pod) (container_memory_working_set_bytes{container="prometheus", ${C}}) / max by (cluster, pod) (container_spec_memory_limit_bytes{container="prometheus", ${C}} > 0)`,
            '{{cluster}} {{pod}}',
          ),
        ),
      )
      .withPanel(
        timeseries(
          'Rule evaluation failures',
          'short',
          q(`sum by (cluster, rule_group) (increase(prometheus_rule_evaluation_failures_total{${C}}[5m]))`, '{{cluster}} {{rule_group}}'),
        ),
      )
      .withRow(new RowBuilder('Thanos'))
      .withPanel(stat('Store gateways up', 'none', q(`sum(up{job=~"${STORE.name}.*", ${C}})`, 'up')))
      .withPanel(stat('Compactor halted', 'none', q(`max(thanos_compact_halted{job="${COMPACTOR.name}", ${C}}) or vector(0)`, 'halted')))
      .withPanel(
        stat(
          'Oldest last upload (sidecars)',
          's',
          q(
            `max(time() - thanos_objstore_bucket_last_successful_upload_time{job="${SIDECAR_SERVICE}", ${C}} and thanos_objstore_bucket_last_successful_upload_time{job="${SIDECAR_SERVICE}", ${C}} > 0)`,
            'age',
          ),
        ),
      )
      .withPanel(stat('Blocks uploaded (6h)', 'none', q(`sum(pod:thanos_shipper_uploads:increase6h{${C}})`, 'blocks')))
      .withPanel(
        timeseries('Query latency p99 (target < 30s)', 's', q(`job:thanos_query_latency_seconds:p99_rate5m{${C}}`, '{{cluster}} {{job}}')),
      )
      .withPanel(
        timeseries(
          'Bucket operation failure ratio by component',
          'percentunit',
          q(
            `sum by (cluster, job) (rate(thanos_objstore_bucket_operation_failures_total{${C}}[5m])) / sum by (cluster, job) (rate(thanos_objstore_bucket_operations_total{${C}}[5m]))`,
            '{{cluster}} {{job}}',
          ),
        ),
      )
      .withRow(new RowBuilder('Alertmanager'))
      .withPanel(
        timeseries(
          'Notifications sent and failed',
          'short',
          q(
            `sum by (cluster, integration) (rate(alertmanager_notifications_total{job="${ALERTMANAGER.name}", ${C}}[5m]))`,
            '{{cluster}} {{integration}} sent',
          ),
          q(
            `sum by (cluster, integration) (rate(alertmanager_notifications_failed_total{job="${ALERTMANAGER.name}", ${C}}[5m]))`,
            '{{cluster}} {{integration}} failed',
          ),
        ),
      )
      .withPanel(
        timeseries(
          'Mesh members seen per replica',
          'none',
          q(`alertmanager_cluster_members{job="${ALERTMANAGER.name}", ${C}}`, '{{cluster}} {{pod}}'),
        ),
      )
      .withRow(new RowBuilder('Grafana'))
      // Each serving replica exports its build info; none at all is GrafanaDown.
      .withPanel(stat('Grafana replicas serving', 'none', q(`count(grafana_build_info{job="${GRAFANA_WORKLOAD.name}", ${C}})`, 'replicas')))
      .build()
  );
}
