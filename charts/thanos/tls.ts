/** The certificate behind Thanos gRPC mutual TLS (see GRPC_TLS_SECRET in common.ts), issued and rotated by cert-manager. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { addObject } from '../../lib/objects.js';
import type { ChartContext } from '../context.js';
import { tlsCertificate } from '../web-tls.js';
import { GRPC_TLS_SECRET, grpcServerName } from './common.js';

export function thanosTlsChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'thanos-tls');
  const name = grpcServerName(env);
  addObject(
    chart,
    tlsCertificate(env, { name: 'thanos-grpc', namespace: env.namespace, secretName: GRPC_TLS_SECRET, commonName: name, dnsNames: [name] }),
  );
  return chart;
}
