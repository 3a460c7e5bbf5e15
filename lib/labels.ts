/** Standard `app.kubernetes.io/*` labels and the stable names they go with. */
import { versions, type ComponentName } from '../envs/versions.js';

export const PART_OF = 'greenlang-monitoring';
export const MANAGED_BY = 'cdk8s';

export interface Workload {
  /** Stable object name, e.g. `prometheus`, `thanos-query` (no hash suffixes). */
  readonly name: string;
  /** What it is within the platform, e.g. `server`, `query`. */
  readonly component: string;
  /** Pinned component whose tag becomes `app.kubernetes.io/version`. */
  readonly versionOf?: ComponentName;
}

/** Selector labels: never include the version, so upgrades keep matching their pods. */
export function selectorLabels(w: Workload): Record<string, string> {
  return { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/part-of': PART_OF };
}

export function labelsFor(w: Workload): Record<string, string> {
  return {
    ...selectorLabels(w),
    'app.kubernetes.io/component': w.component,
    ...(w.versionOf ? { 'app.kubernetes.io/version': versions[w.versionOf].tag } : {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
