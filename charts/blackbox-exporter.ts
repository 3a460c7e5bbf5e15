/**
 * Synthetic checks of the paths people and alerts use: the blackbox exporter probes, over HTTPS
 * and as a client holding the namespace's certificate (as Grafana does), the readiness of
 * Prometheus, Alertmanager and (with Thanos) the query-frontend behind their Services. A probe
 * sees what a Service-level outage looks like from a client, which a target's own `up` cannot
 * (a ready pod behind a broken Service, an expired certificate, a refused client certificate).
 *
 * The whole component is this module: its workload, its ports and who may reach them, where it
 * connects, its Probe, and its alerts (registered in charts/index.ts).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { stringify } from 'yaml';
import { Probe, ProbeSpecProberScheme } from '../imports/monitoring.coreos.com.js';
import type { EnvConfig } from '../envs/schema.js';
import { imageOf } from '../envs/versions.js';
import { svcHost } from '../lib/dns.js';
import { labelsFor, selectorLabels, versioned } from '../lib/labels.js';
import { addObject, typed } from '../lib/objects.js';
import { clientTls, scrapeTlsConfig, webConfig, webTlsMount, webTlsVolume } from '../lib/web-tls.js';
import {
  CONFIG_HASH_ANNOTATION,
  configHash,
  configMap,
  pdb,
  restrictedContainer,
  restrictedPod,
  service,
  serviceAccount,
  serviceMonitor,
  haPlacement,
} from '../lib/workload.js';

import type { ChartContext } from './context.js';
import { tcp, type Flow, type Reach } from './flows.js';

import type { RuleArea } from './rules/types.js';
import { HTTP_PORT } from './thanos/common.js';
import {
  ALERTMANAGER,
  ALERTMANAGER_WEB_PORT,
  BLACKBOX,
  BLACKBOX_PORT,
  PROMETHEUS,
  PROMETHEUS_WEB_PORT,
  QUERY_FRONTEND,
} from './workloads.js';
import { type Component, own } from './component.js';

/** The module every platform probe uses: HTTPS, verified, with the namespace's client certificate. */
export const HTTPS_MODULE = 'https_ready';
const CONFIG_DIR = '/etc/blackbox';
const REPLICAS = 2;

/** blackbox.yml: one module, the readiness endpoints answer 200 when ready. */
export function blackboxConfig(env: EnvConfig): string {
  return stringify({
    modules: {
      [HTTPS_MODULE]: {
        prober: 'http',
        timeout: '5s',
        http: {
          valid_status_codes: [200],
          fail_if_not_ssl: true,
          preferred_ip_protocol: 'ip4',
          tls_config: clientTls(env, { clientCert: true }),
        },
      },
    },
  });
}

/** What is probed: each platform Service's readiness endpoint, where that component runs. */
export function probeTargets({ env, plan }: ChartContext): string[] {
  return [
    `https://${svcHost(env, PROMETHEUS.name)}:${PROMETHEUS_WEB_PORT}/-/ready`,
    `https://${svcHost(env, ALERTMANAGER.name)}:${ALERTMANAGER_WEB_PORT}/-/ready`,
    ...(plan.thanos ? [`https://${svcHost(env, QUERY_FRONTEND.name)}:${HTTP_PORT}/-/ready`] : []),
  ];
}

