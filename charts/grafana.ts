/**
 * Grafana (PRD 7.1, 5.4, FR-6.2): the official OSS image, provisioned entirely from files this
 * chart mounts, with no sidecar images: the datasources and every dashboard ConfigMap the
 * dashboards component renders (found by their label among the rendered objects, so a new
 * dashboard is mounted without naming it here), and a provider that turns each dashboard's
 * folder annotation into a Grafana folder.
 *
 * - Restricted pod security without a root init step: fsGroup owns the volume, the root
 *   filesystem is read-only, and only the data directory and /tmp are writable.
 * - Secrets only as files: the admin user and password, the OIDC client secret and the database
 *   password are mounted from the ExternalSecret and read through Grafana's `__FILE` variables
 *   (the image's entrypoint resolves them, so its command is left alone); none is in dist, in env
 *   config or in an environment variable.
 * - Offline: no plugin preinstall, update check or usage report (the egress policy forbids them).
 * - One replica on SQLite and a volume by default; more only with an external database, and then
 *   unified alerting gossips between the replicas over a headless Service.
 * - Config, datasources and the provider are read at start: their hash in the pod template rolls
 *   the pods when they change. Dashboards are re-read every minute without a restart.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import type { IVolumeProjection } from 'kubernetes-models/v1/VolumeProjection';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { stringify } from 'yaml';
import type { EnvConfig } from '../envs/schema.js';
import { imageOf } from '../envs/versions.js';
import { labelsFor, selectorLabels, versioned } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import type { Manifest } from '../lib/synth.js';
import { WEB_TLS_SECRET, scrapeTlsConfig } from '../lib/web-tls.js';
import {
  CONFIG_HASH_ANNOTATION,
  configHash,
  configMap,
  haPlacement,
  monitorFor,
  pdb,
  restrictedContainer,
  restrictedPod,
  service,
  serviceAccount,
} from '../lib/workload.js';
import { ServiceMonitorSpecEndpointsScheme } from '../imports/monitoring.coreos.com.js';
import { type Component, own } from './component.js';
import type { ChartContext } from './context.js';
import { byCodePoint } from './dashboards/team.js';
import { DASHBOARD_LABEL, DATASOURCES_CONFIGMAP, DATASOURCES_FILE, FOLDER_ANNOTATION, GRAFANA_TLS_DIR } from './dashboards/index.js';
import { addressPeers, namespacesPeer, tcp, type EgressFlow, type Flow, type Peer } from './flows.js';
import { grafanaRules } from './rules/grafana.js';
import { externalSecret, secretPath } from './secrets.js';
import { GRAFANA_ALERTING_PORT, GRAFANA_PORT, GRAFANA_WORKLOAD, PROMETHEUS } from './workloads.js';

export const GRAFANA_CREDENTIALS_SECRET = 'grafana-credentials';
/** Keys of `<prefix>/<env>/grafana` in the secret store (the last two only when configured). */
export const GRAFANA_SECRET_KEYS = {
  adminUser: 'admin-user',
  adminPassword: 'admin-password',
  oidcClientSecret: 'oidc-client-secret',
  databasePassword: 'database-password',
} as const;

const CONFIG_FILE = '/etc/grafana/grafana.ini';
const PROVISIONING_DIR = '/etc/grafana/provisioning';
const SECRETS_DIR = '/etc/grafana/secrets';
const DATA_DIR = '/var/lib/grafana';
/** Where every dashboard ConfigMap is projected, one sub-directory per folder. */
export const DASHBOARDS_DIR = '/var/lib/grafana-dashboards';
const CONFIG_MAP = 'grafana-config';
/** Startup, liveness and readiness all ask Grafana's health endpoint, over its HTTPS port. */
const HEALTH = { path: '/api/health', port: 'https', scheme: 'HTTPS' } as const;
const PROVIDERS_CONFIG_MAP = 'grafana-dashboard-providers';
/** Headless Service of the replicas' unified-alerting gossip (only with more than one replica). */
const ALERTING_SERVICE = 'grafana-alerting';

type Ini = Record<string, Record<string, string | number | boolean>>;

