/**
 * promtool unit tests for charts/rules/batch-jobs.ts: for every alert, a case where it fires
 * and one where it stays silent. Series exist once per PushGateway replica, as scraped.
 */
import type { AlertCase } from './types.js';

/** The same pushed series as scraped from both PushGateway pods. */
const both = (metric: string, labels: string, values: string) => [
  { series: `${metric}{${labels},pushgateway_replica="pushgateway-0",instance="10.0.0.1:9091"}`, values },
  { series: `${metric}{${labels},pushgateway_replica="pushgateway-1",instance="10.0.0.2:9091"}`, values },
];

export const batchJobCases: readonly AlertCase[] = [
  {
    name: 'a daily job last successful 40h ago fires once, not once per replica',
    alert: 'BatchJobNoRecentSuccess',
    series: [
      ...both('gl_batch_job_last_success_timestamp', 'job="etl"', '0x2500'),
      ...both('gl_batch_job_expected_interval_seconds', 'job="etl"', '86400x2500'),
    ],
    evalTime: '40h',
    expected: [{ job: 'etl' }],
    description: 'The last successful run of etl was 1d 16h 0m 0s ago. It keeps running (or stopped) without success.',
  },
  {
    name: 'a daily job last successful 20h ago is fine',
    alert: 'BatchJobNoRecentSuccess',
    series: [
      ...both('gl_batch_job_last_success_timestamp', 'job="etl"', '0x2500'),
      ...both('gl_batch_job_expected_interval_seconds', 'job="etl"', '86400x2500'),
    ],
    evalTime: '20h',
    expected: [],
  },
  {
    name: 'a job without an expected interval is never judged',
    alert: 'BatchJobNoRecentSuccess',
    series: both('gl_batch_job_last_success_timestamp', 'job="adhoc"', '0x2500'),
    evalTime: '100h',
    expected: [],
  },
  {
    name: 'an hourly job silent for 3h fires',
    alert: 'BatchJobPushesStopped',
    series: [
      ...both('push_time_seconds', 'job="hourly"', '0x300'),
      ...both('gl_batch_job_expected_interval_seconds', 'job="hourly"', '3600x300'),
    ],
    evalTime: '3h',
    expected: [{ job: 'hourly' }],
    description:
      'No push from hourly for 3h 0m 0s: the job is not running (CronJob suspended or failing to start) or cannot reach PushGateway.',
  },
  {
    name: 'an hourly job that pushed 30 minutes ago is fine, even if one replica lags',
    alert: 'BatchJobPushesStopped',
    series: [
      { series: 'push_time_seconds{job="hourly",pushgateway_replica="pushgateway-0",instance="10.0.0.1:9091"}', values: '9000x300' },
      { series: 'push_time_seconds{job="hourly",pushgateway_replica="pushgateway-1",instance="10.0.0.2:9091"}', values: '0x300' },
      ...both('gl_batch_job_expected_interval_seconds', 'job="hourly"', '3600x300'),
    ],
    evalTime: '3h',
    expected: [],
  },
  {
    name: 'a rejected last push fires',
    alert: 'PushGatewayPushFailed',
    series: [...both('push_time_seconds', 'job="etl"', '100x20'), ...both('push_failure_time_seconds', 'job="etl"', '200x20')],
    evalTime: '10m',
    expected: [{ job: 'etl' }],
  },
  {
    name: 'a successful last push after an old failure is fine',
    alert: 'PushGatewayPushFailed',
    series: [...both('push_time_seconds', 'job="etl"', '300x20'), ...both('push_failure_time_seconds', 'job="etl"', '200x20')],
    evalTime: '10m',
    expected: [],
  },
  {
    name: 'a replica down for 10 minutes fires',
    alert: 'PushGatewayReplicaDown',
    series: [
      { series: 'up{job="pushgateway",pushgateway_replica="pushgateway-0",instance="10.0.0.1:9091"}', values: '1x20' },
      { series: 'up{job="pushgateway",pushgateway_replica="pushgateway-1",instance="10.0.0.2:9091"}', values: '0x20' },
    ],
    evalTime: '10m',
    expected: [{ job: 'pushgateway', pushgateway_replica: 'pushgateway-1', instance: '10.0.0.2:9091' }],
  },
  {
    name: 'a replica down for 2 minutes (a restart) does not',
    alert: 'PushGatewayReplicaDown',
    series: [{ series: 'up{job="pushgateway",pushgateway_replica="pushgateway-1",instance="10.0.0.2:9091"}', values: '1x7 0x3' }],
    evalTime: '10m',
    expected: [],
  },
];
