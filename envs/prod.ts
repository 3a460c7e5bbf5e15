import type { EnvOverrides } from './schema.js';

export const prod: EnvOverrides = {
  name: 'prod',
  tier: 'prod',
  clusters: [
    {
      name: 'greenlang-prod-use1',
      region: 'us-east-1',
      awsAccountId: '333333333333',
      network: { vpcCidr: '10.40.0.0/16', internalLoadBalancerSubnets: ['10.40.96.0/22', '10.40.100.0/22', '10.40.104.0/22'] },
    },
    {
      name: 'greenlang-prod-euw1',
      region: 'eu-west-1',
      awsAccountId: '333333333333',
      network: { vpcCidr: '10.41.0.0/16', internalLoadBalancerSubnets: ['10.41.96.0/22', '10.41.100.0/22', '10.41.104.0/22'] },
    },
  ],
  prometheus: {
    // PRD 5.1 ingestion target: 100K samples/s for 7 days is ~85GiB; 100GiB of cap on 120Gi.
    retentionSize: '100GB',
    sizing: { samplesPerSecond: 100_000, bytesPerSample: 1.5 },
    storage: { size: '120Gi' },
  },
  thanos: {
    // Twice a 14-day block at the sizing above (169 GiB): the schema's compactor disk rule.
    compactor: { storage: { size: '350Gi' } },
    // Each cluster's thanos-query gRPC as the host dials it: its own in-cluster; the other through
    // the internal NLB dist renders for it, under the DNS name external-dns publishes for that NLB.
    global: {
      hostCluster: 'greenlang-prod-use1',
      endpoints: {
        'greenlang-prod-use1': 'thanos-query.monitoring.svc.cluster.local:10901',
        'greenlang-prod-euw1': 'thanos-query.greenlang-prod-euw1.metrics.internal.greenlang.io:10901',
      },
    },
  },
  // Three zones per region: a zone outage never takes both replicas of a pair.
  scheduling: { zoneSpread: 'required' },
  tags: { CostCenter: 'platform' },
};
