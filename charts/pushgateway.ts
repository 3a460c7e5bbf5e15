/**
 * PushGateway for batch jobs (FR-4): a StatefulSet whose replicas share nothing, so the SDK
 * pushes to every replica (through the headless Service's per-pod DNS) and each pod is scraped
 * as its own target with honor_labels; queries and alerts dedup with
 * `max without (instance, pod)`. Pushes need basic auth (--web.config.file), state survives
 * restarts (--persistence.file on a PVC), and a janitor CronJob expires stale groups (FR-4.4).
 */
import type { Slo } from './rules/slo.js';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ServiceMonitorSpecEndpointsRelabelingsAction, ServiceMonitorSpecEndpointsScheme } from '../imports/monitoring.coreos.com.js';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { EnvConfig } from '../envs/schema.js';
import { imageOf } from '../envs/versions.js';
import { labelsFor, selectorLabels, versioned } from '../lib/labels.js';
import { REPLICA_LABELS } from '../lib/replica-labels.js';
import { addObject } from '../lib/objects.js';
import { scrapeTlsConfig, WEB_TLS_SECRET, webTlsFiles, webTlsMount, webTlsVolume } from '../lib/web-tls.js';
import { parseDuration } from '../lib/units.js';
import { pythonCronJob } from '../lib/python-job.js';
import { monitorFor, pdb, restrictedContainer, restrictedPod, service, serviceAccount, haPlacement } from '../lib/workload.js';
import type { ChartContext } from './context.js';
import { svcHost } from '../lib/dns.js';
import { namespacesPeer, tcp, type Flow } from './flows.js';
import { JANITOR, PROMETHEUS, PUSHGATEWAY, PUSHGATEWAY_PORT } from './workloads.js';
import { type Component, own } from './component.js';
import { batchJobRules } from './rules/batch-jobs.js';

const AUTH_MOUNT = '/etc/pushgateway/auth';

/** Per-replica URLs through the headless Service: what the SDK and the janitor talk to. */
export function pushgatewayReplicaUrls(env: EnvConfig): string[] {
  return Array.from(
    { length: env.pushgateway.replicas },
    (_, i) => `https://${PUSHGATEWAY.name}-${i}.${svcHost(env, PUSHGATEWAY.name)}:${PUSHGATEWAY_PORT}`,
  );
}