/** grafana.ini text: sections and keys in the order given, so the output is stable. */
export function renderIni(ini: Ini): string {
  return Object.entries(ini)
    .map(([section, keys]) => [`[${section}]`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`)].join('\n'))
    .join('\n\n')
    .concat('\n');
}

/**
 * The URL users reach Grafana at (its redirects and links use it): the ingress host; without one,
 * Grafana's default, https://localhost:3000/, which is where `kubectl port-forward` puts it.
 */
export function grafanaRootUrl(env: EnvConfig): string | undefined {
  return env.grafana.ingress ? `https://${env.grafana.ingress.host}/` : undefined;
}

/** A JMESPath over the groups claim: the first matching group list decides the role, Viewer otherwise. */
export function roleAttributePath(claim: string, adminGroups: readonly string[], editorGroups: readonly string[]): string {
  const any = (groups: readonly string[]) => groups.map((g) => `contains(${claim}[*], '${g.replaceAll("'", "\\'")}')`).join(' || ');
  const arms = [
    ...(adminGroups.length ? [`(${any(adminGroups)}) && 'Admin'`] : []),
    ...(editorGroups.length ? [`(${any(editorGroups)}) && 'Editor'`] : []),
    "'Viewer'",
  ];
  return arms.join(' || ');
}

export function grafanaIni(env: EnvConfig): Ini {
  const g = env.grafana;
  const ha = g.replicas > 1;
  const alertingPeer = `${ALERTING_SERVICE}.${env.namespace}.svc.cluster.local:${GRAFANA_ALERTING_PORT}`;
  return {
    server: {
      protocol: 'https',
      http_port: GRAFANA_PORT,
      cert_file: `${GRAFANA_TLS_DIR}/tls.crt`,
      cert_key: `${GRAFANA_TLS_DIR}/tls.key`,
      ...(grafanaRootUrl(env) ? { root_url: grafanaRootUrl(env)! } : {}),
      enforce_domain: false,
    },
    paths: { data: DATA_DIR, provisioning: PROVISIONING_DIR, plugins: `${DATA_DIR}/plugins` },
    log: { mode: 'console', level: 'info' },
    'log.console': { format: 'json' },
    database: g.database
      ? { type: g.database.type, host: g.database.host, name: g.database.name, user: g.database.user, ssl_mode: g.database.sslMode }
      : { type: 'sqlite3', path: 'grafana.db', wal: true },
    security: { cookie_secure: true, disable_gravatar: true, allow_embedding: false },
    users: { allow_sign_up: false },
    auth: { disable_login_form: !g.auth.basicLogin },
    'auth.anonymous': { enabled: false },
    'auth.basic': { enabled: g.auth.basicLogin },
    ...(g.auth.oidc
      ? {
          'auth.generic_oauth': {
            enabled: true,
            name: g.auth.oidc.name,
            client_id: g.auth.oidc.clientId,
            scopes: g.auth.oidc.scopes.join(' '),
            auth_url: g.auth.oidc.authUrl,
            token_url: g.auth.oidc.tokenUrl,
            api_url: g.auth.oidc.apiUrl,
            use_pkce: true,
            allow_sign_up: true,
            groups_attribute_path: g.auth.oidc.groupsClaim,
            role_attribute_path: roleAttributePath(g.auth.oidc.groupsClaim, g.auth.oidc.adminGroups, g.auth.oidc.editorGroups),
          },
        }
      : {}),
    // The cluster's egress policy allows none of these: each would fail at start or every hour.
    analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false, feedback_links_enabled: false },
    plugins: { preinstall_disabled: true, preinstall_auto_update: false, public_key_retrieval_disabled: true },
    news: { news_feed_enabled: false },
    snapshots: { external_enabled: false },
    metrics: { enabled: true },
    unified_alerting: ha
      ? {
          enabled: true,
          ha_peers: alertingPeer,
          ha_listen_address: `$__env{POD_IP}:${GRAFANA_ALERTING_PORT}`,
          ha_advertise_address: `$__env{POD_IP}:${GRAFANA_ALERTING_PORT}`,
        }
      : { enabled: true },
  };
}

/** The file provider: every folder under DASHBOARDS_DIR becomes a Grafana folder; files win over UI edits. */
export function dashboardProviders(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: 'greenlang',
        orgId: 1,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: DASHBOARDS_DIR, foldersFromFilesStructure: true },
      },
    ],
  });
}

