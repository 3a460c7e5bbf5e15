/** What every chart receives: the resolved environment, the cluster being rendered and its plan. */
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';
import type { ClusterPlan } from './plan.js';

export interface ChartContext {
  readonly env: EnvConfig;
  readonly cluster: ClusterConfig;
  readonly plan: ClusterPlan;
}
