/**
 * The dead man's switch: an alert that always fires, so its notifications prove the whole path
 * works (scraping aside: Prometheus evaluating rules, sending to Alertmanager, Alertmanager
 * notifying). Alertmanager sends it only to the heartbeat receiver, every
 * `alertmanager.heartbeat.repeatInterval`; the external heartbeat service pages when the pings
 * stop. See charts/alertmanager-config.ts for its route.
 */
import type { RuleArea } from './types.js';

export const WATCHDOG_ALERT = 'Watchdog';

export const watchdogRules: RuleArea = {
  area: 'watchdog',
  groups: [
    {
      name: 'watchdog',
      rules: [
        {
          alert: WATCHDOG_ALERT,
          expr: 'vector(1)',
          severity: 'none',
          summary: 'The alerting pipeline is alive (always firing)',
          description:
            'This alert always fires. Alertmanager forwards it to the heartbeat service only; when the heartbeats stop, the heartbeat service pages: rule evaluation, Prometheus-to-Alertmanager delivery or Alertmanager itself is broken.',
        },
      ],
    },
  ],
};
