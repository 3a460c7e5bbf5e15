/** `make synth` as a user runs it: the real CLI, a real exit code, and dist left alone on failure. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { hashTree, tempDir } from '../helpers/tree.js';

// As `make synth` runs it: main.ts bundled (tools/synth.mjs), on the Node that runs the tests.
const synth = (...args: string[]) => spawnSync(process.execPath, ['tools/synth.mjs', ...args], { cwd: repoRoot, encoding: 'utf8' });

describe('synth CLI', () => {
  const out = path.join(tempDir('cli'), 'dist');

  it('writes dist/<env>/<cluster>/<component>/manifests.yaml for every env and cluster', () => {
    const r = synth('--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['dev', 'prod', 'staging']);
    expect(fs.readdirSync(path.join(out, 'prod')).sort()).toEqual(['greenlang-prod-euw1', 'greenlang-prod-use1']);
    expect(fs.existsSync(path.join(out, 'prod/greenlang-prod-euw1/prometheus/manifests.yaml'))).toBe(true);
  });

  it('exits non-zero naming env and field, and leaves the previous dist untouched', () => {
    const before = hashTree(out);
    const r = synth('--out', out, '--envs', 'test/fixtures/invalid-envs.ts');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`synth failed; ${out}/ was left untouched`);
    expect(r.stderr).toContain('env "prod": prometheus.retentionSize: 50GB (50.0 GiB; Prometheus sizes are base-2) exceeds 85%');
    expect(hashTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  it.each([
    ['a file', () => path.join(repoRoot, 'README.md'), /^synth: --out .*README\.md: is not a directory; /],
    ['the checkout itself', () => repoRoot, /^synth: --out .*: (contains the current directory|\S+ was not written by synth); /],
  ])('refuses --out %s in one line, before rendering, and deletes nothing', (_what, target, message) => {
    const before = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const r = synth('--out', target());
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(repoRoot, '.git'))).toBe(true);
  });

  it('refuses an env module without envFiles in one line, writing nothing', () => {
    const dir = tempDir('no-envfiles');
    const mod = path.join(dir, 'envs.mjs');
    fs.writeFileSync(mod, 'export const somethingElse = 1;\n');
    const target = path.join(dir, 'dist');
    const r = synth('--out', target, '--envs', mod);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 1,
      stderr: `synth: ${mod} exports no \`envFiles\` array (the environments to render); nothing was written`,
    });
    expect(fs.existsSync(target)).toBe(false);
  });

  it("`cdk8s synth` (the card's CLI: main.ts through tsx, unbundled) writes the same tree quietly, also offline", () => {
    const viaCdk8s = path.join(tempDir('cdk8s-cli'), 'dist');
    const r = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'cdk8s'), ['synth', '--output', viaCdk8s], {
      cwd: repoRoot,
      encoding: 'utf8',
      // Makefile exports this; it turns off the npm upgrade check that prints a stack trace offline.
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(hashTree(viaCdk8s)).toEqual(hashTree(out));
  });
});
