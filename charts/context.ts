/** What every chart receives: the resolved environment and the cluster being rendered. */
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';

export interface ChartContext {
  readonly env: EnvConfig;
  readonly cluster: ClusterConfig;
}
