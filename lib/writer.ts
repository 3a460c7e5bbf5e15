/**
 * Atomic replacement of dist/: everything is written to a sibling temp directory first and
 * swapped in with renames, so a failed or interrupted synth never leaves a half-written dist.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RenderedTree } from './synth.js';

export function writeTreeAtomically(outDir: string, tree: RenderedTree): void {
  const abs = path.resolve(outDir);
  const tmp = `${abs}.tmp-${process.pid}`;
  const old = `${abs}.old-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    for (const [rel, content] of tree) {
      const file = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const hadPrevious = fs.existsSync(abs);
  if (hadPrevious) fs.renameSync(abs, old);
  try {
    fs.renameSync(tmp, abs);
  } catch (err) {
    if (hadPrevious) fs.renameSync(old, abs);
    throw err;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