export function pushgatewayChart(scope: Construct, { env }: ChartContext): Chart {
  const pushgatewayW = versioned(PUSHGATEWAY, env);
  const janitorW = versioned(JANITOR, env);
  const chart = new Chart(scope, 'pushgateway');
  const ns = env.namespace;
  const pg = env.pushgateway;
  const labels = labelsFor(pushgatewayW);
  const selector = selectorLabels(pushgatewayW);

  serviceAccount(chart, pushgatewayW, ns);
  addObject(
    chart,
    new StatefulSet({
      metadata: { name: pushgatewayW.name, namespace: ns, labels },
      spec: {
        replicas: pg.replicas,
        serviceName: pushgatewayW.name,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: pushgatewayW.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(65534),
            ...(pg.replicas > 1 ? haPlacement(selector, env.scheduling.zoneSpread) : {}),
            containers: [
              {
                name: 'pushgateway',
                image: imageOf(env, 'pushgateway'),
                args: [
                  `--web.listen-address=:${PUSHGATEWAY_PORT}`,
                  `--web.config.file=${AUTH_MOUNT}/web-config.yml`,
                  '--persistence.file=/data/pushgateway.db',
                  '--persistence.interval=1m',
                  // The janitor deletes through the ordinary DELETE API; no admin wipe.
                  '--log.format=json',
                ],
                ports: [{ name: 'http', containerPort: PUSHGATEWAY_PORT, protocol: 'TCP' }],
                resources: pg.resources,
                // Basic auth covers every path, probes included; a TCP probe needs no credential.
                livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 20, failureThreshold: 3 },
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
                securityContext: restrictedContainer(),
                volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'auth', mountPath: AUTH_MOUNT, readOnly: true }, webTlsMount],
              },
            ],
            volumes: [
              { name: 'auth', secret: { secretName: pg.authSecret, items: [{ key: 'web-config.yml', path: 'web-config.yml' }] } },
              webTlsVolume,
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: pg.storage.storageClassName,
              resources: { requests: { storage: pg.storage.size } },
            },
          },
        ],
      },
    }),
  );
  addObject(chart, service(pushgatewayW, ns, [{ name: 'http', port: PUSHGATEWAY_PORT }], { headless: true }));
  if (pg.replicas > 1) addObject(chart, pdb(pushgatewayW, ns));
  addObject(
    chart,
    monitorFor(pushgatewayW, ns, [
      {
        port: 'http',
        interval: env.prometheus.scrapeInterval,
        path: '/metrics',
        // Keep the pushed job/instance labels; every replica is a target of its own.
        honorLabels: true,
        scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
        tlsConfig: scrapeTlsConfig(ns),
        // Replicas are told apart by a replica label instead of `pod`, so Thanos dedups them.
        relabelings: [
          {
            sourceLabels: ['__meta_kubernetes_pod_name'],
            targetLabel: REPLICA_LABELS.pushgateway,
            action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
          },
          { action: ServiceMonitorSpecEndpointsRelabelingsAction.LABELDROP, regex: 'pod' },
        ],
        basicAuth: { username: { name: pg.authSecret, key: 'username' }, password: { name: pg.authSecret, key: 'password' } },
      },
    ]),
  );

  serviceAccount(chart, janitorW, ns);
  const janitor = pythonCronJob(chart, {
    image: imageOf(env, 'python'),
    workload: janitorW,
    namespace: ns,
    script: 'janitor.py',
    schedule: pg.janitor.schedule,
    activeDeadlineSeconds: 300,
    args: [
      ...pushgatewayReplicaUrls(env).map((u) => `--url=${u}`),
      `--default-ttl=${parseDuration(pg.janitor.defaultTtl)}`,
      `--username-file=${AUTH_MOUNT}/username`,
      `--password-file=${AUTH_MOUNT}/password`,
      `--ca-file=${webTlsFiles.ca}`,
    ],
    env: [],
    extraVolumes: [
      {
        name: 'auth',
        secret: {
          secretName: pg.authSecret,
          items: [
            { key: 'username', path: 'username' },
            { key: 'password', path: 'password' },
          ],
        },
      },
      { name: 'web-tls', secret: { secretName: WEB_TLS_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ],
    extraMounts: [{ name: 'auth', mountPath: AUTH_MOUNT, readOnly: true }, webTlsMount],
  });
  addObject(chart, janitor);
  return chart;
}

/** Who may push: the batch-job namespaces; the janitor deletes; Prometheus scrapes. */
export function pushgatewayIngress({ env }: ChartContext): Flow[] {
  return [
    {
      name: 'pushgateway-push',
      to: selectorLabels(PUSHGATEWAY),
      from: [namespacesPeer(env.pushgateway.clientNamespaces), JANITOR, PROMETHEUS],
      ports: tcp(PUSHGATEWAY_PORT),
    },
  ];
}

/** PRD 5.2: 99.5% of batch-job pushes accepted without a server error. */
export const PUSHGATEWAY_SLO: Slo = {
  name: 'pushgateway-push',
  objective: 0.995,
  sli: 'PushGateway pushes accepted without a 5xx',
  errors: `pushgateway_http_requests_total{job="${PUSHGATEWAY.name}",handler="push",code=~"5.."}`,
  total: `pushgateway_http_requests_total{job="${PUSHGATEWAY.name}",handler="push"}`,
};

export const pushgatewayComponent: Component = {
  name: 'pushgateway',
  render: pushgatewayChart,
  runs: (p) => p.pushgateway,
  pods: [own(PUSHGATEWAY), own(JANITOR)],
  ingress: pushgatewayIngress,
  rules: [batchJobRules],
  slos: [PUSHGATEWAY_SLO],
};
