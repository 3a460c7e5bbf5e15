/** The certificate behind Thanos gRPC mutual TLS (see GRPC_TLS_SECRET in common.ts), issued and rotated by cert-manager. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { addObject } from '../../lib/objects.js';
import type { ChartContext } from '../context.js';
import { queryEndpoint } from '../plan.js';
import { tlsCertificate } from '../web-tls.js';
import { GRPC_TLS_SECRET, grpcServerName } from './common.js';
import { type Component, WAVES, whenThanos } from '../component.js';

export function thanosTlsChart(scope: Construct, { env, cluster, plan }: ChartContext): Chart {
  const chart = new Chart(scope, 'thanos-tls');
  const name = grpcServerName(env);
  // Dialled from other clusters, the query also answers to its load balancer's name (clients verify the shared name).
  const remote = plan.queryDialledFrom.length > 0 ? queryEndpoint(env, cluster.name)?.host : undefined;
  addObject(
    chart,
    tlsCertificate(env, {
      name: 'thanos-grpc',
      namespace: env.namespace,
      secretName: GRPC_TLS_SECRET,
      commonName: name,
      dnsNames: remote ? [name, remote] : [name],
    }),
  );
  return chart;
}

export const thanosTlsComponent: Component = { name: 'thanos-tls', render: thanosTlsChart, runs: whenThanos, wave: WAVES.prerequisites };
