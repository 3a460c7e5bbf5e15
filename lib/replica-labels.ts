/**
 * The one source of truth for HA replica labels. Thanos Query dedups on these, the compactor
 * dedups offline on them, and alerts drop them; everything that names one imports it from here.
 */
export const REPLICA_LABELS = {
  /** Injected by the operator as an external label on each Prometheus pod (and dropped from alerts). */
  prometheus: 'prometheus_replica',
  /**
   * Added by the operator to each ThanosRuler pod (`--label=thanos_ruler_replica="$(POD_NAME)"`)
   * and dropped from its alerts; fixed by the operator (v0.93 pkg/thanos), not configurable.
   */
  thanosRuler: 'thanos_ruler_replica',
  /**
   * Set by the PushGateway ServiceMonitor from the pod name (which it drops): a pushed series
   * scraped from both replicas then differs only in this label, and Thanos Query shows it once.
   */
  pushgateway: 'pushgateway_replica',
} as const;

/** Every replica label, in a stable order, for dedup flags. */
export const ALL_REPLICA_LABELS: readonly string[] = Object.values(REPLICA_LABELS);
