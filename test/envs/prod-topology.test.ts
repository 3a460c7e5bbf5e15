/**
 * Prod's topology in the schema: every cluster says where it connects from, the ranges can be
 * routed between peered VPCs, each endpoint is dialled the way it can be (in-cluster for the
 * host, a load balancer's DNS name for the others), and HA pairs must spread across zones.
 * Cases edit prod.
 */
import { deepMerge, resolveEnv } from '../../envs/index.js';
import { prod } from '../../envs/prod.js';
import type { EnvOverrides } from '../../envs/schema.js';

const [use1, euw1] = prod.clusters as [any, any];
const withClusters = (a: unknown, b: unknown): EnvOverrides => ({ ...prod, clusters: [a, b] as EnvOverrides['clusters'] });

const cases: [title: string, env: EnvOverrides, message: string][] = [
  [
    'a federated cluster without its network',
    withClusters(use1, { ...euw1, network: undefined }),
    'env "prod": clusters[1].network: is required for "greenlang-prod-euw1" because thanos.global federates this ' +
      "environment's clusters: the NetworkPolicies admit the other cluster's query by its VPC CIDR",
  ],
  [
    'overlapping VPCs',
    withClusters(use1, { ...euw1, network: { vpcCidr: '10.40.128.0/17', internalLoadBalancerSubnets: ['10.40.200.0/22'] } }),
    'env "prod": clusters[1].network.vpcCidr: 10.40.128.0/17 overlaps greenlang-prod-use1\'s VPC 10.40.0.0/16: peered VPCs ' +
      'cannot route overlapping ranges, and a NetworkPolicy could not tell the clusters apart',
  ],
  [
    "a load-balancer subnet outside the cluster's VPC",
    withClusters(use1, { ...euw1, network: { vpcCidr: '10.41.0.0/16', internalLoadBalancerSubnets: ['10.42.96.0/22'] } }),
    'env "prod": clusters[1].network.internalLoadBalancerSubnets[0]: 10.42.96.0/22 is outside greenlang-prod-euw1\'s VPC 10.41.0.0/16',
  ],
  [
    'a CIDR with host bits',
    withClusters(use1, { ...euw1, network: { vpcCidr: '10.41.3.7/16', internalLoadBalancerSubnets: ['10.41.96.0/22'] } }),
    'env "prod": clusters[1].network.vpcCidr: must be an IPv4 network in CIDR form such as 10.20.0.0/16',
  ],
  [
    'a remote endpoint given as an in-cluster name',
    deepMerge(prod, {
      thanos: { global: { endpoints: { 'greenlang-prod-euw1': 'thanos-query.monitoring.svc.cluster.local:10901' } } },
    }) as EnvOverrides,
    'env "prod": thanos.global.endpoints.greenlang-prod-euw1: thanos-query.monitoring.svc.cluster.local:10901 is an in-cluster ' +
      "name, which the host cluster cannot resolve: name the DNS record of greenlang-prod-euw1's internal load balancer",
  ],
  [
    "the host's own query given by an external name",
    deepMerge(prod, {
      thanos: { global: { endpoints: { 'greenlang-prod-use1': 'thanos-query.use1.example.com:10901' } } },
    }) as EnvOverrides,
    'env "prod": thanos.global.endpoints.greenlang-prod-use1: thanos-query.use1.example.com:10901: the host cluster\'s own ' +
      'query is dialled in-cluster (<service>.<namespace>.svc...:port)',
  ],
  [
    'HA pairs only preferring to spread across zones',
    deepMerge(prod, { scheduling: { zoneSpread: 'preferred' } }) as EnvOverrides,
    'env "prod": scheduling.zoneSpread: must be "required" in prod: with "preferred" one zone outage can take both replicas of an HA pair',
  ],
];

describe("prod's topology rules (global view network, zones)", () => {
  it('accept prod as it is', () => {
    expect(resolveEnv(prod).clusters.map((c) => c.network?.vpcCidr)).toEqual(['10.40.0.0/16', '10.41.0.0/16']);
  });

  it.each(cases)('refuse %s, naming env, field and rule', (_title, env, message) => {
    expect(() => resolveEnv(env)).toThrow(new Error(message));
  });
});
