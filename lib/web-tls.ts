/**
 * TLS on every HTTP endpoint of the platform. One cert-manager Certificate per namespace
 * (charts/web-tls.ts) with a fixed server name that every client verifies, since scrapers reach
 * pods by IP. What each endpoint adds on top:
 *   - Thanos query, query-frontend, global query (the query API): mutual TLS, a client needs a
 *     certificate from the same issuer;
 *   - PushGateway and node-exporter: basic auth;
 *   - Prometheus and Alertmanager: TLS only. The operator's own clients of them (Thanos sidecar,
 *     config reloader, kubelet probes) present no client certificate and cannot send basic auth,
 *     so access stays limited by the NetworkPolicies (charts/network-policies.ts, from the flows in charts/flows.ts).
 */
import type { EnvConfig } from '../envs/schema.js';

export const WEB_TLS_SECRET = 'monitoring-web-tls';
export const WEB_TLS_MOUNT = '/etc/monitoring/web-tls';
export const webTlsFiles = { cert: `${WEB_TLS_MOUNT}/tls.crt`, key: `${WEB_TLS_MOUNT}/tls.key`, ca: `${WEB_TLS_MOUNT}/ca.crt` } as const;
export const webTlsVolume = { name: 'web-tls', secret: { secretName: WEB_TLS_SECRET } };
export const webTlsMount = { name: 'web-tls', mountPath: WEB_TLS_MOUNT, readOnly: true };

/** The name in the certificate of a namespace, verified by every HTTPS client. */
export function webServerName(namespace: string): string {
  return `monitoring-web.${namespace}.svc`;
}

/** exporter-toolkit web config (Prometheus-family `--web.config.file`, Thanos `--http.config`). */
export function webConfig(opts: { mtls?: boolean; basicAuthUsers?: string } = {}): string {
  const lines = [
    'tls_server_config:',
    `  cert_file: ${webTlsFiles.cert}`,
    `  key_file: ${webTlsFiles.key}`,
    '  min_version: TLS12',
    ...(opts.mtls ? ['  client_auth_type: RequireAndVerifyClientCert', `  client_ca_file: ${webTlsFiles.ca}`] : []),
    ...(opts.basicAuthUsers ? ['basic_auth_users:', `  ${opts.basicAuthUsers}`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** SafeTLSConfig for a ServiceMonitor endpoint scraping an HTTPS target in `namespace`. */
export function scrapeTlsConfig(namespace: string, opts: { clientCert?: boolean } = {}) {
  const ref = (key: string) => ({ secret: { name: WEB_TLS_SECRET, key } });
  return {
    ca: ref('ca.crt'),
    serverName: webServerName(namespace),
    ...(opts.clientCert ? { cert: ref('tls.crt'), keySecret: { name: WEB_TLS_SECRET, key: 'tls.key' } } : {}),
  };
}

/** Client TLS for Prometheus-style http_config YAML (Thanos ruler query config, Alertmanager clients). */
export function clientTls(env: EnvConfig, opts: { clientCert?: boolean } = {}) {
  return {
    ca_file: webTlsFiles.ca,
    server_name: webServerName(env.namespace),
    ...(opts.clientCert ? { cert_file: webTlsFiles.cert, key_file: webTlsFiles.key } : {}),
  };
}

/** `spec.web.tlsConfig` of the operator's CRs (Prometheus, Alertmanager): server TLS from the namespace's secret. */
export function operatorWebTls() {
  return { cert: { secret: { name: WEB_TLS_SECRET, key: 'tls.crt' } }, keySecret: { name: WEB_TLS_SECRET, key: 'tls.key' } };
}
