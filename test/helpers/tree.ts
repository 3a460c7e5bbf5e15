/** Helpers to snapshot a directory's exact bytes and to parse rendered trees. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Manifest, RenderedTree } from '../../lib/synth.js';

/** Relative path -> sha256 of every file under `dir` (empty map when it does not exist). */
export function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gl-${prefix}-`));
}

/** Every manifest of a rendered tree, with the file it came from. */
export function manifestsOf(tree: RenderedTree): { file: string; manifest: Manifest }[] {
  return [...tree].flatMap(([file, content]) =>
    parseAllDocuments(content)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null)
      .map((manifest) => ({ file, manifest })),
  );
}
