/** promtool unit tests for charts/rules/alertmanager.ts. */
import type { AlertCase } from './types.js';

const AM = 'job="alertmanager",namespace="monitoring"';

export const alertmanagerCases: readonly AlertCase[] = [
  {
    name: '10% of Slack notifications fail',
    alert: 'AlertmanagerFailedNotifications',
    series: [
      { series: `alertmanager_notifications_failed_total{${AM},pod="alertmanager-alertmanager-0",integration="slack"}`, values: '0+1x30' },
      { series: `alertmanager_notifications_total{${AM},pod="alertmanager-alertmanager-0",integration="slack"}`, values: '0+10x30' },
    ],
    evalTime: '10m',
    expected: [{ namespace: 'monitoring', integration: 'slack' }],
    description: '10% of slack notifications fail: pages or messages are being lost.',
  },
  {
    name: 'every notification delivered',
    alert: 'AlertmanagerFailedNotifications',
    series: [
      { series: `alertmanager_notifications_failed_total{${AM},pod="alertmanager-alertmanager-0",integration="slack"}`, values: '0x30' },
      { series: `alertmanager_notifications_total{${AM},pod="alertmanager-alertmanager-0",integration="slack"}`, values: '0+10x30' },
    ],
    evalTime: '10m',
    expected: [],
  },
  {
    name: 'a failed reload',
    alert: 'AlertmanagerConfigReloadFailed',
    series: [{ series: `alertmanager_config_last_reload_successful{${AM},pod="alertmanager-alertmanager-0"}`, values: '0x20' }],
    evalTime: '16m',
    expected: [{ job: 'alertmanager', namespace: 'monitoring', pod: 'alertmanager-alertmanager-0' }],
  },
  {
    name: 'a good reload',
    alert: 'AlertmanagerConfigReloadFailed',
    series: [{ series: `alertmanager_config_last_reload_successful{${AM},pod="alertmanager-alertmanager-0"}`, values: '1x20' }],
    evalTime: '16m',
    expected: [],
  },
  {
    name: 'a split mesh: each replica sees only itself',
    alert: 'AlertmanagerClusterMembersMissing',
    series: [
      { series: `alertmanager_cluster_members{${AM},pod="alertmanager-alertmanager-0"}`, values: '1x30' },
      { series: `alertmanager_cluster_members{${AM},pod="alertmanager-alertmanager-1"}`, values: '1x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'monitoring' }],
  },
  {
    name: 'a full mesh',
    alert: 'AlertmanagerClusterMembersMissing',
    series: [
      { series: `alertmanager_cluster_members{${AM},pod="alertmanager-alertmanager-0"}`, values: '2x30' },
      { series: `alertmanager_cluster_members{${AM},pod="alertmanager-alertmanager-1"}`, values: '2x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
];
