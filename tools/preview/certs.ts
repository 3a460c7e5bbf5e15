/** A throwaway CA and one leaf certificate (server and client auth) made with openssl, for TLS tests and the preview. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

/**
 * Writes ca.crt, tls.crt, tls.key (cert-manager's Secret layout) for `dnsNames` into `dir` (a new
 * temp dir by default) and returns the dir. Several names, one certificate: one CA for a stack.
 */
export function makeCerts(dnsName: string | readonly string[], dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-certs-'))): string {
  const names = typeof dnsName === 'string' ? [dnsName] : dnsName;
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  );
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'tls.key',
    '-out',
    'tls.csr',
    '-subj',
    `/CN=${names[0]}`,
  );
  fs.writeFileSync(
    path.join(dir, 'ext.cnf'),
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  run(
    'x509',
    '-req',
    '-in',
    'tls.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'tls.crt',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
  return dir;
}
