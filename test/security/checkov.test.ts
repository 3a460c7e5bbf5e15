/**
 * Checkov (pinned, policy/requirements.txt) over dist/ and terraform/: zero findings beyond the
 * ones accepted, each with its reason, in policy/checkov-skips.yaml.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../lib/paths.js';

interface Skip {
  check: string;
  resource?: string;
  reason: string;
}
interface Failure {
  check_id: string;
  resource: string;
  file_path: string;
}

const skips = parse(fs.readFileSync(path.join(repoRoot, 'policy/checkov-skips.yaml'), 'utf8')) as Skip[];
const checkov = path.join(repoRoot, 'policy/.venv/bin/checkov');

function scan(dir: string, framework: string): Failure[] {
  const r = spawnSync(checkov, ['-d', dir, '--framework', framework, '--quiet', '--compact', '-o', 'json', '--skip-download'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' },
  });
  if (r.error) throw r.error;
  const out = JSON.parse(r.stdout);
  const reports = Array.isArray(out) ? out : [out];
  if (reports.every((x: any) => !x.results)) throw new Error(`checkov produced no results for ${dir}: ${r.stderr.slice(-2000)}`);
  return reports.flatMap((x: any) => x.results?.failed_checks ?? []);
}

const accepted = (f: Failure) => skips.find((s) => s.check === f.check_id && (!s.resource || s.resource === f.resource));

describe('Checkov', () => {
  const failures = [...scan('dist', 'kubernetes'), ...scan('terraform', 'terraform')];

  it('finds nothing that is not accepted with a reason', () => {
    expect(failures.filter((f) => !accepted(f)).map((f) => `${f.check_id} ${f.resource} (${f.file_path})`)).toEqual([]);
  });

  it('every accepted finding still occurs and says why', () => {
    for (const s of skips) {
      expect({ skip: `${s.check} ${s.resource ?? '*'}`, used: failures.some((f) => accepted(f) === s) }).toEqual({
        skip: `${s.check} ${s.resource ?? '*'}`,
        used: true,
      });
      expect(s.reason.length).toBeGreaterThan(40);
    }
  });

  it('actually scanned: the kubernetes and terraform checks ran over our objects', () => {
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((f) => (f.check_id.startsWith('CKV_K8S') ? 'k8s' : 'tf')))).toEqual(new Set(['k8s', 'tf']));
  });
});
