/** Throwaway CAs and certificates made with openssl, for TLS tests, the preview and the control-plane tier. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed P-256 CA in `dir` (ca.crt, ca.key), valid for a day. */
export function makeCa(dir: string, commonName: string): void {
  openssl(dir, 'req', '-x509', ...P256, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', `/CN=${commonName}`);
}

/**
 * A P-256 leaf `<name>.crt`/`<name>.key` signed by the CA in `dir`, valid for a day: `subject` as an
 * openssl -subj string, `extensions` as openssl extension lines (SANs, key usages).
 */
export function issueCert(dir: string, name: string, subject: string, extensions: string): { cert: string; key: string } {
  openssl(dir, 'req', ...P256, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  );
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/**
 * Writes ca.crt, tls.crt, tls.key (cert-manager's Secret layout) for `dnsNames` into `dir` (a new
 * temp dir by default) and returns the dir. Several names, one certificate: one CA for a stack.
 */
export function makeCerts(dnsName: string | readonly string[], dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-certs-'))): string {
  const names = typeof dnsName === 'string' ? [dnsName] : dnsName;
  makeCa(dir, 'test-ca');
  issueCert(
    dir,
    'tls',
    `/CN=${names[0]}`,
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  return dir;
}