/** The dashboard ConfigMaps among the rendered objects, projected into one directory per folder. */
export function dashboardProjections(others: readonly Manifest[]): IVolumeProjection[] {
  type Meta = { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  return others
    .filter((m) => m.kind === 'ConfigMap' && (m.metadata as Meta).labels?.[DASHBOARD_LABEL] === '1')
    .map((m) => {
      const folder = (m.metadata as Meta).annotations?.[FOLDER_ANNOTATION] ?? 'General';
      const keys = Object.keys((m as { data?: Record<string, string> }).data ?? {}).sort();
      return { configMap: { name: m.metadata.name, items: keys.map((key) => ({ key, path: `${folder}/${key}` })) } };
    })
    .sort((a, b) => byCodePoint(a.configMap!.name!, b.configMap!.name!));
}

export function grafanaChart(scope: Construct, { env }: ChartContext, others: readonly Manifest[]): Chart {
  const chart = new Chart(scope, 'grafana');
  const w = versioned(GRAFANA_WORKLOAD, env);
  const ns = env.namespace;
  const g = env.grafana;
  const ha = g.replicas > 1;
  const labels = labelsFor(w);
  const selector = selectorLabels(w);

  const secretKeys = [
    GRAFANA_SECRET_KEYS.adminUser,
    GRAFANA_SECRET_KEYS.adminPassword,
    ...(g.auth.oidc ? [GRAFANA_SECRET_KEYS.oidcClientSecret] : []),
    ...(g.database ? [GRAFANA_SECRET_KEYS.databasePassword] : []),
  ];
  addObject(chart, externalSecret(env, GRAFANA_CREDENTIALS_SECRET, secretPath(env, 'grafana'), secretKeys));
  const ini = renderIni(grafanaIni(env));
  const providers = dashboardProviders();
  configMap(chart, { name: CONFIG_MAP, namespace: ns, labels, data: { 'grafana.ini': ini } });
  configMap(chart, { name: PROVIDERS_CONFIG_MAP, namespace: ns, labels, data: { 'providers.yaml': providers } });
  const datasources = others.find((m) => m.kind === 'ConfigMap' && m.metadata.name === DATASOURCES_CONFIGMAP) as
    { data: Record<string, string> } | undefined;
  if (!datasources) throw new Error(`grafana: no ConfigMap ${DATASOURCES_CONFIGMAP} was rendered (the dashboards component makes it)`);

  serviceAccount(chart, w, ns);
  if (!g.database) {
    addObject(
      chart,
      new PersistentVolumeClaim({
        // Kept when removed from dist or when its Application is deleted: it holds users, folders and sessions.
        metadata: { name: w.name, namespace: ns, labels, annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: g.storage.storageClassName,
          resources: { requests: { storage: g.storage.size } },
        },
      }),
    );
  }
  const file = (key: string) => `${SECRETS_DIR}/${key}`;
  addObject(
    chart,
    new Deployment({
      metadata: { name: w.name, namespace: ns, labels },
      spec: {
        replicas: g.replicas,
        // One pod at a time on the volume (ReadWriteOnce); rolling with a shared database.
        strategy: g.database ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } : { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: { [CONFIG_HASH_ANNOTATION]: configHash(ini, providers, datasources.data[DATASOURCES_FILE] ?? '') },
          },
          spec: {
            serviceAccountName: w.name,
            automountServiceAccountToken: false,
            // The image runs as any UID (its writable paths are world-writable, and ours are mounted):
            // the platform's high UID instead of the image's 472, which could be a host user's.
            securityContext: restrictedPod(),
            ...(ha ? haPlacement(selector, env.scheduling.zoneSpread, { deployment: true }) : {}),
            containers: [
              {
                name: 'grafana',
                image: imageOf(env, 'grafana'),
                ports: [
                  { name: 'https', containerPort: GRAFANA_PORT, protocol: 'TCP' },
                  ...(ha
                    ? [
                        { name: 'alerting', containerPort: GRAFANA_ALERTING_PORT, protocol: 'TCP' as const },
                        { name: 'alerting-udp', containerPort: GRAFANA_ALERTING_PORT, protocol: 'UDP' as const },
                      ]
                    : []),
                ],
                env: [
                  { name: 'GF_PATHS_CONFIG', value: CONFIG_FILE },
                  { name: 'GF_SECURITY_ADMIN_USER__FILE', value: file(GRAFANA_SECRET_KEYS.adminUser) },
                  { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: file(GRAFANA_SECRET_KEYS.adminPassword) },
                  ...(g.auth.oidc
                    ? [{ name: 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET__FILE', value: file(GRAFANA_SECRET_KEYS.oidcClientSecret) }]
                    : []),
                  ...(g.database ? [{ name: 'GF_DATABASE_PASSWORD__FILE', value: file(GRAFANA_SECRET_KEYS.databasePassword) }] : []),
                  ...(ha ? [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : []),
                ],
                resources: g.resources,
                securityContext: restrictedContainer(),
                // Database migrations run before the health endpoint answers: up to 5 minutes at start.
                startupProbe: { httpGet: HEALTH, periodSeconds: 10, failureThreshold: 30 },
                livenessProbe: {
                  httpGet: HEALTH,
                  periodSeconds: 20,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                readinessProbe: {
                  httpGet: HEALTH,
                  periodSeconds: 10,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                volumeMounts: [
                  { name: 'config', mountPath: CONFIG_FILE, subPath: 'grafana.ini', readOnly: true },
                  { name: 'datasources', mountPath: `${PROVISIONING_DIR}/datasources`, readOnly: true },
                  { name: 'providers', mountPath: `${PROVISIONING_DIR}/dashboards`, readOnly: true },
                  { name: 'dashboards', mountPath: DASHBOARDS_DIR, readOnly: true },
                  { name: 'secrets', mountPath: SECRETS_DIR, readOnly: true },
                  { name: 'web-tls', mountPath: GRAFANA_TLS_DIR, readOnly: true },
                  { name: 'data', mountPath: DATA_DIR },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: CONFIG_MAP } },
              { name: 'datasources', configMap: { name: DATASOURCES_CONFIGMAP } },
              { name: 'providers', configMap: { name: PROVIDERS_CONFIG_MAP } },
              { name: 'dashboards', projected: { sources: dashboardProjections(others) } },
              { name: 'secrets', secret: { secretName: GRAFANA_CREDENTIALS_SECRET } },
              { name: 'web-tls', secret: { secretName: WEB_TLS_SECRET } },
              g.database ? { name: 'data', emptyDir: {} } : { name: 'data', persistentVolumeClaim: { claimName: w.name } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    }),
  );
  addObject(chart, service(w, ns, [{ name: 'https', port: GRAFANA_PORT }]));

  if (ha) {
    addObject(
      chart,
      new Service({
        metadata: { name: ALERTING_SERVICE, namespace: ns, labels },
        spec: {
          clusterIP: 'None',
          selector,
          ports: [
            { name: 'alerting', port: GRAFANA_ALERTING_PORT, targetPort: 'alerting', protocol: 'TCP' },
            { name: 'alerting-udp', port: GRAFANA_ALERTING_PORT, targetPort: 'alerting-udp', protocol: 'UDP' },
          ],
        },
      }),
    );
    addObject(chart, pdb(w, ns));
  }
  if (g.ingress) {
    const i = g.ingress;
    addObject(
      chart,
      new Ingress({
        metadata: { name: w.name, namespace: ns, labels, ...(Object.keys(i.annotations).length ? { annotations: i.annotations } : {}) },
        spec: {
          ingressClassName: i.className,
          ...(i.tlsSecretName ? { tls: [{ hosts: [i.host], secretName: i.tlsSecretName }] } : {}),
          rules: [
            {
              host: i.host,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: w.name, port: { name: 'https' } } } }] },
            },
          ],
        },
      }),
    );
  }
  addObject(
    chart,
    monitorFor(w, ns, [
      {
        port: 'https',
        interval: env.prometheus.scrapeInterval,
        path: '/metrics',
        scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
        tlsConfig: scrapeTlsConfig(ns),
      },
    ]),
  );
  return chart;
}

/** Users through the ingress controller (or the load balancer's subnets); Prometheus scrapes; replicas gossip. */
export function grafanaIngress({ env }: ChartContext): Flow[] {
  const g = env.grafana;
  const to = selectorLabels(GRAFANA_WORKLOAD);
  const users: Peer[] = [
    ...(g.allowFrom.namespaces.length ? [namespacesPeer(g.allowFrom.namespaces, 'grafana-ingress-namespaces')] : []),
    ...addressPeers('grafana-ingress', g.allowFrom.cidrs),
  ];
  return [
    { name: 'grafana-web', to, from: [...users, PROMETHEUS], ports: tcp(GRAFANA_PORT) },
    ...(g.replicas > 1
      ? [
          {
            name: 'grafana-alerting',
            to,
            from: [GRAFANA_WORKLOAD],
            ports: [{ port: GRAFANA_ALERTING_PORT }, { port: GRAFANA_ALERTING_PORT, protocol: 'UDP' as const }],
          },
        ]
      : []),
  ];
}

/** The external database, wherever it is (an RDS endpoint's address is not fixed). */
export function grafanaEgress({ env }: ChartContext): EgressFlow[] {
  const db = env.grafana.database;
  return db
    ? [
        {
          name: 'grafana-database',
          from: selectorLabels(GRAFANA_WORKLOAD),
          to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
          ports: tcp(Number(db.host.split(':').pop())),
        },
      ]
    : [];
}

export const grafanaComponent: Component = {
  name: 'grafana',
  renderFrom: grafanaChart,
  runs: (p) => p.grafana,
  pods: [own(GRAFANA_WORKLOAD)],
  ingress: grafanaIngress,
  egress: grafanaEgress,
  rules: [grafanaRules],
};
