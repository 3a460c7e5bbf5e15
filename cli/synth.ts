/** resolve -> synthesize -> write atomically: the whole of `make synth`, callable from tests. */
import { resolveAll, type ResolveOptions } from '../envs/index.js';
import type { EnvOverrides } from '../envs/schema.js';
import type { RenderedTree, Synthesize } from '../lib/synth.js';
import { assertOwnedOutDir, writeTreeAtomically } from '../lib/writer.js';

export async function runSynth(
  synthesize: Synthesize,
  files: readonly EnvOverrides[],
  outDir: string,
  opts: ResolveOptions = {},
): Promise<RenderedTree> {
  // The destination is checked before anything is rendered: a wrong --out costs nothing.
  assertOwnedOutDir(outDir);
  const tree = await synthesize(resolveAll(files, opts));
  writeTreeAtomically(outDir, tree);
  return tree;
}
