/**
 * The control-plane tier's shared setup: a real etcd + kube-apiserver per describe block (started
 * beforeAll, stopped afterAll, its log attached to failures), the vendored CRDs installed, and
 * dist read back from disk exactly as Argo CD reads it.
 */
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import type { ClusterConfig, EnvConfig } from '../../envs/schema.js';
import { KubeClient } from '../../lib/kube.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { repoRoot } from '../../lib/paths.js';
import type { Manifest } from '../../lib/synth.js';
import { installCrds, startControlPlane, vendoredCrds, type ControlPlane } from '../../tools/control-plane.js';

export const FIELD_MANAGER = 'gl-control-plane-tier';

export const targets: { env: EnvConfig; cluster: ClusterConfig; label: string }[] = resolveAll(envFiles).flatMap((env) =>
  env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })),
);

/** Every document of dist/<env>/<cluster>/, as committed. */
export function distOf(env: EnvConfig, cluster: ClusterConfig): Manifest[] {
  return manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster.name)));
}

export const ref = (m: { kind: string; metadata: { name: string; namespace?: string } }) => [m.kind, m.metadata.namespace, m.metadata.name].filter(Boolean).join('/');

/** A started control plane with the pinned CRDs (the operator's at the given version). */
export function useControlPlane(operatorTag?: string): { readonly cp: ControlPlane; readonly kube: KubeClient } {
  const state: { cp?: ControlPlane } = {};
  beforeAll(async () => {
    state.cp = await startControlPlane();
    await installCrds(state.cp.admin, vendoredCrds(operatorTag ? { 'prometheus-operator': operatorTag } : {}));
  }, 180_000);
  afterAll(async () => {
    await state.cp?.stop();
  }, 30_000);
  return {
    get cp() {
      if (!state.cp) throw new Error('control plane not started');
      return state.cp;
    },
    get kube() {
      if (!state.cp) throw new Error('control plane not started');
      return state.cp.admin;
    },
  };
}

/** Server-side apply every manifest in order; returns the objects refused with the reason. */
export async function applyAll(kube: KubeClient, manifests: readonly Manifest[], opts: { dryRun?: boolean } = {}) {
  const refused: { object: string; error: string }[] = [];
  const warnings: { object: string; warning: string }[] = [];
  for (const m of manifests) {
    try {
      const res = await kube.apply(m, { fieldManager: FIELD_MANAGER, strict: true, dryRun: opts.dryRun });
      for (const w of res.warnings) warnings.push({ object: ref(m), warning: w });
    } catch (err) {
      refused.push({ object: ref(m), error: (err as Error).message });
    }
  }
  return { refused, warnings };
}

/** Namespaces first (everything else lives in them), then the rest in dist order. */
export function namespacesFirst(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests.filter((m) => m.kind === 'Namespace'), ...manifests.filter((m) => m.kind !== 'Namespace')];
}
