/**
 * The Alertmanager configuration, built from typed routes and receivers. No credential is ever
 * in it: each is a `*_file` path into the mounted credentials Secret.
 *
 *   critical -> PagerDuty (P1) and Slack criticalChannel
 *   warning  -> Slack warningChannel
 *   anything else -> Slack defaultChannel
 *   Watchdog -> the heartbeat service only, every heartbeat.repeatInterval (never inhibited:
 *               its severity is none)
 *   a firing critical inhibits the warnings it explains (INHIBITIONS: a job down hides its
 *   targets missing, a fast burn the slow one, a volume almost full its filling-up warning).
 */
import { WATCHDOG_ALERT } from './rules/watchdog.js';
import type { EnvConfig } from '../envs/schema.js';

/** Keys expected in the credentials Secret. */
export const CREDENTIAL_KEYS = {
  slackWebhookUrl: 'slack-webhook-url',
  pagerdutyRoutingKey: 'pagerduty-routing-key',
  smtpPassword: 'smtp-password',
  /** URL the heartbeat service gives (PagerDuty heartbeat, healthchecks.io, Dead Man's Snitch...): a secret, like a webhook. */
  heartbeatUrl: 'heartbeat-url',
} as const;

/** Where the operator mounts `spec.secrets` entries. */
export function credentialPath(env: EnvConfig, key: string): string {
  return `/etc/alertmanager/secrets/${env.alertmanager.credentialsSecret}/${key}`;
}

/**
 * Which critical alert makes which warning redundant, and on which labels they must agree. Each
 * pair is of alerts that exist with those labels (test/charts/alertmanager.test.ts derives it
 * from the rules; the live test shows Alertmanager inhibiting it).
 */
export const INHIBITIONS: readonly { source: string; target: string; equal: readonly string[] }[] = [
  { source: 'PrometheusJobDown', target: 'PrometheusTargetMissing', equal: ['cluster', 'namespace', 'job'] },
  { source: 'ErrorBudgetBurnFast', target: 'ErrorBudgetBurnSlow', equal: ['cluster', 'slo'] },
  { source: 'NodeFilesystemAlmostOutOfSpace', target: 'NodeFilesystemSpaceFillingUp', equal: ['cluster', 'instance', 'mountpoint'] },
  {
    source: 'KubePersistentVolumeAlmostFull',
    target: 'KubePersistentVolumeFillingUp',
    equal: ['cluster', 'namespace', 'persistentvolumeclaim'],
  },
];

export const RECEIVERS = {
  default: 'slack-default',
  pagerduty: 'pagerduty-critical',
  slackCritical: 'slack-critical',
  slackWarning: 'slack-warnings',
  heartbeat: 'heartbeat',
} as const;

interface Route {
  receiver: string;
  matchers?: string[];
  continue?: boolean;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

export interface AlertmanagerConfigFile {
  global: Record<string, unknown>;
  route: Route;
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; [kind: string]: unknown }[];
  templates?: string[];
}

function slack(channel: string) {
  return [
    {
      channel,
      send_resolved: true,
      title:
        '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }})',
      text: '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
    },
  ];
}

export function alertmanagerConfig(env: EnvConfig): AlertmanagerConfigFile {
  const am = env.alertmanager;
  return {
    global: {
      resolve_timeout: am.timing.resolveTimeout,
      slack_api_url_file: credentialPath(env, CREDENTIAL_KEYS.slackWebhookUrl),
    },
    route: {
      receiver: RECEIVERS.default,
      group_by: am.groupBy,
      group_wait: am.timing.groupWait,
      group_interval: am.timing.groupInterval,
      repeat_interval: am.timing.repeatInterval,
      routes: [
        // The dead man's switch: pinged every repeat interval (a notification per flush at most), and nowhere else.
        {
          receiver: RECEIVERS.heartbeat,
          matchers: [`alertname="${WATCHDOG_ALERT}"`],
          group_by: ['alertname', 'cluster'],
          group_wait: '0s',
          group_interval: am.heartbeat.repeatInterval,
          repeat_interval: am.heartbeat.repeatInterval,
        },
        // P1: page, and keep going so the channel sees it too.
        { receiver: RECEIVERS.pagerduty, matchers: ['severity="critical"'], continue: true },
        { receiver: RECEIVERS.slackCritical, matchers: ['severity="critical"'] },
        { receiver: RECEIVERS.slackWarning, matchers: ['severity="warning"'] },
      ],
    },
    inhibit_rules: INHIBITIONS.map((i) => ({
      source_matchers: [`alertname="${i.source}"`],
      target_matchers: [`alertname="${i.target}"`],
      equal: [...i.equal],
    })),
    receivers: [
      { name: RECEIVERS.default, slack_configs: slack(am.slack.defaultChannel) },
      {
        name: RECEIVERS.pagerduty,
        pagerduty_configs: [
          {
            routing_key_file: credentialPath(env, CREDENTIAL_KEYS.pagerdutyRoutingKey),
            severity: 'critical',
            send_resolved: true,
            description: '{{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }}): {{ .CommonAnnotations.summary }}',
            details: { runbook: '{{ .CommonAnnotations.runbook_url }}', cluster: '{{ .CommonLabels.cluster }}' },
          },
        ],
      },
      { name: RECEIVERS.slackCritical, slack_configs: slack(am.slack.criticalChannel) },
      { name: RECEIVERS.slackWarning, slack_configs: slack(am.slack.warningChannel) },
      // A resolved notification would count as a ping: only firing ones are sent.
      {
        name: RECEIVERS.heartbeat,
        webhook_configs: [{ url_file: credentialPath(env, CREDENTIAL_KEYS.heartbeatUrl), send_resolved: false }],
      },
    ],
  };
}
