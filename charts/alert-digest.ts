/**
 * FR-3.4 weekly summary: Alertmanager cannot send digests, so a CronJob queries the week's
 * deduplicated ALERTS through Thanos (the global query, else the query-frontend; Prometheus
 * without Thanos) and mails
 * an HTML table (sdk/python/greenlang/monitoring/alert_digest.py).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { CREDENTIAL_KEYS } from './alertmanager-config.js';
import type { ChartContext } from './context.js';
import type { ClusterPlan } from './plan.js';

import { svcHost } from '../lib/dns.js';
import { HTTP_PORT } from './thanos/common.js';

import type { EnvConfig } from '../envs/schema.js';
import { imageOf } from '../envs/versions.js';
import { webTlsFiles, webTlsMount, webTlsVolume } from '../lib/web-tls.js';
import { versioned } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import { pythonCronJob } from '../lib/python-job.js';
import { serviceAccount } from '../lib/workload.js';
import { ALERT_DIGEST, PROMETHEUS, PROMETHEUS_WEB_PORT, QUERY_FRONTEND, QUERY_GLOBAL } from './workloads.js';
import { type Component, own } from './component.js';

/** The digest runs where the global view is when there is one (charts/plan.ts), so it sees every cluster. */
function queryUrl(env: EnvConfig, plan: ClusterPlan): string {
  if (!plan.thanos) return `https://${svcHost(env, PROMETHEUS.name)}:${PROMETHEUS_WEB_PORT}`;
  return `https://${svcHost(env, plan.globalQuery ? QUERY_GLOBAL.name : QUERY_FRONTEND.name)}:${HTTP_PORT}`;
}

export function alertDigestChart(scope: Construct, { env, plan }: ChartContext): Chart {
  const alertdigestW = versioned(ALERT_DIGEST, env);
  const chart = new Chart(scope, 'alert-digest');
  const ns = env.namespace;
  const d = env.alertmanager.digest;
  const [host, port] = d.smtpHost.split(':') as [string, string];

  serviceAccount(chart, alertdigestW, ns);
  const cronJob = pythonCronJob(chart, {
    image: imageOf(env, 'python'),
    workload: alertdigestW,
    namespace: ns,
    script: 'alert_digest.py',
    schedule: d.schedule,
    activeDeadlineSeconds: 900,
    env: [
      { name: 'DIGEST_QUERY_URL', value: queryUrl(env, plan) },
      { name: 'DIGEST_DAYS', value: '7' },
      { name: 'SMTP_HOST', value: host },
      { name: 'SMTP_PORT', value: port },
      { name: 'SMTP_FROM', value: d.from },
      { name: 'SMTP_TO', value: d.to.join(',') },
      { name: 'SMTP_STARTTLS', value: 'true' },
      { name: 'SMTP_USERNAME', value: d.from },
      { name: 'SMTP_PASSWORD_FILE', value: `/etc/greenlang/smtp/${CREDENTIAL_KEYS.smtpPassword}` },
      // The query API is mutual TLS: the platform CA, and the namespace's certificate as client.
      { name: 'DIGEST_CA_FILE', value: webTlsFiles.ca },
      { name: 'DIGEST_CERT_FILE', value: webTlsFiles.cert },
      { name: 'DIGEST_KEY_FILE', value: webTlsFiles.key },
    ],
    extraVolumes: [
      {
        name: 'smtp',
        secret: {
          secretName: env.alertmanager.credentialsSecret,
          items: [{ key: CREDENTIAL_KEYS.smtpPassword, path: CREDENTIAL_KEYS.smtpPassword }],
        },
      },
      webTlsVolume,
    ],
    extraMounts: [{ name: 'smtp', mountPath: '/etc/greenlang/smtp', readOnly: true }, webTlsMount],
  });
  addObject(chart, cronJob);
  return chart;
}

export const alertDigestComponent: Component = {
  name: 'alert-digest',
  render: alertDigestChart,
  runs: (p) => p.alertDigest,
  pods: [own(ALERT_DIGEST)],
};
