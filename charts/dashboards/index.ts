/**
 * Dashboards and datasources for Grafana's sidecar: ConfigMaps labelled `grafana_dashboard` /
 * `grafana_datasource` in the monitoring namespace. The JSON comes from the Grafana Foundation
 * SDK builders; datasource uids are fixed so dashboards can reference them.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { stringify } from 'yaml';
import type { EnvConfig } from '../../envs/schema.js';
import { labelsFor } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { ALERTMANAGER, ALERTMANAGER_WEB_PORT } from '../alertmanager.js';
import type { ChartContext } from '../context.js';
import { PROMETHEUS, PROMETHEUS_WEB_PORT } from '../prometheus.js';
import { svcHost } from '../../lib/dns.js';
import { HTTP_PORT } from '../thanos/common.js';
import { QUERY_FRONTEND } from '../thanos/query-frontend.js';
import { QUERY_GLOBAL } from '../thanos/query-global.js';
import { batchJobsDashboard } from './batch-jobs.js';
import { THANOS_DATASOURCE } from './common.js';
import { prometheusHealthDashboard } from './prometheus-health.js';

export const dashboards = () => [prometheusHealthDashboard(), batchJobsDashboard()];

/**
 * Grafana reaches everything over HTTPS; the query API also wants Grafana's client certificate.
 * Grafana reads them from files it mounts: the `monitoring-web-tls` Secret (or a certificate of
 * the same issuer) at GRAFANA_TLS_DIR.
 */
export const GRAFANA_TLS_DIR = '/etc/grafana/monitoring-web-tls';
const caOnly = { tlsAuthWithCACert: true };
const caSecure = { tlsCACert: `$__file{${GRAFANA_TLS_DIR}/ca.crt}` };
const mtls = { tlsAuth: true, tlsAuthWithCACert: true };
const mtlsSecure = {
  ...caSecure,
  tlsClientCert: `$__file{${GRAFANA_TLS_DIR}/tls.crt}`,
  tlsClientKey: `$__file{${GRAFANA_TLS_DIR}/tls.key}`,
};

export function datasources(env: EnvConfig, hostsGlobal: boolean) {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Thanos',
        uid: THANOS_DATASOURCE.uid,
        type: 'prometheus',
        access: 'proxy',
        url: `https://${svcHost(env, QUERY_FRONTEND.name)}:${HTTP_PORT}`,
        isDefault: true,
        jsonData: { timeInterval: env.prometheus.scrapeInterval, prometheusType: 'Thanos', ...mtls },
        secureJsonData: mtlsSecure,
      },
      ...(hostsGlobal
        ? [
            {
              name: 'Thanos (all clusters)',
              uid: 'thanos-global',
              type: 'prometheus',
              access: 'proxy',
              url: `https://${svcHost(env, QUERY_GLOBAL.name)}:${HTTP_PORT}`,
              jsonData: { prometheusType: 'Thanos', ...mtls },
              secureJsonData: mtlsSecure,
            },
          ]
        : []),
      {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: `https://${svcHost(env, PROMETHEUS.name)}:${PROMETHEUS_WEB_PORT}`,
        jsonData: { timeInterval: env.prometheus.scrapeInterval, prometheusType: 'Prometheus', ...caOnly },
        secureJsonData: caSecure,
      },
      {
        name: 'Alertmanager',
        uid: 'alertmanager',
        type: 'alertmanager',
        access: 'proxy',
        url: `https://${svcHost(env, ALERTMANAGER.name)}:${ALERTMANAGER_WEB_PORT}`,
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false, ...caOnly },
        secureJsonData: caSecure,
      },
    ],
  };
}

export function dashboardsChart(scope: Construct, { env, cluster }: ChartContext): Chart {
  const chart = new Chart(scope, 'dashboards');
  const ns = env.namespace;
  for (const d of dashboards()) {
    const name = `grafana-dashboard-${d.uid}`;
    addObject(
      chart,
      new ConfigMap({
        metadata: {
          name,
          namespace: ns,
          labels: { ...labelsFor({ name, component: 'dashboard' }), grafana_dashboard: '1' },
          annotations: { grafana_folder: 'GreenLang' },
        },
        data: { [`${d.uid}.json`]: JSON.stringify(d, null, 2) + '\n' },
      }),
    );
  }
  const hostsGlobal = env.features.enableThanos && env.thanos.global?.hostCluster === cluster.name;
  addObject(
    chart,
    new ConfigMap({
      metadata: {
        name: 'grafana-datasources',
        namespace: ns,
        labels: { ...labelsFor({ name: 'grafana-datasources', component: 'datasources' }), grafana_datasource: '1' },
      },
      data: { 'datasources.yaml': stringify(datasources(env, hostsGlobal)) },
    }),
  );
  return chart;
}
