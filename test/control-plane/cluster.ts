/**
 * The control-plane tier's shared setup: a real etcd + kube-apiserver per describe block (started
 * beforeAll, stopped afterAll, its log attached to failures), the vendored CRDs installed, and
 * dist read back from disk exactly as Argo CD reads it.
 */
import path from 'node:path';
import { envFiles, featureCombinations, resolveAll } from '../../envs/index.js';
import type { ClusterConfig, EnvConfig } from '../../envs/schema.js';
import { KubeClient } from '../../lib/kube.js';
import { objectRef } from '../../lib/synth.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { repoRoot } from '../../lib/paths.js';
import { type Manifest } from '../../lib/synth.js';
import { renderCluster } from '../../charts/index.js';
import { applyEach, namespacesFirst } from '../../lib/server-dry-run.js';
import { installCrds, startControlPlane, vendoredCrds, type ControlPlane } from '../../tools/control-plane.js';

export const FIELD_MANAGER = 'gl-control-plane-tier';

export interface Target {
  readonly env: EnvConfig;
  readonly cluster: ClusterConfig;
  readonly label: string;
  /** What is applied: dist as committed, or a feature-flag variant rendered in memory. */
  readonly manifests: () => Manifest[];
}

/** Every document of dist/<env>/<cluster>/, as committed. */
export function distOf(env: EnvConfig, cluster: ClusterConfig): Manifest[] {
  return manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster.name)));
}

const envs = resolveAll(envFiles);

/** Every environment and cluster of dist. */
export const distTargets: Target[] = envs.flatMap((env) =>
  env.clusters.map((cluster) => ({ env, cluster, label: `dist/${env.name}/${cluster.name}`, manifests: () => distOf(env, cluster) })),
);

/**
 * dev with the other combinations of the feature flags (dist has all on), proven on the API server
 * and the operator, not only rendered. Grafana off is run once, with the others on: it removes
 * only its own folder and the flows into its pods, whatever the other flags say (every combination
 * is rendered and checked in the unit tier, test/charts/feature-matrix.test.ts), and each variant
 * here costs a minute.
 */
export const variantTargets: Target[] = featureCombinations()
  .filter((f) => Object.values(f).some((on) => !on))
  .filter((f) => f.enableGrafana || (f.enableThanos && f.enablePushgateway))
  .map((features) => {
    const env = resolveAll([{ ...envFiles[0]!, features }])[0]!;
    const cluster = env.clusters[0]!;
    const flags = Object.entries(features)
      .map(([k, on]) => `${k}=${on}`)
      .join(',');
    return {
      env,
      cluster,
      label: `${env.name}/${cluster.name} with ${flags}`,
      manifests: () => renderCluster(env, cluster).flatMap((r) => r.manifests),
    };
  });

export const targets: Target[] = [...distTargets, ...variantTargets];

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const condition = (obj: any, type: string) => (obj?.status?.conditions ?? []).find((c: { type: string }) => c.type === type);

/** Poll `check` until it returns a value or the deadline passes (then the last error is thrown). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/**
 * The Reconciled condition of a CR once it has settled: for the current generation, and unchanged
 * for SETTLE_MS. The operator's first sync of a new object only adds its finalizer and already
 * reports Reconciled=True; the real sync follows at once, so a single reading can be that first,
 * empty one (it made a canary of a refused object flaky).
 */
const SETTLE_MS = 3000;
export async function settledReconciled(kube: KubeClient, cr: any) {
  let since = 0;
  let last = '';
  return eventually(
    async () => {
      const live = await kube.get(cr.apiVersion, cr.kind, cr.metadata.name, cr.metadata.namespace);
      const c = condition(live, 'Reconciled');
      if (!c || c.status === 'Unknown' || c.observedGeneration !== live.metadata.generation) return undefined;
      const seen = JSON.stringify([c.status, c.reason ?? '', c.message ?? '', live.metadata.finalizers ?? []]);
      if (seen !== last) [last, since] = [seen, Date.now()];
      return Date.now() - since >= SETTLE_MS ? c : undefined;
    },
    `${objectRef(cr)} to settle on a Reconciled condition`,
  );
}
