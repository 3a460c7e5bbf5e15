/** What every chart receives: the resolved environment, the cluster being rendered and its plan. */
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';
import type { AwsConfig } from '../envs/terraform.js';
import type { ClusterPlan } from './plan.js';

export interface ChartContext {
  readonly env: EnvConfig;
  readonly cluster: ClusterConfig;
  readonly plan: ClusterPlan;
}

/** The cluster's own bucket and IRSA roles (the schema guarantees every cluster has them). */
export function storageOf({ env, cluster }: Pick<ChartContext, 'env' | 'cluster'>): AwsConfig {
  return env.aws[cluster.name]!;
}

/** The external label that tells clusters apart in Thanos (blocks, the global view, store selection). */
export const CLUSTER_LABEL = 'cluster';

/** External labels of everything this cluster writes (Prometheus and the ruler). */
export function externalLabels({ env, cluster }: Pick<ChartContext, 'env' | 'cluster'>): Record<string, string> {
  return { [CLUSTER_LABEL]: cluster.name, region: cluster.region, environment: env.name };
}
