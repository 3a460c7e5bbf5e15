/** The certificates behind HTTPS on every endpoint (lib/web-tls.ts), one per namespace, issued and rotated by cert-manager. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import type { EnvConfig } from '../envs/schema.js';
import { svcHost } from '../lib/dns.js';
import { labelsFor } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import { WEB_TLS_SECRET, webServerName } from '../lib/web-tls.js';
import type { ChartContext } from './context.js';

function certificate(env: EnvConfig, namespace: string, extraNames: readonly string[] = []): Certificate {
  return new Certificate({
    metadata: { name: 'monitoring-web', namespace, labels: labelsFor({ name: 'monitoring-web', component: 'tls' }) },
    spec: {
      secretName: WEB_TLS_SECRET,
      commonName: webServerName(namespace),
      dnsNames: [webServerName(namespace), ...extraNames],
      // Server auth for the endpoints, client auth for the clients of the mutual-TLS query API.
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
      duration: '2160h',
      renewBefore: '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { kind: env.tls.issuer.kind, name: env.tls.issuer.name, group: 'cert-manager.io' },
    },
  });
}

export function webTlsChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'web-tls');
  // Scrapers reach pods by IP and verify the fixed name; other clients use Service names
  // (covered by the namespace wildcards) and PushGateway's per-pod names (the janitor).
  const names = (ns: string) => [`*.${ns}.svc`, `*.${ns}.svc.cluster.local`];
  addObject(chart, certificate(env, env.namespace, [...names(env.namespace), `*.${svcHost(env, 'pushgateway')}`]));
  addObject(chart, certificate(env, env.hostNamespace, names(env.hostNamespace)));
  return chart;
}
