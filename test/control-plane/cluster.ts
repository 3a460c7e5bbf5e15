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
import { applyEach, namespacesFirst } from '../../lib/server-dry-run.js';
import { installCrds, startControlPlane, vendoredCrds, type ControlPlane } from '../../tools/control-plane.js';

export const FIELD_MANAGER = 'gl-control-plane-tier';

export const targets: { env: EnvConfig; cluster: ClusterConfig; label: string }[] = resolveAll(envFiles).flatMap((env) =>
  env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })),
);

/** Every document of dist/<env>/<cluster>/, as committed. */
export function distOf(env: EnvConfig, cluster: ClusterConfig): Manifest[] {
  return manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster.name)));
}

export { objectRef as ref } from '../../lib/synth.js';

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

/** Server-side apply every manifest in order (strict); returns what was refused and every warning. */
export async function applyAll(kube: KubeClient, manifests: readonly Manifest[], opts: { dryRun?: boolean } = {}) {
  return applyEach(kube, manifests, { dryRun: opts.dryRun ?? false, fieldManager: FIELD_MANAGER });
}

export { namespacesFirst };
