/**
 * "Batch jobs": what the PushGateway SDK pushes, deduplicated across the two PushGateway
 * replicas like the batch-job rules (`max without (instance, pushgateway_replica)`).
 */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { C, clusterVariable, q, stat, table, timeseries } from './common.js';
import { PUSHGATEWAY } from '../pushgateway.js';
import { GROUPS_PER_REPLICA } from '../rules/batch-jobs.js';
import { PUSHGATEWAY_REPLICA_LABELS } from '../rules/types.js';

const dedup = (m: string) => `max without (${PUSHGATEWAY_REPLICA_LABELS}) (${m}{${C}})`;

export function batchJobsDashboard() {
  return new DashboardBuilder('Batch jobs')
    .uid('batch-jobs')
    .tags(['greenlang', 'batch', 'pushgateway'])
    .refresh('1m')
    .time({ from: 'now-7d', to: 'now' })
    .timezone('utc')
    .withVariable(clusterVariable())
    .withRow(new RowBuilder('Jobs'))
    .withPanel(
      table(
        'Last success and last run',
        q(`time() - ${dedup('gl_batch_job_last_success_timestamp')}`, 'since last success'),
        q(dedup('gl_batch_job_duration_seconds'), 'last run duration'),
        q(dedup('gl_batch_job_expected_interval_seconds'), 'expected interval'),
      ),
    )
    .withPanel(timeseries('Last run duration by status', 's', q(dedup('gl_batch_job_duration_seconds'), '{{cluster}} {{job}} {{status}}')))
    .withPanel(
      timeseries(
        'Records processed (last run)',
        'short',
        q(dedup('gl_batch_job_records_processed'), '{{cluster}} {{job}} {{record_type}}'),
      ),
    )
    .withPanel(timeseries('Errors (last run)', 'short', q(dedup('gl_batch_job_errors'), '{{cluster}} {{job}} {{error_type}}')))
    .withPanel(timeseries('Failed pushes reported by jobs', 'short', q(dedup('gl_batch_job_push_failures'), '{{cluster}} {{job}}')))
    .withRow(new RowBuilder('PushGateway'))
    .withPanel(stat('Replicas up', 'none', q(`sum(up{job="${PUSHGATEWAY.name}", ${C}})`, 'up')))
    .withPanel(stat('Groups held', 'none', q(`count(${dedup('push_time_seconds')})`, 'groups')))
    .withPanel(
      timeseries(
        'Groups per replica (should be equal)',
        'none',
        // Recorded before dedup (charts/rules/batch-jobs.ts): Thanos drops the replica label itself.
        q(`max by (cluster, pushgateway_pod) (${GROUPS_PER_REPLICA}{${C}})`, '{{cluster}} {{pushgateway_pod}}'),
      ),
    )
    .withPanel(timeseries('Age of the oldest push', 's', q(`time() - min(${dedup('push_time_seconds')})`, 'oldest')))
    .build();
}
