/** Parse rendered YAML files back into manifests. */
import { parseAllDocuments } from 'yaml';
import type { Manifest, RenderedTree } from './synth.js';

export function manifestsOfTree(tree: RenderedTree): Manifest[] {
  return [...tree.values()].flatMap((content) =>
    parseAllDocuments(content)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null),
  );
}
