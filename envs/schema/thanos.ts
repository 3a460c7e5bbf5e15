/** The Thanos slice of the env config: sidecar, store limits, query, frontend, store, compactor, ruler, global view. */
import { z } from 'zod';
import { byteSize, dnsLabel, duration, hostPort, replicas, resources, storage } from './fields.js';

export const thanos = z.strictObject({
  /** The sidecar in each Prometheus pod (the operator injects it from the Prometheus CR). */
  sidecar: z.strictObject({
    resources,
    /**
     * Go GC target (GOGC) of the sidecar: every query's raw series pass through it, and at the
     * default (100) garbage collection is a third of its CPU. Memory stays bounded: GOMEMLIMIT
     * is set to 90% of the memory limit, so the collector tightens before the limit is reached.
     */
    goGC: z.int().min(50, { error: 'must be at least 50' }).max(1000, { error: 'must be at most 1000' }),
  }),
  /**
   * Per-request limits of the sidecars and store gateways: a Series call that passes them fails
   * with an error naming the limit, bounding what one query loads into thanos-query (the store
   * gateway refuses before reading; the pinned sidecar does not enforce them, see storeLimitFlags).
   */
  storeLimits: z.strictObject({ requestSeries: z.int().min(1000), requestSamples: z.int().min(100_000) }),
  query: z.strictObject({ replicas, resources, maxConcurrent: z.int().min(1), timeout: duration }),
  queryFrontend: z.strictObject({
    replicas,
    resources,
    /** Range queries are split into pieces of this length, each cached on its own. */
    splitInterval: duration,
    maxRetries: z.int().min(0),
    cache: z.strictObject({ maxSize: byteSize, maxSizeItems: z.int().min(1), validity: duration }),
  }),
  store: z.strictObject({
    replicas,
    resources,
    storage,
    indexCacheSize: byteSize,
    /** > 1 splits the blocks across this many StatefulSets by hashmod of __block_id. */
    shards: z.int().min(1).max(16),
  }),
  compactor: z.strictObject({
    replicas: z.int(),
    resources,
    storage,
    retention: z.strictObject({ raw: duration, fiveMinutes: duration, oneHour: duration }),
  }),
  ruler: z.strictObject({ replicas, resources, storage, evaluationInterval: duration }),
  /** A global query in one cluster federating every cluster's query over gRPC. */
  global: z
    .strictObject({
      hostCluster: dnsLabel,
      /** Cluster name -> gRPC address of that cluster's thanos-query, as reachable from the host. */
      endpoints: z.record(dnsLabel, hostPort),
    })
    .optional(),
});
