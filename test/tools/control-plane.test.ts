/** The stand-ins for the controllers the local API server does not run: cert-manager and External Secrets. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../lib/synth.js';
import { certificateUsages, renderSecretTemplate, standInSecrets } from '../../tools/control-plane.js';

const certificate = (name: string, dnsNames: string[], usages?: string[]): Manifest =>
  ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: 'monitoring' },
    spec: { secretName: `${name}-tls`, commonName: dnsNames[0], dnsNames, usages },
  }) as Manifest;

describe('standInSecrets', () => {
  it("issues every Certificate's Secret from one CA with exactly its DNS names and usages", () => {
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ca-test-'));
    const secrets = standInSecrets(
      [
        certificate('web', ['web.monitoring.svc'], ['server auth', 'client auth']),
        certificate('grpc', ['grpc.monitoring.svc'], ['server auth']),
      ],
      { caDir },
    ) as any[];
    expect(secrets.map((s) => s.metadata.name)).toEqual(['web-tls', 'grpc-tls']);
    expect(secrets[0].stringData['ca.crt']).toBe(secrets[1].stringData['ca.crt']);
    const text = (pem: string) => execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
    const web = text(secrets[0].stringData['tls.crt']);
    expect(web).toMatch(/DNS:web\.monitoring\.svc/);
    expect(web).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    const grpc = text(secrets[1].stringData['tls.crt']);
    expect(grpc).not.toMatch(/Client Authentication/);
    // Signed by that CA.
    fs.writeFileSync(path.join(caDir, 'leaf.crt'), secrets[1].stringData['tls.crt']);
    expect(
      execFileSync('openssl', ['verify', '-CAfile', path.join(caDir, 'ca.crt'), path.join(caDir, 'leaf.crt')], { encoding: 'utf8' }),
    ).toMatch(/OK/);
    fs.rmSync(caDir, { recursive: true, force: true });
  });

  it("gives an ExternalSecret's target the rendered template keys, from the values it fetches", () => {
    const es = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'auth', namespace: 'monitoring' },
      spec: {
        data: [{ secretKey: 'username' }, { secretKey: 'password-bcrypt' }],
        target: { name: 'auth', template: { data: { 'web.yml': 'users:\n  {{ .username }}: {{ index . "password-bcrypt" }}\n' } } },
      },
    } as unknown as Manifest;
    const [s] = standInSecrets([es], { secretValue: (_e, k) => ({ username: 'u', 'password-bcrypt': '$2b$x' })[k] }) as any[];
    expect(s.stringData).toEqual({ 'web.yml': 'users:\n  u: $2b$x\n' });
  });
});

describe('renderSecretTemplate and certificateUsages', () => {
  it('refuses template forms and usages the stand-ins do not implement', () => {
    expect(() => renderSecretTemplate('{{ .a | b64enc }}', { a: 'x' }, 'es/k')).toThrow(/not supported/);
    expect(() => renderSecretTemplate('{{ .missing }}', {}, 'es/k')).toThrow(/does not fetch/);
    expect(() => certificateUsages(['code signing'])).toThrow(/code signing/);
    expect(certificateUsages()).toBe('keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  });
});
