import type { EnvOverrides } from './schema.js';

export const dev: EnvOverrides = {
  name: 'dev',
  tier: 'dev',
  clusters: [{ name: 'greenlang-dev', region: 'us-east-1', awsAccountId: '111111111111' }],
  prometheus: {
    retentionSize: '16GB',
    sizing: { samplesPerSecond: 10_000, bytesPerSample: 1.5 },
    storage: { size: '20Gi' },
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '4Gi' } },
  },
  // Twice a 14-day block at the sizing above (16.9 GiB): the schema's compactor disk rule.
  thanos: { compactor: { storage: { size: '40Gi' } } },
};
