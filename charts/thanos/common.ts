/** What every Thanos component shares: ports, the objstore Secret, the container shape, DNS names. */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { stringify } from 'yaml';
import type { EnvConfig } from '../../envs/schema.js';
import type { AwsConfig } from '../../envs/terraform.js';
import { imageOf, type Release } from '../../envs/versions.js';
import { scrapeTlsConfig, webConfig, webTlsMount, webTlsVolume } from '../../lib/web-tls.js';
import type { Construct } from 'constructs';
import { svcHost } from '../../lib/dns.js';
import { labelsFor, selectorLabels, type Workload } from '../../lib/labels.js';
import { configMap, httpProbes, restrictedContainer, restrictedPod, haPlacement, type Resources } from '../../lib/workload.js';

export const GRPC_PORT = 10901;
export const HTTP_PORT = 10902;
export const THANOS_PORTS = [
  { name: 'grpc', port: GRPC_PORT },
  { name: 'http', port: HTTP_PORT },
] as const;

/**
 * Thanos gRPC is mutual TLS everywhere: one cert-manager certificate (charts/thanos/tls.ts),
 * used as server certificate by sidecars, store gateways, ruler and query, and as client
 * certificate by the queries. Every server presents the same name, so clients verify it
 * whatever pod address DNS SRV gave them.
 */
export const GRPC_TLS_SECRET = 'thanos-grpc-tls';
export const GRPC_TLS_MOUNT = '/etc/thanos/grpc-tls';
export const grpcTlsVolume = { name: 'grpc-tls', secret: { secretName: GRPC_TLS_SECRET } };
export const grpcTlsMount = { name: 'grpc-tls', mountPath: GRPC_TLS_MOUNT, readOnly: true };

export function grpcServerName(env: EnvConfig): string {
  return `thanos-grpc.${env.namespace}.svc`;
}

export const grpcTlsFiles = {
  cert: `${GRPC_TLS_MOUNT}/tls.crt`,
  key: `${GRPC_TLS_MOUNT}/tls.key`,
  ca: `${GRPC_TLS_MOUNT}/ca.crt`,
} as const;

/** Server side: present the certificate and require clients signed by the same CA. */
export function grpcServerTlsArgs(): string[] {
  return [
    `--grpc-server-tls-cert=${grpcTlsFiles.cert}`,
    `--grpc-server-tls-key=${grpcTlsFiles.key}`,
    `--grpc-server-tls-client-ca=${grpcTlsFiles.ca}`,
  ];
}

/** Client side, for --endpoint.sd-config: mutual TLS, verifying the shared server name. */
export function grpcClientConfig(env: EnvConfig) {
  return {
    tls_config: { enabled: true, cert_file: grpcTlsFiles.cert, key_file: grpcTlsFiles.key, ca_file: grpcTlsFiles.ca },
    server_name: grpcServerName(env),
  };
}

export const OBJSTORE_SECRET = 'thanos-objstore';
export const OBJSTORE_KEY = 'objstore.yml';
export const OBJSTORE_MOUNT = '/etc/thanos/objstore';

/**
 * S3 with the AWS SDK's default credential chain, so the pod's IRSA web identity is used and no
 * key ever appears in dist (the PRD puts bucket and endpoint at the top level, which Thanos rejects).
 */
export function objstoreConfig(bucket: AwsConfig): string {
  return stringify({
    type: 'S3',
    config: {
      bucket: bucket.bucket,
      endpoint: `s3.${bucket.region}.amazonaws.com`,
      region: bucket.region,
      aws_sdk_auth: true,
    },
  });
}

/** DNS SRV address of every pod behind a headless Service's named port, as Thanos reads it. */
export function srv(env: EnvConfig, service: string, port = 'grpc'): string {
  return `dnssrv+_${port}._tcp.${svcHost(env, service)}`;
}

