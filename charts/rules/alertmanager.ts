/** Alertmanager health (FR-3), thresholds after the upstream alertmanager mixin. */
import type { RuleArea } from './types.js';
import { ALERTMANAGER } from '../workloads.js';

export const alertmanagerRules: RuleArea = {
  area: 'alertmanager',
  groups: [
    {
      name: 'alertmanager',
      rules: [
        {
          alert: 'AlertmanagerFailedNotifications',
          expr:
            `sum by (namespace, integration) (rate(alertmanager_notifications_failed_total{job="${ALERTMANAGER.name}"}[5m]))\n` +
            `  / sum by (namespace, integration) (rate(alertmanager_notifications_total{job="${ALERTMANAGER.name}"}[5m])) > 0.01`,
          for: '5m',
          severity: 'critical',
          summary: 'Alertmanager fails to deliver {{ $labels.integration }} notifications',
          description:
            '{{ $value | humanizePercentage }} of {{ $labels.integration }} notifications fail: pages or messages are being lost.',
        },
        {
          alert: 'AlertmanagerConfigReloadFailed',
          expr: `max_over_time(alertmanager_config_last_reload_successful{job="${ALERTMANAGER.name}"}[5m]) == 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Alertmanager {{ $labels.pod }} failed to reload its configuration',
          description: 'It keeps routing with the previous configuration; routing changes are not in effect.',
        },
        {
          alert: 'AlertmanagerClusterMembersMissing',
          expr:
            `min by (namespace) (alertmanager_cluster_members{job="${ALERTMANAGER.name}"})\n` +
            `  < count by (namespace) (alertmanager_cluster_members{job="${ALERTMANAGER.name}"})`,
          for: '15m',
          severity: 'warning',
          summary: 'An Alertmanager replica does not see all its peers',
          description:
            'The mesh is split: replicas deduplicate and share silences only with the peers they see, so notifications may be sent twice or silences ignored.',
        },
      ],
    },
  ],
};
