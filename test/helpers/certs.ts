/** A throwaway CA and one leaf certificate (server and client auth) made with openssl, for TLS tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tree.js';

/** Writes ca.crt, tls.crt, tls.key (cert-manager's Secret layout) for `dnsName`; returns the dir. */
export function makeCerts(dnsName: string): string {
  const dir = tempDir('certs');
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${dnsName}`);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${dnsName}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext.cnf');
  return dir;
}