export function thanosContainer(opts: {
  /** The environment whose Thanos pin to run. */
  env: { readonly release: Release };
  name: string;
  args: readonly string[];
  resources: Resources;
  volumeMounts?: IContainer['volumeMounts'];
  grpc?: boolean;
  /** Serves the query API: mutual TLS on HTTP (queryApiTls), so probes are TCP. */
  queryApi?: boolean;
}): IContainer {
  return {
    name: opts.name,
    image: imageOf(opts.env, 'thanos'),
    args: [...opts.args],
    ports: [
      ...(opts.grpc === false ? [] : [{ name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' as const }]),
      { name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' as const },
    ],
    resources: opts.resources,
    // A kubelet probe has no client certificate; a TCP probe needs none.
    ...(opts.queryApi
      ? {
          livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 30, failureThreshold: 4 },
          readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10 },
        }
      : httpProbes('http')),
    securityContext: restrictedContainer(),
    volumeMounts: opts.volumeMounts ?? [],
  };
}

export const WEB_CONFIG_MOUNT = '/etc/thanos/web';

/**
 * Mutual TLS on the query API (query, query-frontend, global query): adds the web config's
 * ConfigMap (one per workload, so no two Applications own it); returns the flags and volumes.
 */
export function queryApiTls(scope: Construct, w: Workload, ns: string) {
  const name = `${w.name}-web-config`;
  configMap(scope, {
    name,
    namespace: ns,
    labels: labelsFor({ name, component: 'tls' }),
    data: { 'web-config.yml': webConfig({ mtls: true }) },
  });
  return {
    args: [`--http.config=${WEB_CONFIG_MOUNT}/web-config.yml`],
    volumes: [webTlsVolume, { name: 'web-config', configMap: { name } }],
    volumeMounts: [webTlsMount, { name: 'web-config', mountPath: WEB_CONFIG_MOUNT, readOnly: true }],
    monitorTls: scrapeTlsConfig(ns, { clientCert: true }),
  };
}

/** https URL of a query API Service. */
export function queryApiUrl(env: EnvConfig, service: string): string {
  return `https://${svcHost(env, service)}:${HTTP_PORT}`;
}

/** Common flags: listen on all interfaces in the pod, log as JSON. */
export function serverArgs(opts: { grpc?: boolean } = {}): string[] {
  return [
    '--log.level=info',
    '--log.format=json',
    `--http-address=0.0.0.0:${HTTP_PORT}`,
    ...(opts.grpc === false ? [] : [`--grpc-address=0.0.0.0:${GRPC_PORT}`]),
  ];
}

/**
 * Per-request limits of the StoreAPI servers that read raw data (sidecar, store gateway): a
 * Series call past them fails with an error naming the limit. The store gateway counts a
 * request's postings before it reads a series, so there it fails fast. The sidecar's limiter at
 * Thanos v0.42.5 lets the query's batched responses through uncounted (fixed upstream in
 * 573319fe0, not yet released; test/e2e/store-limits.test.ts shows it on the real binaries), and
 * even with the fix it would count only after reading: the sidecar sorts every series Prometheus
 * returns before sending one, and Prometheus has no series limit on a streamed remote read. It is
 * rendered anyway so the bound holds as soon as the pin moves (docs/benchmarks/load.md).
 */
export function storeLimitFlags(env: Pick<EnvConfig, 'thanos'>): { name: string; value: string }[] {
  const l = env.thanos.storeLimits;
  return [
    { name: 'store.limits.request-series', value: String(l.requestSeries) },
    { name: 'store.limits.request-samples', value: String(l.requestSamples) },
  ];
}

/** A stateless Thanos component (query, query-frontend, global query): spread, restricted, no API token. */
export function thanosDeployment(
  w: Workload,
  env: Pick<EnvConfig, 'namespace' | 'scheduling'>,
  replicas: number,
  container: IContainer,
  volumes?: IVolume[],
): Deployment {
  const ns = env.namespace;
  const labels = labelsFor(w);
  return new Deployment({
    metadata: { name: w.name, namespace: ns, labels },
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(w) },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: w.name,
          automountServiceAccountToken: false,
          securityContext: restrictedPod(),
          ...(replicas > 1 ? haPlacement(selectorLabels(w), env.scheduling.zoneSpread, { deployment: true }) : {}),
          containers: [container],
          ...(volumes ? { volumes } : {}),
        },
      },
    },
  });
}

/** The `data` volumeClaimTemplate of a stateful Thanos component. */
export function dataClaim(storage: { storageClassName: string; size: string }): Pick<IPersistentVolumeClaim, 'metadata' | 'spec'> {
  return {
    metadata: { name: 'data' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: storage.storageClassName,
      resources: { requests: { storage: storage.size } },
    },
  };
}
