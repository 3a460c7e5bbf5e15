/**
 * Batch jobs and PushGateway (FR-4). Pushed series exist once per PushGateway replica (each pod
 * is its own target, told apart by `pushgateway_replica`), so every expression dedups with
 * `max without (instance, pushgateway_replica)`.
 * Jobs opt into the freshness alerts by pushing `gl_batch_job_expected_interval_seconds`
 * (`BatchJobMetrics(expected_interval=...)`).
 */
import { REPLICA_LABELS } from '../../lib/replica-labels.js';
import { PUSHGATEWAY_REPLICA_LABELS, type RuleArea } from './types.js';
import { PUSHGATEWAY } from '../workloads.js';

const dedup = (metric: string) => `max without (${PUSHGATEWAY_REPLICA_LABELS}) (${metric})`;

/**
 * Groups each PushGateway replica holds, by replica. Recorded by Prometheus, where the replica
 * label still exists (Thanos Query drops replica labels), and copied to `pushgateway_pod`, a
 * label dedup keeps: what the batch-jobs dashboard's per-replica panel reads.
 */
export const GROUPS_PER_REPLICA = 'pushgateway:push_time_seconds:count_by_pod';

export const batchJobRules: RuleArea = {
  area: 'batch-jobs',
  groups: [
    {
      name: 'batch-jobs-records',
      rules: [
        {
          record: GROUPS_PER_REPLICA,
          expr:
            `sum without (${REPLICA_LABELS.pushgateway}) (label_replace(\n` +
            // Pushed series keep the job label of the batch job (honor_labels): only PushGateway holds push_time_seconds.
            `  count by (namespace, ${REPLICA_LABELS.pushgateway}) (push_time_seconds),\n` +
            `  "pushgateway_pod", "$1", "${REPLICA_LABELS.pushgateway}", "(.*)"\n))`,
        },
      ],
    },
    {
      name: 'batch-jobs',
      rules: [
        {
          alert: 'BatchJobNoRecentSuccess',
          expr: `time() - ${dedup('gl_batch_job_last_success_timestamp')}\n  > 1.5 * ${dedup('gl_batch_job_expected_interval_seconds')}`,
          for: '5m',
          severity: 'warning',
          summary: 'Batch job {{ $labels.job }} has not succeeded within 1.5x its expected interval',
          description:
            'The last successful run of {{ $labels.job }} was {{ $value | humanizeDuration }} ago. It keeps running (or stopped) without success.',
        },
        {
          alert: 'BatchJobPushesStopped',
          expr: `time() - ${dedup('push_time_seconds')}\n  > 2 * ${dedup('gl_batch_job_expected_interval_seconds')}`,
          for: '5m',
          severity: 'warning',
          summary: 'Batch job {{ $labels.job }} has not pushed for 2x its expected interval',
          description:
            'No push from {{ $labels.job }} for {{ $value | humanizeDuration }}: the job is not running (CronJob suspended or failing to start) or cannot reach PushGateway.',
        },
        {
          alert: 'PushGatewayPushFailed',
          expr: `${dedup('push_failure_time_seconds')}\n  > ${dedup('push_time_seconds')}`,
          for: '5m',
          severity: 'warning',
          summary: 'The last push of {{ $labels.job }} to PushGateway was rejected',
          description:
            'PushGateway refused the latest push of this group (for example inconsistent metrics); it still serves the previous values.',
        },
        {
          alert: 'PushGatewayReplicaDown',
          expr: `up{job="${PUSHGATEWAY.name}"} == 0`,
          for: '5m',
          severity: 'warning',
          summary: 'PushGateway replica {{ $labels.pushgateway_replica }} is down',
          description: 'Batch jobs still push to the other replica, but until this one is back, PushGateway has no redundancy.',
        },
      ],
    },
  ],
};
