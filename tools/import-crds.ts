/**
 * `make import`: vendor the CRDs of exactly the pinned API versions under imports/crds/, from
 * the upstream Go module zips (the Go module proxy is reachable here; Helm repos are not).
 *
 *   imports/crds/<source>/<version>/<file>.yaml
 *
 * These files are the one copy of each API: Argo CD applies the operator's from here, the
 * control-plane tier installs them into its API server, and synth validates against them. The
 * operator's directory is kept for every operator version an environment runs, so a promotion
 * never moves another environment's CRDs. test/tools/imports.test.ts fails when a file differs
 * from its module or a pinned version is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { apiSources, releaseOf, promotedPins, type ApiSourceName } from '../envs/versions.js';
import { crdDir, repoRoot } from '../lib/paths.js';
import { goModuleDir } from './binaries.js';

export const IMPORTS_DIR = path.join(repoRoot, 'imports', 'crds');

/** Every version of a source that some environment needs (the operator's follows each env's pin). */
export function versionsToVendor(name: ApiSourceName): string[] {
  if (name !== 'prometheus-operator') return [apiSources[name].module.version];
  const envs = ['dev', ...Object.keys(promotedPins)];
  return [...new Set(envs.map((e) => releaseOf(e).images.prometheusOperator.tag))].sort();
}

/** The CRD files a source contributes at a version: path under its module dir -> content. */
export function upstreamCrds(name: ApiSourceName, version: string): Map<string, string> {
  const src = apiSources[name];
  const dir = path.join(goModuleDir({ path: src.module.path, version }), src.dir);
  const files =
    src.files === 'all'
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort()
      : [...src.files];
  const out = new Map<string, string>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const kinds = parseAllDocuments(text)
      .map((d) => (d.toJS() as { kind?: string } | null)?.kind)
      .filter(Boolean);
    if (kinds.length === 0 || kinds.some((k) => k !== 'CustomResourceDefinition')) {
      if (src.files === 'all') continue; // e.g. a kustomization.yaml beside the CRDs
      throw new Error(`${name} ${version}: ${src.dir}/${f} is not a CRD file`);
    }
    out.set(f, text);
  }
  if (out.size === 0) throw new Error(`${name} ${version}: no CRDs in ${src.dir}`);
  return out;
}

export function vendoredDir(name: ApiSourceName, version: string): string {
  return path.join(repoRoot, crdDir(name, version));
}

function importAll(): void {
  fs.rmSync(IMPORTS_DIR, { recursive: true, force: true });
  for (const name of Object.keys(apiSources) as ApiSourceName[]) {
    for (const version of versionsToVendor(name)) {
      const dir = vendoredDir(name, version);
      fs.mkdirSync(dir, { recursive: true });
      const crds = upstreamCrds(name, version);
      for (const [f, text] of crds) fs.writeFileSync(path.join(dir, f), text);
      console.log(`import: ${name} ${version}: ${crds.size} CRD file(s) -> ${path.relative(repoRoot, dir)}/`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    importAll();
  } catch (err) {
    console.error(`import: ${(err as Error).message}`);
    process.exit(1);
  }
}
