/**
 * Platform defaults: the PRD's values, corrected where prd-review.md found them wrong.
 * Environment files hold only their overrides.
 */
import type { EnvConfig } from './schema.js';

export const defaults: Omit<EnvConfig, 'name' | 'tier' | 'clusters'> = {
  namespace: 'monitoring',
  monitoredNamespaces: ['greenlang', 'gl-agents', 'gl-fuel', 'gl-cbam', 'gl-building'],
  prometheus: {
    replicas: 2,
    scrapeInterval: '15s',
    evaluationInterval: '15s',
    retention: '7d',
    // The PRD's 50GB on a 50Gi PVC leaves no headroom (and Prometheus reads GB as GiB): cap at
    // 85% of the volume. 42GiB holds 7d at ~40K samples/s x 1.5 B/sample.
    retentionSize: '42GB',
    sizing: { samplesPerSecond: 40_000, bytesPerSample: 1.5 },
    storage: { storageClassName: 'gp3', size: '50Gi' },
    resources: {
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '2', memory: '8Gi' },
    },
    additionalScrapeConfigs: [],
  },
  features: { enableThanos: true, enablePushgateway: true },
  tags: { Component: 'observability', DataClass: 'operational', ManagedBy: 'greenlang-prometheus-platform' },
};
