/**
 * Alertmanager HA (FR-3.1): an Alertmanager CR whose replicas form a gossip mesh over the
 * operator's headless `alertmanager-operated` Service (TCP+UDP 9094), with its configuration
 * in a Secret, credentials mounted from an existing Secret, a PDB and anti-affinity.
 * The v2 API (silences, FR-3.5) is served on a ClusterIP Service only: never exposed.
 */
import type { Slo } from './rules/slo.js';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Alertmanager } from '../imports/monitoring.coreos.com.js';
import { Secret } from 'kubernetes-models/v1/Secret';
import { stringify } from 'yaml';
import { imageOf } from '../envs/versions.js';
import { operatorWebTls, scrapeTlsConfig } from '../lib/web-tls.js';
import { labelsFor, versioned } from '../lib/labels.js';
import { addObject, typed } from '../lib/objects.js';
import { crResources, operatorStorage, pdb, restrictedPod, service, serviceAccount, serviceMonitor, haPlacement } from '../lib/workload.js';
import { alertmanagerConfig } from './alertmanager-config.js';
import type { ChartContext } from './context.js';
import { GRAFANA, tcp, type Flow } from './flows.js';
import { ALERTMANAGER, ALERTMANAGER_MESH_PORT, ALERTMANAGER_WEB_PORT, CONFIG_RELOADER_PORT, PROMETHEUS, RULER } from './workloads.js';
import { type Component } from './component.js';
import { alertmanagerRules } from './rules/alertmanager.js';
import { watchdogRules } from './rules/watchdog.js';

export const ALERTMANAGER_CONFIG_SECRET = 'alertmanager-greenlang';

/** Labels the operator gives Alertmanager pods. */
export function alertmanagerPodSelector(): Record<string, string> {
  return { alertmanager: ALERTMANAGER.name };
}

export function alertmanagerChart(scope: Construct, { env }: ChartContext): Chart {
  const alertmanagerW = versioned(ALERTMANAGER, env);
  const chart = new Chart(scope, 'alertmanager');
  const ns = env.namespace;
  const am = env.alertmanager;
  const labels = labelsFor(alertmanagerW);

  serviceAccount(chart, alertmanagerW, ns);
  addObject(
    chart,
    new Secret({
      metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: ns, labels },
      type: 'Opaque',
      stringData: { 'alertmanager.yaml': stringify(alertmanagerConfig(env), { lineWidth: 0 }) },
    }),
  );
  addObject(
    chart,
    typed(Alertmanager, {
      metadata: { name: alertmanagerW.name, namespace: ns, labels },
      spec: {
        replicas: am.replicas,
        image: imageOf(env, 'alertmanager'),
        version: env.release.images.alertmanager.tag,
        serviceAccountName: alertmanagerW.name,
        podMetadata: { labels },
        configSecret: ALERTMANAGER_CONFIG_SECRET,
        secrets: [am.credentialsSecret],
        resources: crResources(am.resources),
        securityContext: restrictedPod(),
        ...(am.replicas > 1 ? haPlacement(alertmanagerPodSelector(), env.scheduling.zoneSpread) : {}),
        retention: '120h',
        web: { tlsConfig: operatorWebTls() },
        storage: operatorStorage('alertmanager-data', am.storage),
      },
    }),
  );
  addObject(chart, service(alertmanagerW, ns, [{ name: 'web', port: ALERTMANAGER_WEB_PORT }], { selector: alertmanagerPodSelector() }));
  if (am.replicas > 1) addObject(chart, pdb(alertmanagerW, ns, alertmanagerPodSelector()));
  addObject(chart, serviceMonitor(alertmanagerW, ns, 'web', env.prometheus.scrapeInterval, scrapeTlsConfig(ns)));
  return chart;
}

/** Who may reach the Alertmanager pods: alerts from Prometheus and the ruler, Grafana; gossip between replicas; metrics. */
export function alertmanagerIngress(): Flow[] {
  const to = alertmanagerPodSelector();
  return [
    { name: 'alertmanager-web', to, from: [PROMETHEUS, RULER, GRAFANA], ports: tcp(ALERTMANAGER_WEB_PORT) },
    {
      name: 'alertmanager-mesh',
      to,
      from: [ALERTMANAGER],
      ports: [
        { port: ALERTMANAGER_MESH_PORT, protocol: 'TCP' },
        { port: ALERTMANAGER_MESH_PORT, protocol: 'UDP' },
      ],
    },
    { name: 'alertmanager-metrics', to, from: [PROMETHEUS], ports: tcp(CONFIG_RELOADER_PORT) },
  ];
}

/** PRD 5.2: 99.9% of notifications delivered (what an alerting pipeline is for). */
export const ALERTMANAGER_SLO: Slo = {
  name: 'alertmanager-notifications',
  objective: 0.999,
  sli: 'Alertmanager notifications delivered',
  errors: `alertmanager_notifications_failed_total{job="${ALERTMANAGER.name}"}`,
  total: `alertmanager_notifications_total{job="${ALERTMANAGER.name}"}`,
};

export const alertmanagerComponent: Component = {
  name: 'alertmanager',
  render: alertmanagerChart,
  pods: [{ workload: ALERTMANAGER, selector: alertmanagerPodSelector() }],
  ingress: alertmanagerIngress,
  rules: [alertmanagerRules, watchdogRules],
  slos: [ALERTMANAGER_SLO],
};
