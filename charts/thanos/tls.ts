/** The certificate behind Thanos gRPC mutual TLS (see GRPC_TLS_SECRET in common.ts), issued and rotated by cert-manager. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { labelsFor } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import type { ChartContext } from '../context.js';
import { GRPC_TLS_SECRET, grpcServerName } from './common.js';

export function thanosTlsChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'thanos-tls');
  addObject(
    chart,
    new Certificate({
      metadata: { name: 'thanos-grpc', namespace: env.namespace, labels: labelsFor({ name: 'thanos-grpc', component: 'tls' }) },
      spec: {
        secretName: GRPC_TLS_SECRET,
        commonName: grpcServerName(env),
        dnsNames: [grpcServerName(env)],
        usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef: { kind: env.tls.issuer.kind, name: env.tls.issuer.name, group: 'cert-manager.io' },
      },
    }),
  );
  return chart;
}
