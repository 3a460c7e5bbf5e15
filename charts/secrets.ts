/**
 * Credentials never appear in dist: ExternalSecrets fetch them from AWS Secrets Manager (through
 * an existing ClusterSecretStore) into the Secrets the charts mount.
 *   <prefix>/<env>/alertmanager: slack-webhook-url, pagerduty-routing-key, smtp-password, and
 *                                heartbeat-url/<cluster> per cluster (each cluster's own dead man's switch)
 *   <prefix>/<env>/pushgateway:  username, password, password-bcrypt
 *   <prefix>/<env>/node-exporter: username, password, password-bcrypt
 *   <prefix>/<env>/grafana:      admin-user, admin-password; oidc-client-secret and
 *                                database-password when configured (charts/grafana.ts)
 * PushGateway's and node-exporter's web configs are templated here from the bcrypt hash, so the
 * plain password is only ever given to clients (Prometheus, the SDK, the janitor).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../imports/external-secrets.io.js';
import type { EnvConfig } from '../envs/schema.js';
import { labelsFor } from '../lib/labels.js';
import { addObject, typed, type TypedObject } from '../lib/objects.js';
import { webConfig } from '../lib/web-tls.js';
import { CREDENTIAL_KEYS } from './alertmanager-config.js';
import type { ChartContext } from './context.js';
import { type Component, WAVES } from './component.js';

export const NODE_EXPORTER_AUTH_SECRET = 'node-exporter-auth';

export function secretPath(env: EnvConfig, name: 'alertmanager' | 'pushgateway' | 'node-exporter' | 'grafana'): string {
  return `${env.secrets.prefix}/${env.name}/${name}`;
}

/** An ExternalSecret from the environment's ClusterSecretStore: `keys` of `remote`, optionally templated. */
export function externalSecret(
  env: EnvConfig,
  name: string,
  remote: string,
  keys: readonly string[],
  template?: Record<string, string>,
  namespace = env.namespace,
  secretMetadata?: { labels: Record<string, string> },
  /** The remote property of a key, when it is not the key itself. */
  properties: Readonly<Record<string, string>> = {},
): TypedObject {
  return typed(ExternalSecret, {
    metadata: { name, namespace, labels: labelsFor({ name, component: 'credentials' }) },
    spec: {
      refreshInterval: env.secrets.refreshInterval,
      secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: env.secrets.clusterSecretStore },
      target: {
        name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        ...(template
          ? {
              template: {
                engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
                ...(secretMetadata ? { metadata: secretMetadata } : {}),
                data: template,
              },
            }
          : {}),
      },
      data: keys.map((k) => ({ secretKey: k, remoteRef: { key: remote, property: properties[k] ?? k } })),
    },
  });
}

/**
 * Where a cluster's heartbeat URL is kept: one per cluster, so a live cluster's pings never keep
 * a dead one's dead man's switch quiet.
 */
export function heartbeatProperty(cluster: string): string {
  return `${CREDENTIAL_KEYS.heartbeatUrl}/${cluster}`;
}

export function secretsChart(scope: Construct, { env, cluster, plan }: ChartContext): Chart {
  const chart = new Chart(scope, 'secrets');
  addObject(
    chart,
    externalSecret(
      env,
      env.alertmanager.credentialsSecret,
      secretPath(env, 'alertmanager'),
      Object.values(CREDENTIAL_KEYS),
      undefined,
      env.namespace,
      undefined,
      { [CREDENTIAL_KEYS.heartbeatUrl]: heartbeatProperty(cluster.name) },
    ),
  );
  if (plan.pushgateway) {
    addObject(
      chart,
      externalSecret(env, env.pushgateway.authSecret, secretPath(env, 'pushgateway'), ['username', 'password', 'password-bcrypt'], {
        username: '{{ .username }}',
        password: '{{ .password }}',
        'web-config.yml': webConfig({ basicAuthUsers: '{{ .username }}: {{ index . "password-bcrypt" }}' }),
      }),
    );
  }
  // node-exporter: its web config (bcrypt hash) next to it in the host namespace; the plain
  // credentials where Prometheus' ServiceMonitor can reference them.
  const ne = secretPath(env, 'node-exporter');
  addObject(
    chart,
    externalSecret(
      env,
      NODE_EXPORTER_AUTH_SECRET,
      ne,
      ['username', 'password-bcrypt'],
      { 'web-config.yml': webConfig({ basicAuthUsers: '{{ .username }}: {{ index . "password-bcrypt" }}' }) },
      env.hostNamespace,
    ),
  );
  addObject(chart, externalSecret(env, NODE_EXPORTER_AUTH_SECRET, ne, ['username', 'password']));
  return chart;
}

export const secretsComponent: Component = { name: 'secrets', render: secretsChart, wave: WAVES.prerequisites };
