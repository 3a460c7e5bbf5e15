/**
 * The one source of truth for HA replica labels. Thanos Query dedups on these, the compactor
 * dedups offline on them, and alerts drop them; everything that names one imports it from here.
 */
export const REPLICA_LABELS = {
  /** Injected by the operator as an external label on each Prometheus pod (and dropped from alerts). */
  prometheus: 'prometheus_replica',
} as const;
