/**
 * Dashboards and datasources as ConfigMaps in the monitoring namespace: the platform's Grafana
 * mounts them; a Grafana of your own finds them by the `grafana_dashboard` / `grafana_datasource`
 * labels. The platform's dashboards and the team's (dashboards/ in this repository). The JSON comes from the Grafana Foundation
 * SDK builders; datasource uids are fixed so dashboards can reference them.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { EnvConfig } from '../../envs/schema.js';
import { labelsFor } from '../../lib/labels.js';
import path from 'node:path';
import { configMap } from '../../lib/workload.js';
import { checkTeamDashboards, readTeamDashboards, TeamDashboardError } from './team.js';

import type { ChartContext } from '../context.js';

import { svcHost } from '../../lib/dns.js';
import { HTTP_PORT } from '../thanos/common.js';

import { batchJobsDashboard } from './batch-jobs.js';
import { PROMETHEUS_DATASOURCE, THANOS_DATASOURCE } from './common.js';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import type { ClusterPlan } from '../plan.js';
import { prometheusHealthDashboard } from './prometheus-health.js';
import { sloDashboard } from './slo.js';
import { greenlangServicesDashboard } from './greenlang-services.js';
import type { Slo } from '../rules/slo.js';
import { ALERTMANAGER, ALERTMANAGER_WEB_PORT, PROMETHEUS, PROMETHEUS_WEB_PORT, QUERY_FRONTEND, QUERY_GLOBAL } from '../workloads.js';

/**
 * What a Grafana reads these by: the platform's own Grafana (charts/grafana.ts) mounts them by
 * these names; another Grafana's sidecars watch the labels (docs/grafana.md).
 */
export const DASHBOARD_LABEL = 'grafana_dashboard';
export const FOLDER_ANNOTATION = 'grafana_folder';
export const PLATFORM_FOLDER = 'GreenLang';
export const DATASOURCES_CONFIGMAP = 'grafana-datasources';
export const DATASOURCES_FILE = 'datasources.yaml';

/** A DNS-label piece of a file or folder name. */
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** Every dashboard, with the plan flag of what it shows (rendered only where that runs). */
const catalogue: readonly { build: (slos: readonly Slo[]) => { uid?: string }; requires?: 'pushgateway' }[] = [
  { build: prometheusHealthDashboard },
  { build: batchJobsDashboard, requires: 'pushgateway' },
  { build: sloDashboard },
  { build: greenlangServicesDashboard },
];

/** The dashboards of one cluster (the SLO dashboard with the SLOs of what runs there), querying its primary datasource. */
export function dashboardsFor(plan: ClusterPlan, slos: readonly Slo[]) {
  return catalogue.filter((d) => !d.requires || plan[d.requires]).map((d) => withDatasource(d.build(slos), primaryDatasource(plan)));
}

/** The datasource the dashboards query: Thanos (deduplicated, long range) when it runs, else Prometheus. */
export function primaryDatasource(plan: ClusterPlan): DataSourceRef {
  return plan.thanos ? THANOS_DATASOURCE : PROMETHEUS_DATASOURCE;
}

/** A built dashboard with every reference to the Thanos datasource pointed at `ds` instead. */
export function withDatasource<T>(dashboard: T, ds: DataSourceRef): T {
  if (ds.uid === THANOS_DATASOURCE.uid) return dashboard;
  return JSON.parse(JSON.stringify(dashboard), (_key, v: unknown) =>
    v && typeof v === 'object' && (v as DataSourceRef).uid === THANOS_DATASOURCE.uid && (v as DataSourceRef).type === THANOS_DATASOURCE.type
      ? { ...ds }
      : v,
  ) as T;
}

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

export function datasources(env: EnvConfig, plan: ClusterPlan) {
  const thanos = plan.thanos
    ? [
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
        ...(plan.globalQuery
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
      ]
    : [];
  return {
    apiVersion: 1,
    datasources: [
      ...thanos,
      {
        name: 'Prometheus',
        uid: PROMETHEUS_DATASOURCE.uid,
        ...(plan.thanos ? {} : { isDefault: true }),
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

export function dashboardsChart(scope: Construct, { env, plan }: ChartContext, slos: readonly Slo[]): Chart {
  const chart = new Chart(scope, 'dashboards');
  const ns = env.namespace;
  for (const d of dashboardsFor(plan, slos)) {
    const name = `grafana-dashboard-${d.uid}`;
    configMap(chart, {
      name,
      namespace: ns,
      labels: { ...labelsFor({ name, component: 'dashboard' }), [DASHBOARD_LABEL]: '1' },
      annotations: { [FOLDER_ANNOTATION]: PLATFORM_FOLDER },
      data: { [`${d.uid}.json`]: JSON.stringify(d, null, 2) + '\n' },
    });
  }
  // The team's own dashboards (dashboards/<folder>/*.json), checked against what is provisioned here.
  const provisioned = datasources(env, plan).datasources.map((ds) => ({ uid: ds.uid!, name: ds.name }));
  const platformUids = new Set(dashboardsFor(plan, slos).map((d) => d.uid!));
  const names = new Map<string, string>();
  for (const d of checkTeamDashboards(readTeamDashboards(), provisioned, platformUids)) {
    const name = `grafana-dashboard-${slug(d.folder)}-${slug(path.posix.basename(d.file, '.json'))}`.slice(0, 253);
    const other = names.get(name);
    if (other)
      throw new TeamDashboardError([{ file: d.file, field: '(file name)', message: `provisions as ${name}, like ${other}: rename one` }]);
    names.set(name, d.file);
    configMap(chart, {
      name,
      namespace: ns,
      labels: { ...labelsFor({ name, component: 'dashboard' }), [DASHBOARD_LABEL]: '1' },
      annotations: { [FOLDER_ANNOTATION]: d.folder, 'greenlang.io/source': d.file },
      data: { [`${d.uid}.json`]: d.json },
    });
  }
  configMap(chart, {
    name: DATASOURCES_CONFIGMAP,
    namespace: ns,
    labels: { ...labelsFor({ name: DATASOURCES_CONFIGMAP, component: 'datasources' }), grafana_datasource: '1' },
    data: { [DATASOURCES_FILE]: stringify(datasources(env, plan)) },
  });
  return chart;
}
