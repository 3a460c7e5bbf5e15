/** The Prometheus slice of the env config: the HA pair, retention and sizing, query limits, extra scrape configs. */
import { z } from 'zod';
import { byteSize, dnsLabel, duration, replicas, resources, storage } from './fields.js';

/** A ScrapeConfig CR (operator v1alpha1) rendered as-is; its spec is checked against the CRD model at synth. */
const additionalScrapeConfig = z.strictObject({
  name: dnsLabel,
  spec: z.record(z.string(), z.unknown()),
});

/** Headroom rule (FR-1.5): retentionSize may use at most this share of the PVC (WAL, head chunks and compaction need the rest). */
export const RETENTION_SIZE_MAX_SHARE = 0.85;

/**
 * The compactor's largest job: Thanos' default compaction levels end at 14-day blocks, and
 * compacting one downloads its source blocks and writes the result next to them, so the disk
 * needs about twice a 14-day block of one cluster's (deduplicated) ingestion.
 */
export const LARGEST_BLOCK_SECONDS = 14 * 86400;
export const COMPACTOR_DISK_BLOCKS = 2;

export const prometheus = z.strictObject({
  replicas,
  scrapeInterval: duration,
  evaluationInterval: duration,
  /** Local retention; Thanos keeps the long-term copy. */
  retention: duration,
  retentionSize: byteSize,
  /** Expected ingestion, used to check that retentionSize really holds `retention` of data. */
  sizing: z.strictObject({
    samplesPerSecond: z.number().positive({ error: 'must be positive' }),
    bytesPerSample: z.number().positive({ error: 'must be positive' }),
  }),
  storage,
  resources,
  /**
   * Query work Prometheus accepts at once, so queries queue instead of starving ingestion:
   * PromQL evaluated by Prometheus itself, and remote reads (how the Thanos sidecar fetches
   * data for every Thanos query).
   */
  queryLimits: z.strictObject({
    maxConcurrency: z.int().min(1, { error: 'must be at least 1' }),
    remoteReadConcurrency: z.int().min(1, { error: 'must be at least 1' }),
    timeout: duration,
  }),
  additionalScrapeConfigs: z.array(additionalScrapeConfig),
});
