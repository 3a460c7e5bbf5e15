/**
 * HTTPS to loopback addresses whose certificates name a service (as in the cluster, where pods
 * are reached by IP): verify against the platform CA and the given name, present a client
 * certificate where the endpoint requires one. Node's fetch cannot take per-request TLS options.
 */
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

export interface ClientTls {
  /** Directory with ca.crt, tls.crt, tls.key (cert-manager's Secret layout). */
  readonly certDir: string;
  /** Name the server certificate must carry. */
  readonly serverName: string;
  /** Present tls.crt/tls.key as client certificate. */
  readonly clientCert?: boolean;
}

export interface Response {
  readonly status: number;
  readonly body: string;
}

// Kept-alive connections (as Grafana and other clients keep them); the TLS options are part of
// Node's connection key, so different client identities never share a connection.
const keepAlive = new https.Agent({ keepAlive: true, maxSockets: Infinity });

export function request(
  url: string,
  t: ClientTls,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; reuse?: boolean } = {},
): Promise<Response> {
  const file = (f: string) => fs.readFileSync(`${t.certDir}/${f}`);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca: file('ca.crt'),
        ...(t.clientCert ? { cert: file('tls.crt'), key: file('tls.key') } : {}),
        servername: t.serverName,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(t.serverName, cert),
        timeout: opts.timeoutMs ?? 10_000,
        agent: opts.reuse ? keepAlive : false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

export async function getJson(url: string, t: ClientTls, headers?: Record<string, string>): Promise<any> {
  const res = await request(url, t, { headers });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body);
}
