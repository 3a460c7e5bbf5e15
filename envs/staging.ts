import type { EnvOverrides } from './schema.js';

export const staging: EnvOverrides = {
  name: 'staging',
  tier: 'staging',
  clusters: [{ name: 'greenlang-staging', region: 'us-east-1', awsAccountId: '222222222222' }],
  prometheus: {
    retentionSize: '50GB',
    sizing: { samplesPerSecond: 50_000, bytesPerSample: 1.5 },
    storage: { size: '60Gi' },
  },
  // Twice a 14-day block at the sizing above (84.5 GiB): the schema's compactor disk rule.
  thanos: { compactor: { storage: { size: '180Gi' } } },
};
