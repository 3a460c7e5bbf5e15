/**
 * "Batch jobs": what the PushGateway SDK pushes, deduplicated across the two PushGateway
 * replicas like the batch-job rules (`max without (instance, pushgateway_replica)`).
 */
import { DashboardBuilder, QueryVariableBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { C, clusterVariable, q, stat, table, THANOS_DATASOURCE, timeseries } from './common.js';

import { GROUPS_PER_REPLICA } from '../rules/batch-jobs.js';
import { PUSHGATEWAY_REPLICA_LABELS } from '../rules/types.js';
import { PUSHGATEWAY } from '../workloads.js';

const dedup = (m: string, matchers = C) => `max without (${PUSHGATEWAY_REPLICA_LABELS}) (${m}{${matchers}})`;
/** One job's (or the selected jobs') series: `$job`, a multi-value variable of the jobs that pushed. */
const perJob = (m: string) => dedup(m, `${C}, job=~"$job"`);

function jobVariable() {
  return new QueryVariableBuilder('job')
    .label('Job')
    .datasource(THANOS_DATASOURCE)
    .query(`label_values(gl_batch_job_duration_seconds{${C}}, job)`)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

export function batchJobsDashboard() {
  return new DashboardBuilder('Batch jobs')
    .uid('batch-jobs')
    .tags(['greenlang', 'batch', 'pushgateway'])
    .refresh('1m')
    .time({ from: 'now-7d', to: 'now' })
    .timezone('utc')
    .withVariable(clusterVariable())
    .withVariable(jobVariable())
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
    .withRow(new RowBuilder('Trends of the selected jobs ($job)'))
    .withPanel(timeseries('Run duration over time', 's', q(perJob('gl_batch_job_duration_seconds'), '{{cluster}} {{job}} {{status}}')))
    .withPanel(
      timeseries(
        'Records processed per run over time',
        'short',
        q(`sum by (cluster, job) (${perJob('gl_batch_job_records_processed')})`, '{{cluster}} {{job}}'),
      ),
    )
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
