/**
 * The upstream programs the tests run, each built from its own small Go module under tools/
 * at the version pinned in envs/versions.ts. Shared by tools/build.ts and the test helpers.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pinOf, type ComponentName, type ControlPlaneName, type ToolingName } from '../envs/versions.js';
import { repoRoot } from '../lib/paths.js';

/**
 * Outside the work tree so every clone on a machine (CI clones afresh) shares one build;
 * the version is in each file name, so a bump never reuses a stale binary.
 */
export const binDir =
  process.env.GL_TOOLS_BIN ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'greenlang-prometheus-platform', 'bin');

/**
 * Environment of every go command the tools run: a module that declares a newer Go than the
 * machine's (Argo CD v3.6: go 1.27) gets that toolchain from the module proxy; others build
 * with the local Go as before.
 */
export const GO_ENV = { GOTOOLCHAIN: 'auto' } as const;

export interface ToolBinary {
  /** Binary name, e.g. `promtool`. */
  readonly name: string;
  /** The pinned component whose version it must carry. */
  readonly component: ComponentName | ControlPlaneName | ToolingName;
  /** Directory under tools/ holding the wrapper Go module. */
  readonly moduleDir: string;
  /** Package path of the command inside the upstream module ('' for the module root). */
  readonly pkg: string;
  /**
   * Directories (relative to the upstream module root) that a `//go:embed` needs but the
   * module zip lacks because they are build outputs; they get a placeholder page.
   */
  readonly stubEmbeds?: readonly string[];
  /**
   * Build tags, as upstream's .promu.yml sets them for its release binaries (test/tools checks
   * them against that file). Thanos needs `slicelabels`: without it, its unsafe label
   * conversions read Prometheus 3's default string labels and the sidecar's gRPC server panics.
   */
  readonly tags: readonly string[];
  /**
   * How the version is stamped (`-X` ldflags) so `--version` reports the pin: Prometheus'
   * common version package (default), Kubernetes' component-base, OpenTofu's release marker (its
   * version is a file of the module), or nothing (etcd keeps its version in a constant of the module).
   */
  readonly stamp?: 'prometheus' | 'kubernetes' | 'opentofu' | 'none';
  /** Release build tags come from upstream's .promu.yml (Prometheus projects only). */
  readonly promu?: boolean;
  /** Build the wrapper module's own main package instead of a package of the upstream module. */
  readonly local?: boolean;
  /** How it prints its version (`--version` by default). */
  readonly versionArgs?: readonly string[];
}

/** Upstream release tags we deliberately leave out, and why. */
export const OMITTED_TAGS: Record<string, string> = {
  builtinassets: 'embeds the prebuilt web UI, which the module zip does not contain; the API is unaffected',
};

