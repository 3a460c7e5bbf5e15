/**
 * Markdown summary of how dist/ differs between a git ref and the working tree:
 *   npx tsx tools/dist-diff.ts --base origin/main
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { diffTrees, toMarkdown } from '../lib/dist-diff.js';
import { treeOnDisk } from '../lib/manifests.js';
import type { RenderedTree } from '../lib/synth.js';
import { repoRoot } from '../lib/paths.js';

export function treeAtRef(ref: string): RenderedTree {
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', ref, 'dist'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.yaml'));
  return new Map(
    files.map((f) => [
      f.slice('dist/'.length),
      execFileSync('git', ['show', `${ref}:${f}`], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28 }),
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { base: { type: 'string', default: 'origin/main' } } });
  process.stdout.write(
    toMarkdown(diffTrees(treeAtRef(values.base!), treeOnDisk(path.join(repoRoot, 'dist'))), `Rendered change against ${values.base}`),
  );
}
