/**
 * The strictest check a Kubernetes API server offers for manifests, without changing anything:
 * server-side apply with dryRun=All and fieldValidation=Strict, one PATCH per object, in order.
 * Unknown fields, bad values, admission refusals (Pod Security included) and every warning come
 * back per object. The control-plane test tier and `npm run verify -- --dry-run-server` both use it.
 */
import type { KubeClient } from './kube.js';
import { objectRef, type Manifest } from './synth.js';

export interface DryRunResult {
  /** Objects the API server refused, with its answer. */
  readonly refused: readonly { object: string; error: string }[];
  /** Warnings it gave on objects it accepted. */
  readonly warnings: readonly { object: string; warning: string }[];
  readonly checked: number;
}

export const FIELD_MANAGER = 'greenlang-monitoring';

/** Namespaces first (namespaced objects need them), then the rest in the given order. */
export function namespacesFirst(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests.filter((m) => m.kind === 'Namespace'), ...manifests.filter((m) => m.kind !== 'Namespace')];
}

/** Server-side apply each manifest (strict; a dry run unless `dryRun: false`); never stops at the first refusal. */
export async function applyEach(
  kube: KubeClient,
  manifests: readonly Manifest[],
  opts: { dryRun?: boolean; fieldManager?: string } = {},
): Promise<DryRunResult> {
  const refused: { object: string; error: string }[] = [];
  const warnings: { object: string; warning: string }[] = [];
  for (const m of manifests) {
    try {
      const res = await kube.apply(m, { fieldManager: opts.fieldManager ?? FIELD_MANAGER, strict: true, dryRun: opts.dryRun ?? true });
      for (const w of res.warnings) warnings.push({ object: objectRef(m), warning: w });
    } catch (err) {
      refused.push({ object: objectRef(m), error: (err as Error).message });
    }
  }
  return { refused, warnings, checked: manifests.length };
}

export function formatDryRun(r: DryRunResult): string {
  return [...r.refused.map((x) => `refused  ${x.object}: ${x.error}`), ...r.warnings.map((x) => `warning  ${x.object}: ${x.warning}`)].join(
    '\n',
  );
}