export const toolBinaries: readonly ToolBinary[] = [
  { name: 'prometheus', component: 'prometheus', moduleDir: 'prometheus', pkg: 'cmd/prometheus', tags: ['netgo'] },
  { name: 'promtool', component: 'prometheus', moduleDir: 'prometheus', pkg: 'cmd/promtool', tags: ['netgo'] },
  { name: 'thanos', component: 'thanos', moduleDir: 'thanos', pkg: 'cmd/thanos', tags: ['netgo', 'slicelabels'] },
  // The web UI (Elm/Vite build output, ui/app/dist) is not in the module zip: the test binary
  // serves a placeholder page instead; every API is unchanged.
  {
    name: 'alertmanager',
    component: 'alertmanager',
    moduleDir: 'alertmanager',
    pkg: 'cmd/alertmanager',
    stubEmbeds: ['ui/app/dist'],
    tags: ['netgo'],
  },
  { name: 'amtool', component: 'alertmanager', moduleDir: 'alertmanager', pkg: 'cmd/amtool', tags: ['netgo'] },
  { name: 'pushgateway', component: 'pushgateway', moduleDir: 'pushgateway', pkg: '', tags: [] },
  { name: 'node_exporter', component: 'nodeExporter', moduleDir: 'node_exporter', pkg: '', tags: [] },
  { name: 'blackbox_exporter', component: 'blackboxExporter', moduleDir: 'blackbox_exporter', pkg: '', tags: [] },
  // Runs in the local runner against its API server, with the ServiceAccount and RBAC dist renders.
  {
    name: 'kube-state-metrics',
    component: 'kubeStateMetrics',
    moduleDir: 'kube-state-metrics',
    pkg: '',
    tags: [],
    promu: false,
    versionArgs: ['version'],
  },
  // The control-plane tier (test/control-plane): a real API server and the real operator.
  {
    name: 'prometheus-operator',
    component: 'prometheusOperator',
    moduleDir: 'prometheus-operator',
    pkg: 'cmd/operator',
    tags: [],
    promu: false,
  },
  // The operator's reloader sidecar and init container: the local runner runs it as the pods do.
  {
    name: 'prometheus-config-reloader',
    component: 'prometheusOperator',
    moduleDir: 'prometheus-operator',
    pkg: 'cmd/prometheus-config-reloader',
    tags: [],
    promu: false,
  },
  {
    name: 'kube-apiserver',
    component: 'kubernetes',
    moduleDir: 'kube-apiserver',
    pkg: 'cmd/kube-apiserver',
    tags: [],
    stamp: 'kubernetes',
    promu: false,
  },
  // Argo CD's own diff, sync and health code as a command (tools/argocd/main.go), for the tier.
  {
    name: 'argocd-replay',
    component: 'argocd',
    moduleDir: 'argocd',
    pkg: '',
    tags: [],
    stamp: 'none',
    promu: false,
    local: true,
    versionArgs: ['version'],
  },
  // OpenTofu (MPL-2.0; Terraform since 1.6 is under the BUSL) checks terraform/ in `make test`:
  // formatting, and the workspace guard, which needs only the built-in provider.
  {
    name: 'tofu',
    component: 'opentofu',
    moduleDir: 'opentofu',
    pkg: 'cmd/tofu',
    tags: [],
    stamp: 'opentofu',
    promu: false,
    versionArgs: ['version'],
  },
  // Built from the wrapper's own main package (one call into etcdmain), see tools/etcd/main.go.
  { name: 'etcd', component: 'etcd', moduleDir: 'etcd', pkg: '', tags: [], stamp: 'none', promu: false, local: true },
];

export type ToolName =
  | 'prometheus'
  | 'promtool'
  | 'thanos'
  | 'alertmanager'
  | 'amtool'
  | 'pushgateway'
  | 'node_exporter'
  | 'blackbox_exporter'
  | 'kube-state-metrics'
  | 'prometheus-operator'
  | 'prometheus-config-reloader'
  | 'kube-apiserver'
  | 'etcd'
  | 'argocd-replay'
  | 'tofu';

export function toolSpec(name: ToolName): ToolBinary {
  const spec = toolBinaries.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown tool ${name}`);
  return spec;
}

/** Upstream Go module and version a tool is built from. */
export function goModuleOf(spec: ToolBinary): { path: string; version: string } {
  const mod = pinOf(spec.component).goModule;
  if (!mod) throw new Error(`${spec.component} has no goModule pin in envs/versions.ts`);
  return mod;
}

/** Where a module version's files are on this machine (downloaded from the proxy if needed). */
export function goModuleDir(mod: { path: string; version: string }): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${mod.path}@${mod.version}`], {
    encoding: 'utf8',
    cwd: repoRoot,
    env: { ...process.env, ...GO_ENV, GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${mod.path}@${mod.version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/** Cached binary path; version and build tags are part of the name so a change rebuilds. */
export function toolPath(name: ToolName): string {
  const spec = toolSpec(name);
  const tags = spec.tags.length ? `-${spec.tags.join('+')}` : '';
  return path.join(binDir, `${name}-${pinOf(spec.component).tag}${tags}${spec.local ? `-${localSourceHash(spec.moduleDir)}` : ''}`);
}

/** A wrapper module's own Go code changes what it builds: its files' hash is part of the cached name. */
function localSourceHash(moduleDir: string): string {
  const dir = path.join(repoRoot, 'tools', moduleDir);
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) if (/\.(go|mod|sum)$/.test(f)) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 12);
}
