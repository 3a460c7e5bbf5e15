/**
 * Promotion on fixtures: a copy of envs/versions.ts where staging still runs older pins, and a
 * dist synthesized from it. Promote must move exactly those pins, change only the target's
 * rendered files, summarize the change, and touch nothing when there is nothing to promote.
 */
import { synthesize } from '../../charts/index.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import { pinsOf, promotedPins, releaseOf, versions } from '../../envs/versions.js';
import { repoRoot } from '../../lib/paths.js';
import { promote, readPins, writePins, type PinMap } from '../../envs/promote.js';

import { writeTreeAtomically } from '../../lib/writer.js';
import { hashTree, tempDir } from '../helpers/tree.js';

const OLD = { prometheus: 'v3.13.1', thanos: 'v0.41.0' };

/** A checkout-like fixture: versions file + dist rendered from it. */
async function fixture(mutate: (pins: PinMap) => PinMap): Promise<{ versionsFile: string; outDir: string }> {
  const dir = tempDir('promote');
  const versionsFile = path.join(dir, 'versions.ts');
  fs.copyFileSync(path.join(repoRoot, 'envs/versions.ts'), versionsFile);
  const pins = mutate(readPins(versionsFile));
  writePins(versionsFile, pins);
  const outDir = path.join(dir, 'dist');
  writeTreeAtomically(outDir, await synthesize(resolveAll(envFiles, { pins })));
  return { versionsFile, outDir };
}

/** Staging one promotion behind dev in exactly two pins (whatever dev's pins are today). */
const staleStaging = (pins: PinMap): PinMap => ({
  ...pins,
  staging: {
    images: { ...pinsOf(releaseOf('dev')).images, prometheus: OLD.prometheus, thanos: OLD.thanos },
  },
});

