/** Standard `app.kubernetes.io/*` labels and the stable names they go with. */
import type { ComponentName, Release } from '../envs/versions.js';

export const PART_OF = 'greenlang-monitoring';
export const MANAGED_BY = 'cdk8s';

export interface Workload {
  /** Stable object name, e.g. `prometheus`, `thanos-query` (no hash suffixes). */
  readonly name: string;
  /** What it is within the platform, e.g. `server`, `query`. */
  readonly component: string;
  /** Pinned component whose tag becomes `app.kubernetes.io/version`. */
  readonly versionOf?: ComponentName;
  /** The tag of `versionOf` in the environment being rendered; set by `versioned()`. */
  readonly version?: string;
}

/** The workload as an environment runs it: its version label follows that env's pins. */
export function versioned(w: Workload, env: { readonly release: Release }): Workload {
  return w.versionOf ? { ...w, version: env.release.images[w.versionOf].tag } : w;
}

/** Selector labels: never include the version, so upgrades keep matching their pods. */
export function selectorLabels(w: Workload): Record<string, string> {
  return { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/part-of': PART_OF };
}

export function labelsFor(w: Workload): Record<string, string> {
  if (w.versionOf && w.version === undefined) {
    throw new Error(`workload ${w.name}: pass it through versioned(w, env) first, so its version label is the environment's pin`);
  }
  return {
    ...selectorLabels(w),
    'app.kubernetes.io/component': w.component,
    ...(w.versionOf ? { 'app.kubernetes.io/version': w.version! } : {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/**
 * Labels that never change over a workload's life (no version): for places that end up in an
 * immutable selector, such as an operator CR's podMetadata.
 */
export function stableLabels(w: Workload): Record<string, string> {
  const { 'app.kubernetes.io/version': _version, ...rest } = labelsFor(w);
  return rest;
}
