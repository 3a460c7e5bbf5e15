/** resolve -> synthesize -> write atomically: the whole of `make synth`, callable from tests. */
import { resolveAll, type ResolveOptions } from '../envs/index.js';
import type { EnvOverrides } from '../envs/schema.js';
import type { RenderedTree, Synthesize } from './synth.js';
import { writeTreeAtomically } from './writer.js';

export async function runSynth(
  synthesize: Synthesize,
  files: readonly EnvOverrides[],
  outDir: string,
  opts: ResolveOptions = {},
): Promise<RenderedTree> {
  const tree = await synthesize(resolveAll(files, opts));
  writeTreeAtomically(outDir, tree);
  return tree;
}
