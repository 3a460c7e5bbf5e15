/**
 * `make tools`: build every pinned upstream binary that is not cached yet.
 *
 * Each wrapper module in tools/<dir>/go.mod requires the upstream module at the pinned version
 * (and repeats its replace lines); this script refuses to build when go.mod and
 * envs/versions.ts disagree, so a bump on one side only is caught before any test runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/paths.js';
import { binDir, GO_ENV, goModuleDir, goModuleOf, toolBinaries, toolPath, type ToolBinary, type ToolName } from './binaries.js';
import { pinOf } from '../envs/versions.js';

/** The version of `modulePath` that a go.mod requires, or undefined. */
export function requiredVersion(goMod: string, modulePath: string): string | undefined {
  const re = new RegExp(`^\\s*(?:require\\s+)?${modulePath.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm');
  return re.exec(goMod)?.[1];
}

/**
 * Build from a writable copy of the upstream module (outside git) with the missing embed
 * directories filled in: a throwaway build dir whose go.mod is ours plus one `replace`.
 * `go version -m` still records the upstream module at the pinned version.
 */
function withStubbedEmbeds(moduleDir: string, mod: { path: string; version: string }, dirs: readonly string[]): string {
  const upstream = goModuleDir(mod);
  const work = path.join(binDir, '..', 'src', `${path.basename(mod.path)}-${mod.version}`);
  fs.rmSync(work, { recursive: true, force: true });
  const src = path.join(work, 'module');
  fs.cpSync(upstream, src, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', src]);
  for (const d of dirs) {
    fs.mkdirSync(path.join(src, d), { recursive: true });
    fs.writeFileSync(
      path.join(src, d, 'index.html'),
      '<!doctype html><title>test build</title><p>Web UI not included in this test build; the API is complete.</p>\n',
    );
  }
  const build = path.join(work, 'build');
  fs.mkdirSync(build, { recursive: true });
  fs.writeFileSync(
    path.join(build, 'go.mod'),
    `${fs.readFileSync(path.join(moduleDir, 'go.mod'), 'utf8')}\nreplace ${mod.path} => ${src}\n`,
  );
  fs.copyFileSync(path.join(moduleDir, 'go.sum'), path.join(build, 'go.sum'));
  return build;
}

/** `-X` flags that make a binary report the pinned version, per upstream's own build scripts. */
export function versionStamp(stamp: NonNullable<ToolBinary['stamp']>, tag: string, moduleVersion: string): string[] {
  if (stamp === 'none') return [];
  // The version is the module's own VERSION file; release builds only drop the -dev marker.
  if (stamp === 'opentofu') return ['-X github.com/opentofu/opentofu/version.dev=no'];
  if (stamp === 'kubernetes') {
    const m = /^v(\d+)\.(\d+)\./.exec(tag);
    if (!m) throw new Error(`Kubernetes tag ${tag} is not of the form vMAJOR.MINOR.PATCH`);
    const v = 'k8s.io/component-base/version';
    return [`-X ${v}.gitVersion=${tag}`, `-X ${v}.gitMajor=${m[1]}`, `-X ${v}.gitMinor=${m[2]}`, `-X ${v}.gitTreeState=clean`];
  }
  const v = 'github.com/prometheus/common/version';
  return [
    `-X ${v}.Version=${tag.replace(/^v/, '')}`,
    `-X ${v}.Revision=${moduleVersion}`,
    `-X ${v}.Branch=gl-tools`,
    `-X ${v}.BuildUser=make-tools`,
  ];
}

function build(): void {
  fs.mkdirSync(binDir, { recursive: true });
  for (const spec of toolBinaries) {
    const mod = goModuleOf(spec);
    const moduleDir = path.join(repoRoot, 'tools', spec.moduleDir);
    const required = requiredVersion(fs.readFileSync(path.join(moduleDir, 'go.mod'), 'utf8'), mod.path);
    if (required !== mod.version) {
      throw new Error(
        `tools/${spec.moduleDir}/go.mod requires ${mod.path} ${required ?? '(nothing)'} but envs/versions.ts pins ` +
          `${mod.version}: run \`cd tools/${spec.moduleDir} && go get -tool ${mod.path}/${spec.pkg || '.'}@${mod.version}\``,
      );
    }
    const out = toolPath(spec.name as ToolName);
    if (fs.existsSync(out)) {
      console.log(`tools: ${path.basename(out)} cached`);
      continue;
    }
    const tag = pinOf(spec.component).tag;
    const ldflags = ['-s -w', ...versionStamp(spec.stamp ?? 'prometheus', tag, mod.version)].join(' ');
    const started = Date.now();
    const tmp = `${out}.tmp-${process.pid}`;
    const cwd = spec.stubEmbeds ? withStubbedEmbeds(moduleDir, mod, spec.stubEmbeds) : moduleDir;
    const pkg = spec.local ? '.' : `${mod.path}${spec.pkg ? '/' + spec.pkg : ''}`;
    console.log(`tools: building ${path.basename(out)}`);
    execFileSync('go', ['build', '-trimpath', `-tags=${spec.tags.join(',')}`, '-ldflags', ldflags, '-o', tmp, pkg], {
      cwd,
      stdio: 'inherit',
      env: { ...process.env, ...GO_ENV, CGO_ENABLED: '0' },
    });
    fs.renameSync(tmp, out);
    console.log(`tools: built ${path.basename(out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    build();
  } catch (err) {
    console.error(`tools: ${(err as Error).message}`);
    process.exit(1);
  }
}
