/** The repository root, wherever the code runs from (tsx, jest, a fresh clone). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `make import` vendors the CRDs of one API source at one version, relative to the repository. */
export function crdDir(source: string, version: string): string {
  return `imports/crds/${source}/${version}`;
}