const changedFiles = (a: Map<string, string>, b: Map<string, string>) =>
  [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();

describe('the promoted pins block in envs/versions.ts', () => {
  it('parses to exactly what the module exports (promote can read and rewrite it)', () => {
    expect(readPins(path.join(repoRoot, 'envs/versions.ts'))).toEqual(promotedPins);
  });

  it('rewriting it with the same pins leaves the file byte-identical', () => {
    const file = path.join(tempDir('pins'), 'versions.ts');
    fs.copyFileSync(path.join(repoRoot, 'envs/versions.ts'), file);
    const before = fs.readFileSync(file, 'utf8');
    writePins(file, readPins(file));
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('an environment without pins runs the newest (tested) pins; one with pins keeps its own', () => {
    expect(releaseOf('dev').images.prometheus.tag).toBe(versions.prometheus.tag);
    const r = releaseOf('staging', { staging: { images: { prometheus: OLD.prometheus } } });
    expect(r.images.prometheus).toEqual({ image: versions.prometheus.image, tag: OLD.prometheus });
    expect(r.images.thanos.tag).toBe(versions.thanos.tag);
  });
});

describe('npm run promote', () => {
  it('dev -> staging moves the stale pins, re-renders only dist/staging and summarizes it', async () => {
    const { versionsFile, outDir } = await fixture(staleStaging);
    const distBefore = hashTree(outDir);
    const fileBefore = fs.readFileSync(versionsFile, 'utf8');

    const result = await promote({ synthesize, from: 'dev', to: 'staging', envFiles, versionsFile, outDir });

    expect(result.noop).toBe(false);
    expect(result.pinChanges).toEqual([
      { kind: 'image', name: 'prometheus', from: OLD.prometheus, to: versions.prometheus.tag },
      { kind: 'image', name: 'thanos', from: OLD.thanos, to: versions.thanos.tag },
    ]);
    // The pins file: staging now equals dev's effective pins, prod untouched, rest of the file identical.
    const after = readPins(versionsFile);
    expect(releaseOf('staging', after)).toEqual(releaseOf('dev', after));
    expect(after.prod).toEqual(readPins(path.join(repoRoot, 'envs/versions.ts')).prod);
    const outside = (t: string) => t.replace(/\/\/ BEGIN promoted pins[\s\S]*\/\/ END promoted pins/, '');
    expect(outside(fs.readFileSync(versionsFile, 'utf8'))).toBe(outside(fileBefore));

    // dist: only staging files changed, and the new dist is what a fresh synth of the new pins gives.
    const changed = changedFiles(distBefore, hashTree(outDir));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((f) => f.startsWith('staging/'))).toBe(true);
    expect(hashTree(outDir)).toEqual(hashTree(await freshDist(after)));
    const prom = parseAllDocuments(fs.readFileSync(path.join(outDir, 'staging/greenlang-staging/prometheus/manifests.yaml'), 'utf8'))
      .map((d) => d.toJS())
      .find((m) => m.kind === 'Prometheus');
    expect(prom.spec.image).toBe(`${versions.prometheus.image}:${versions.prometheus.tag}`);
    expect(prom.spec.thanos.image).toBe(`${versions.thanos.image}:${versions.thanos.tag}`);

    // The summary a reviewer reads: the pin table, image moves and the changed objects.
    expect(result.markdown).toContain('## Promote dev → staging');
    expect(result.markdown).toContain(`| image | \`prometheus\` | ${OLD.prometheus} | ${versions.prometheus.tag} |`);
    expect(result.markdown).toContain(
      `${versions.prometheus.image}:${OLD.prometheus} | ${versions.prometheus.image}:${versions.prometheus.tag}`,
    );
    expect(result.markdown).toMatch(/`staging\/greenlang-staging\/prometheus`: changed Prometheus\/monitoring\/prometheus/);
    expect(result.diff.components.every((c) => c.component.startsWith('staging/'))).toBe(true);
    expect(result.diff.components.flatMap((c) => [...c.added, ...c.removed])).toEqual([]);
    // Version labels follow the pin too, so the Thanos query Deployment is among the changes.
    expect(result.diff.components.find((c) => c.component === 'staging/greenlang-staging/thanos-query')?.changed).toContain(
      'Deployment/monitoring/thanos-query',
    );

    // Promoting again: nothing to do and nothing written.
    const settled = hashTree(path.dirname(outDir));
    const again = await promote({ synthesize, from: 'dev', to: 'staging', envFiles, versionsFile, outDir });
    expect(again.noop).toBe(true);
    expect(again.markdown).toContain('Nothing to promote: staging already runs every pin dev runs.');
    expect(hashTree(path.dirname(outDir))).toEqual(settled);
  });

  it('a promotion that changes nothing writes nothing', async () => {
    const { versionsFile, outDir } = await fixture((p) => p);
    const before = hashTree(path.dirname(versionsFile));
    const result = await promote({ synthesize, from: 'staging', to: 'prod', envFiles, versionsFile, outDir });
    expect(result).toMatchObject({ noop: true, pinChanges: [], diff: { components: [], images: [] } });
    expect(hashTree(path.dirname(versionsFile))).toEqual(before);
  });

  it('--dry-run reports the change and writes nothing', async () => {
    const { versionsFile, outDir } = await fixture(staleStaging);
    const before = hashTree(path.dirname(versionsFile));
    const result = await promote({ synthesize, from: 'dev', to: 'staging', envFiles, versionsFile, outDir, dryRun: true });
    expect(result.pinChanges).toHaveLength(2);
    expect(hashTree(path.dirname(versionsFile))).toEqual(before);
  });

  it('refuses to skip or reverse the promotion order, and unknown environments', async () => {
    const { versionsFile, outDir } = await fixture((p) => p);
    const run = (from: string, to: string) => promote({ synthesize, from, to, envFiles, versionsFile, outDir });
    await expect(run('dev', 'prod')).rejects.toThrow(
      'cannot promote dev -> prod: promotion goes one step along dev -> staging -> prod (dev promotes to staging)',
    );
    await expect(run('prod', 'staging')).rejects.toThrow('(prod is the last environment); to roll back, revert the promotion pull request');
    await expect(run('dev', 'qa')).rejects.toThrow('unknown environment "qa"; environments in promotion order: dev -> staging -> prod');
  });

  it('an invalid pin in the source fails naming env and field, and writes nothing', async () => {
    const { versionsFile, outDir } = await fixture((p) => p);
    const p = readPins(versionsFile);
    writePins(versionsFile, { ...p, staging: { ...p.staging!, images: { ...p.staging!.images, thanos: 'v0.42 4' } } });
    const before = hashTree(path.dirname(versionsFile));
    await expect(promote({ synthesize, from: 'staging', to: 'prod', envFiles, versionsFile, outDir })).rejects.toThrow(
      'env "staging": release.images.thanos.tag: must be an image tag such as v3.14.0 (pins live in envs/versions.ts)',
    );
    expect(hashTree(path.dirname(versionsFile))).toEqual(before);
  });
});

describe('promote CLI', () => {
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const cli = (...args: string[]) => spawnSync(tsx, ['cli/promote.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

  it('prints the summary, writes it to --summary, and exits 0; a refused promotion exits 1', async () => {
    const { versionsFile, outDir } = await fixture(staleStaging);
    const summary = path.join(path.dirname(outDir), 'summary.md');
    const ok = cli('dev', 'staging', '--versions-file', versionsFile, '--out', outDir, '--summary', summary);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('## Promote dev → staging');
    expect(fs.readFileSync(summary, 'utf8')).toBe(ok.stdout);

    const refused = cli('staging', 'dev', '--versions-file', versionsFile, '--out', outDir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('promote staging -> dev failed; nothing was written:');
    expect(cli('dev').status).toBe(2);
  });

  it.each([
    ['in a directory that does not exist', (d: string) => path.join(d, 'missing', 'summary.md')],
    ['that is a directory', (d: string) => d],
  ])('refuses a --summary %s before touching envs/versions.ts or dist', async (_what, where) => {
    const { versionsFile, outDir } = await fixture(staleStaging);
    const before = hashTree(path.dirname(versionsFile));
    const r = cli('dev', 'staging', '--versions-file', versionsFile, '--out', outDir, '--summary', where(path.dirname(outDir)));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^promote dev -> staging: --summary .*: (cannot write into|exists and is not a regular file).*nothing was written/,
    );
    expect(hashTree(path.dirname(versionsFile))).toEqual(before);
  });
});

async function freshDist(pins: PinMap): Promise<string> {
  const out = path.join(tempDir('promote-fresh'), 'dist');
  writeTreeAtomically(out, await synthesize(resolveAll(envFiles, { pins })));
  return out;
}
