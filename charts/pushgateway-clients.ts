/**
 * What a batch job in a tenant namespace needs to push, delivered into every namespace of
 * `pushgateway.clientNamespaces` (a job can mount only what its own namespace holds):
 * - `pushgateway-client` Secret (ExternalSecret): the push credentials, `username` and `password`;
 * - `pushgateway-client-tls` Secret (cert-manager Certificate from the environment's issuer):
 *   its `ca.crt` is the CA PushGateway's certificate chains to (the key pair is not used);
 * - `pushgateway-client` ConfigMap: the SDK's settings, for `envFrom` (the replica URLs, which
 *   the platform certificate names, and where the two Secrets are mounted, see MOUNTS).
 * docs/examples/batch-job.yaml is a CronJob that uses exactly these.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvConfig } from '../envs/schema.js';
import { labelsFor } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import { configMap } from '../lib/workload.js';
import type { ChartContext } from './context.js';
import { pushgatewayReplicaUrls } from './pushgateway.js';
import { externalSecret, secretPath } from './secrets.js';
import { tlsCertificate } from './web-tls.js';
import { type Component, WAVES } from './component.js';

export const PUSHGATEWAY_CLIENT = 'pushgateway-client';
export const PUSHGATEWAY_CLIENT_TLS = 'pushgateway-client-tls';

/** Where a job mounts the two Secrets (the ConfigMap's file settings point there). */
export const MOUNTS = { auth: '/etc/greenlang/pushgateway/auth', tls: '/etc/greenlang/pushgateway/tls' } as const;

/** The SDK's environment (greenlang.monitoring.BatchJobMetrics) for a job in any client namespace. */
export function clientSettings(env: EnvConfig): Record<string, string> {
  return {
    GL_PUSHGATEWAY_URLS: pushgatewayReplicaUrls(env).join(','),
    GL_PUSHGATEWAY_CA_FILE: `${MOUNTS.tls}/ca.crt`,
    GL_PUSHGATEWAY_USERNAME_FILE: `${MOUNTS.auth}/username`,
    GL_PUSHGATEWAY_PASSWORD_FILE: `${MOUNTS.auth}/password`,
  };
}

export function pushgatewayClientsChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'pushgateway-clients');
  for (const ns of env.pushgateway.clientNamespaces) {
    addObject(chart, externalSecret(env, PUSHGATEWAY_CLIENT, secretPath(env, 'pushgateway'), ['username', 'password'], undefined, ns));
    const name = `${PUSHGATEWAY_CLIENT}.${ns}`;
    addObject(
      chart,
      tlsCertificate(env, {
        name: PUSHGATEWAY_CLIENT,
        namespace: ns,
        secretName: PUSHGATEWAY_CLIENT_TLS,
        commonName: name,
        dnsNames: [name],
      }),
    );
    configMap(chart, {
      name: PUSHGATEWAY_CLIENT,
      namespace: ns,
      labels: labelsFor({ name: PUSHGATEWAY_CLIENT, component: 'pushgateway-client' }),
      data: clientSettings(env),
    });
  }
  return chart;
}

export const pushgatewayClientsComponent: Component = {
  name: 'pushgateway-clients',
  render: pushgatewayClientsChart,
  runs: (p) => p.pushgateway,
  wave: WAVES.prerequisites,
};