export function blackboxExporterChart(scope: Construct, ctx: ChartContext): Chart {
  const { env } = ctx;
  const w = versioned(BLACKBOX, env);
  const ns = env.namespace;
  const chart = new Chart(scope, 'blackbox-exporter');
  const labels = labelsFor(w);
  const config = blackboxConfig(env);
  const web = webConfig();

  serviceAccount(chart, w, ns);
  const cm = configMap(chart, { name: `${w.name}-config`, namespace: ns, labels, data: { 'blackbox.yml': config, 'web-config.yml': web } });
  addObject(
    chart,
    new Deployment({
      metadata: { name: w.name, namespace: ns, labels },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: selectorLabels(w) },
        template: {
          metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(config, web) } },
          spec: {
            serviceAccountName: w.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(),
            ...haPlacement(selectorLabels(w), env.scheduling.zoneSpread, { deployment: true }),
            containers: [
              {
                name: 'blackbox-exporter',
                image: imageOf(env, 'blackboxExporter'),
                args: [
                  `--config.file=${CONFIG_DIR}/blackbox.yml`,
                  `--web.config.file=${CONFIG_DIR}/web-config.yml`,
                  `--web.listen-address=:${BLACKBOX_PORT.port}`,
                  '--log.format=json',
                ],
                ports: [{ name: BLACKBOX_PORT.name, containerPort: BLACKBOX_PORT.port, protocol: 'TCP' }],
                resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                // HTTPS only: a kubelet probe speaks plain HTTP, a TCP probe needs nothing.
                livenessProbe: { tcpSocket: { port: BLACKBOX_PORT.name }, periodSeconds: 20, failureThreshold: 3 },
                readinessProbe: { tcpSocket: { port: BLACKBOX_PORT.name }, periodSeconds: 10 },
                securityContext: restrictedContainer(),
                volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, webTlsMount],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: cm.name } }, webTlsVolume],
          },
        },
      },
    }),
  );
  addObject(chart, service(w, ns, [BLACKBOX_PORT]));
  addObject(chart, pdb(w, ns));
  addObject(chart, serviceMonitor(w, ns, BLACKBOX_PORT.name, env.prometheus.scrapeInterval, scrapeTlsConfig(ns)));
  addObject(
    chart,
    typed(Probe, {
      metadata: { name: 'platform-endpoints', namespace: ns, labels: labelsFor({ name: 'platform-endpoints', component: 'monitor' }) },
      spec: {
        jobName: 'platform-endpoints',
        prober: { url: `${svcHost(env, w.name)}:${BLACKBOX_PORT.port}`, scheme: ProbeSpecProberScheme.HTTPS },
        tlsConfig: scrapeTlsConfig(ns),
        module: HTTPS_MODULE,
        interval: env.prometheus.scrapeInterval,
        targets: { staticConfig: { static: probeTargets(ctx) } },
      },
    }),
  );
  return chart;
}

/** Only Prometheus reaches the prober (probes and its own metrics). */
export function blackboxIngress(): Flow[] {
  return [{ name: 'blackbox-exporter', to: selectorLabels(BLACKBOX), from: [PROMETHEUS], ports: tcp(BLACKBOX_PORT.port) }];
}

/** Where its probes go: the flows into the probed components. */
export function blackboxReaches({ plan }: ChartContext): Reach[] {
  return [
    { name: 'prometheus-web-probe', to: PROMETHEUS, ports: tcp(PROMETHEUS_WEB_PORT) },
    { name: 'alertmanager-web-probe', to: ALERTMANAGER, ports: tcp(ALERTMANAGER_WEB_PORT) },
    ...(plan.thanos ? [{ name: 'thanos-query-frontend-probe', to: QUERY_FRONTEND, ports: tcp(HTTP_PORT) }] : []),
  ];
}

/** Alerts on what the probes see (job `platform-endpoints`, one series per probed URL). */
export const probeRules: RuleArea = {
  area: 'probes',
  groups: [
    {
      name: 'probes',
      rules: [
        {
          alert: 'PlatformEndpointDown',
          expr: 'probe_success{job="platform-endpoints"} == 0',
          for: '5m',
          severity: 'critical',
          summary: '{{ $labels.instance }} fails its readiness probe through its Service',
          description:
            'For 5 minutes a client with the platform certificate could not get a ready answer from {{ $labels.instance }} ' +
            '(connection, TLS or HTTP status). Grafana, alert delivery or queries through it are affected.',
        },
        {
          alert: 'PlatformCertificateExpiresSoon',
          expr: 'probe_ssl_earliest_cert_expiry{job="platform-endpoints"} - time() < 7 * 86400',
          for: '1h',
          severity: 'warning',
          summary: 'The certificate served by {{ $labels.instance }} expires within 7 days',
          description:
            'cert-manager renews 15 days before expiry, so the served certificate should never be this close: ' +
            'renewal failed, or the pods did not pick up the renewed Secret.',
        },
      ],
    },
  ],
};

export const blackboxExporterComponent: Component = {
  name: 'blackbox-exporter',
  render: blackboxExporterChart,
  pods: [own(BLACKBOX)],
  ingress: blackboxIngress,
  reaches: blackboxReaches,
  rules: [probeRules],
};
