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
 *
 * From those files it then generates the typed constructs the charts use for custom resources
 * (`cdk8s import`, one imports/<group>.ts per API group, for the kinds in `apiSources[*].typed`),
 * so the props a chart writes are checked against exactly the schema the cluster will enforce.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { apiSources, kubernetesApi, releaseOf, promotedPins, type ApiSourceName } from '../envs/versions.js';
import { crdDir, openapiDir, openapiFile, repoRoot } from '../lib/paths.js';
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

/** The Kubernetes OpenAPI documents to vendor: file name -> content, from the pinned k8s.io/kubernetes module. */
export function upstreamOpenapi(): Map<string, string> {
  const dir = path.join(goModuleDir(kubernetesApi.module), kubernetesApi.dir);
  return new Map(kubernetesApi.groupVersions.map((gv) => [openapiFile(gv), fs.readFileSync(path.join(dir, openapiFile(gv)), 'utf8')]));
}

export const OPENAPI_DIR = path.join(repoRoot, openapiDir(kubernetesApi.module.version));

/** The folder of the generated constructs: imports/<group>.ts. */
export const TYPED_DIR = path.join(repoRoot, 'imports');

/**
 * `cdk8s import` of each source's typed kinds from the vendored CRDs at the pinned version:
 * generated file name -> content. Deterministic (the staleness test regenerates and compares).
 */
export function typedConstructs(): Map<string, string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-import-'));
  const out = new Map<string, string>();
  try {
    for (const name of Object.keys(apiSources) as ApiSourceName[]) {
      const src = apiSources[name];
      const dir = vendoredDir(name, src.module.version);
      const files = src.typed === 'all' ? fs.readdirSync(dir).sort() : [...src.typed];
      // One input document stream per source, so a group's kinds land in one generated module.
      const input = path.join(tmp, `${name}.yaml`);
      fs.writeFileSync(input, files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n---\n'));
      const outDir = path.join(tmp, name);
      const r = spawnSync(
        path.join(repoRoot, 'node_modules', '.bin', 'cdk8s'),
        ['import', input, '--language', 'typescript', '--output', outDir],
        {
          cwd: tmp,
          encoding: 'utf8',
          env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
        },
      );
      if (r.status !== 0) throw new Error(`cdk8s import of ${name} ${src.module.version} failed:\n${r.stderr}${r.stdout}`);
      for (const f of fs.readdirSync(outDir).sort()) {
        const header = `// Generated by \`make import\` (cdk8s import) from ${crdDir(name, src.module.version)}/: do not edit.\n`;
        out.set(f, header + fs.readFileSync(path.join(outDir, f), 'utf8'));
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

function importAll(): void {
  fs.rmSync(IMPORTS_DIR, { recursive: true, force: true });
  for (const f of fs.readdirSync(TYPED_DIR)) if (f.endsWith('.ts')) fs.rmSync(path.join(TYPED_DIR, f));
  for (const name of Object.keys(apiSources) as ApiSourceName[]) {
    for (const version of versionsToVendor(name)) {
      const dir = vendoredDir(name, version);
      fs.mkdirSync(dir, { recursive: true });
      const crds = upstreamCrds(name, version);
      for (const [f, text] of crds) fs.writeFileSync(path.join(dir, f), text);
      console.log(`import: ${name} ${version}: ${crds.size} CRD file(s) -> ${path.relative(repoRoot, dir)}/`);
    }
  }
  fs.rmSync(path.dirname(OPENAPI_DIR), { recursive: true, force: true });
  fs.mkdirSync(OPENAPI_DIR, { recursive: true });
  const specs = upstreamOpenapi();
  for (const [f, text] of specs) fs.writeFileSync(path.join(OPENAPI_DIR, f), text);
  console.log(
    `import: kubernetes ${kubernetesApi.module.version}: ${specs.size} OpenAPI documents -> ${path.relative(repoRoot, OPENAPI_DIR)}/`,
  );
  for (const [f, text] of typedConstructs()) {
    fs.writeFileSync(path.join(TYPED_DIR, f), text);
    console.log(`import: typed constructs -> imports/${f}`);
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
