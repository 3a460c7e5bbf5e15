/** The certificates behind HTTPS on every endpoint (lib/web-tls.ts), one per namespace, issued and rotated by cert-manager. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  CertificateSpecUsages,
} from '../imports/cert-manager.io.js';
import type { EnvConfig } from '../envs/schema.js';
import { svcHost } from '../lib/dns.js';
import { labelsFor } from '../lib/labels.js';
import { addObject, typed, type TypedObject } from '../lib/objects.js';
import { WEB_TLS_SECRET, webServerName } from '../lib/web-tls.js';
import type { ChartContext } from './context.js';
import { type Component, WAVES } from './component.js';

/**
 * A cert-manager Certificate from the environment's issuer, for both server and client auth
 * (the endpoints serve it and their clients present it for mutual TLS): ECDSA P-256, 90 days,
 * renewed 15 days ahead, a new key on every renewal.
 */
export function tlsCertificate(
  env: EnvConfig,
  c: { name: string; namespace: string; secretName: string; commonName: string; dnsNames: readonly string[] },
): TypedObject {
  return typed(Certificate, {
    metadata: { name: c.name, namespace: c.namespace, labels: labelsFor({ name: c.name, component: 'tls' }) },
    spec: {
      secretName: c.secretName,
      commonName: c.commonName,
      dnsNames: [...c.dnsNames],
      usages: [
        CertificateSpecUsages.SERVER_AUTH,
        CertificateSpecUsages.CLIENT_AUTH,
        CertificateSpecUsages.DIGITAL_SIGNATURE,
        CertificateSpecUsages.KEY_ENCIPHERMENT,
      ],
      duration: '2160h',
      renewBefore: '360h',
      privateKey: {
        algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
        size: 256,
        rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
      },
      issuerRef: { kind: env.tls.issuer.kind, name: env.tls.issuer.name, group: 'cert-manager.io' },
    },
  });
}

/** The web certificate of one namespace: the fixed scrape name plus `extraNames`. */
function certificate(env: EnvConfig, namespace: string, extraNames: readonly string[] = []): TypedObject {
  const name = webServerName(namespace);
  return tlsCertificate(env, {
    name: 'monitoring-web',
    namespace,
    secretName: WEB_TLS_SECRET,
    commonName: name,
    dnsNames: [name, ...extraNames],
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

export const webTlsComponent: Component = { name: 'web-tls', render: webTlsChart, wave: WAVES.prerequisites };
