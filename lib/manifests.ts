/** Read rendered trees back: from a directory, and into manifests. */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Manifest, RenderedTree } from './synth.js';

/** Every YAML file under `dir`, keyed by its path relative to `dir`, in sorted order. */
export function treeOnDisk(dir: string): RenderedTree {
  const out: RenderedTree = new Map();
  for (const f of fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    out.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return out;
}

export function manifestsOfTree(tree: RenderedTree): Manifest[] {
  return [...tree.values()].flatMap((content) =>
    parseAllDocuments(content)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null),
  );
}
