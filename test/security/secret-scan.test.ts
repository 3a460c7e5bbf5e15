/**
 * No secret value in dist, terraform or anywhere in the repository: high-confidence credential
 * patterns over every tracked file, and a stricter look at every Secret we render (they may
 * carry configuration only; credentials come from ExternalSecrets).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../lib/paths.js';

const PATTERNS: Record<string, RegExp> = {
  'AWS access key id': /\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
  'AWS secret access key assignment': /aws_secret_access_key\s*[:=]\s*\S{20,}/i,
  'private key': /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  'Slack webhook': /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/,
  'Slack token': /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  'GitHub token': /\bgh[pousr]_[A-Za-z0-9]{36}\b/,
  'bcrypt hash': /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/,
  'PagerDuty integration key assignment': /(routing|service|integration)_key\s*[:=]\s*["']?[0-9a-f]{32}\b/i,
};

export function findSecrets(text: string): string[] {
  return Object.entries(PATTERNS)
    .filter(([, re]) => re.test(text))
    .map(([name]) => name);
}

const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && fs.existsSync(path.join(repoRoot, f)) && fs.statSync(path.join(repoRoot, f)).isFile())
  .filter((f) => !f.startsWith('node_modules/') && !f.endsWith('package-lock.json'));

describe('secret scan', () => {
  it('the scanner recognises what it looks for', () => {
    // Samples are assembled at run time so this file does not itself contain them.
    const j = (...parts: string[]) => parts.join('');
    expect(findSecrets(j('key: AK', 'IAABCDEFGHIJKLMNOP'))).toEqual(['AWS access key id']);
    expect(findSecrets(j('url: https://hooks.slack', '.com/services/T0001/B0002/abcDEF123'))).toEqual(['Slack webhook']);
    expect(findSecrets(j('-----BEGIN RSA PRIV', 'ATE KEY-----'))).toEqual(['private key']);
    expect(findSecrets(j('routing_key: ', '0123456789abcdef', '0123456789abcdef'))).toEqual(['PagerDuty integration key assignment']);
  });

  it('finds no credential in any file of the repository', () => {
    expect(tracked.length).toBeGreaterThan(100);
    const hits = tracked.flatMap((f) => findSecrets(fs.readFileSync(path.join(repoRoot, f), 'utf8')).map((what) => `${f}: ${what}`));
    expect(hits).toEqual([]);
  });

  it('every Secret in dist carries configuration only', () => {
    const ALLOWED_KEYS: Record<string, string> = {
      'objstore.yml': 'bucket, region and endpoint; IRSA supplies the credentials',
      'alertmanager.yaml': 'routing; credentials are *_file paths',
      'alertmanagers.yaml': 'Alertmanager endpoints for the Thanos ruler',
      'query.yaml': 'Thanos query endpoints for the ruler; the client certificate is a file path',
    };
    const files = tracked.filter((f) => f.startsWith('dist/') && f.endsWith('.yaml'));
    const secrets = files.flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(repoRoot, f), 'utf8'))
        .map((d) => d.toJS())
        .filter((m) => m?.kind === 'Secret')
        .map((m) => ({ f, m })),
    );
    expect(secrets.length).toBeGreaterThan(0);
    for (const { f, m } of secrets) {
      expect(m.data).toBeUndefined();
      for (const [key, value] of Object.entries(m.stringData as Record<string, string>)) {
        expect({ f, key, allowed: key in ALLOWED_KEYS }).toEqual({ f, key, allowed: true });
        expect(value).not.toMatch(/access_key|secret_key|session_token|password|api_url:|routing_key:|service_key:/);
      }
    }
  });
});
