/**
 * Thanos query-frontend: splits range queries by `splitInterval`, retries, and caches each
 * piece in memory (PRD 7.2). Only range queries are split and cached; instant queries pass through.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { EnvConfig } from '../../envs/schema.js';
import { versioned } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { pdb, service, serviceAccount, serviceMonitor } from '../../lib/workload.js';
import { clientTls } from '../../lib/web-tls.js';
import type { ChartContext } from '../context.js';
import { HTTP_PORT, serverArgs, thanosContainer, thanosDeployment, queryApiTls, queryApiUrl } from './common.js';

import { selectorLabels } from '../../lib/labels.js';

import { GRAFANA, tcp, type Flow } from '../flows.js';
import { ALERT_DIGEST, PROMETHEUS, QUERY, QUERY_FRONTEND } from '../workloads.js';
import { type Component, own, whenThanos } from '../component.js';

export function queryFrontendArgs(env: EnvConfig): string[] {
  const f = env.thanos.queryFrontend;
  const cache = stringify(
    { type: 'IN-MEMORY', config: { max_size: f.cache.maxSize, max_size_items: f.cache.maxSizeItems, validity: f.cache.validity } },
    { lineWidth: 0 },
  );
  return [
    'query-frontend',
    ...serverArgs({ grpc: false }),
    // Thanos query requires a client certificate (mutual TLS); the frontend presents its own.
    `--query-frontend.downstream-url=${queryApiUrl(env, QUERY.name)}`,
    `--query-frontend.downstream-tripper-config=${stringify({ tls_config: clientTls(env, { clientCert: true }) }, { lineWidth: 0 })}`,
    `--query-range.split-interval=${f.splitInterval}`,
    `--query-range.max-retries-per-request=${f.maxRetries}`,
    `--query-range.response-cache-config=${cache}`,
    `--labels.response-cache-config=${cache}`,
    '--query-frontend.compress-responses',
    '--query-frontend.log-queries-longer-than=10s',
  ];
}

export function thanosQueryFrontendChart(scope: Construct, { env }: ChartContext): Chart {
  const queryfrontendW = versioned(QUERY_FRONTEND, env);
  const chart = new Chart(scope, 'thanos-query-frontend');
  const ns = env.namespace;
  const f = env.thanos.queryFrontend;

  serviceAccount(chart, queryfrontendW, ns);
  const api = queryApiTls(chart, queryfrontendW, ns);
  addObject(
    chart,
    thanosDeployment(
      queryfrontendW,
      env,
      f.replicas,
      thanosContainer({
        env,
        name: 'thanos-query-frontend',
        args: [...queryFrontendArgs(env), ...api.args],
        resources: f.resources,
        grpc: false,
        volumeMounts: api.volumeMounts,
        queryApi: true,
      }),
      api.volumes,
    ),
  );
  addObject(chart, service(queryfrontendW, ns, [{ name: 'http', port: HTTP_PORT }]));
  if (f.replicas > 1) addObject(chart, pdb(queryfrontendW, ns));
  addObject(chart, serviceMonitor(queryfrontendW, ns, 'http', env.prometheus.scrapeInterval, api.monitorTls));
  return chart;
}

/** Who may query through the frontend: Grafana, the digest, and Prometheus for its metrics. */
export function queryFrontendIngress(): Flow[] {
  return [
    {
      name: 'thanos-query-frontend-http',
      to: selectorLabels(QUERY_FRONTEND),
      from: [GRAFANA, ALERT_DIGEST, PROMETHEUS],
      ports: tcp(HTTP_PORT),
    },
  ];
}

export const thanosQueryFrontendComponent: Component = {
  name: 'thanos-query-frontend',
  render: thanosQueryFrontendChart,
  runs: whenThanos,
  pods: [own(QUERY_FRONTEND)],
  ingress: queryFrontendIngress,
};
