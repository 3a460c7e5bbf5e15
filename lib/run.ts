/** resolve -> synthesize -> write atomically: the whole of `make synth`, callable from tests. */
import { resolveAll, type ResolveOptions } from '../envs/index.js';
import type { EnvOverrides } from '../envs/schema.js';
import { synthesize, type RenderedTree } from './synth.js';
import { writeTreeAtomically } from './writer.js';

export async function runSynth(files: readonly EnvOverrides[], outDir: string, opts: ResolveOptions = {}): Promise<RenderedTree> {
  const tree = await synthesize(resolveAll(files, opts));
  writeTreeAtomically(outDir, tree);
  return tree;
}
