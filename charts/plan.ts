/**
 * What one cluster runs, decided once from the resolved config: the feature flags and the
 * clusters an environment designates (compactor, global view). Charts, the component registry,
 * NetworkPolicies, rules and dashboards read the plan, never the flags, so a flag switches a
 * component and everything that refers to it together.
 */
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';

export interface ClusterPlan {
  /** Sidecars, query, query-frontend, store gateway, compactor (one per cluster: each has its own bucket), ruler, gRPC TLS, objstore config. */
  readonly thanos: boolean;
  /** The global query over every cluster of the environment. */
  readonly globalQuery: boolean;
  readonly pushgateway: boolean;
  /** The environment's one weekly alert digest. */
  readonly alertDigest: boolean;
  /** A StorageClass this repository provisions (otherwise the cluster's existing one). */
  readonly storageClass: boolean;
}

/** The cluster that hosts the global view, when Thanos runs and the environment has one. */
export function globalViewCluster(env: EnvConfig): string | undefined {
  return env.features.enableThanos ? env.thanos.global?.hostCluster : undefined;
}

/** One digest per environment: from the global view's host (it sees every cluster), else the first cluster. */
export function digestCluster(env: EnvConfig): string {
  return globalViewCluster(env) ?? env.clusters[0]!.name;
}

export function planCluster(env: EnvConfig, cluster: ClusterConfig): ClusterPlan {
  const thanos = env.features.enableThanos;
  return {
    thanos,
    globalQuery: globalViewCluster(env) === cluster.name,
    pushgateway: env.features.enablePushgateway,
    alertDigest: digestCluster(env) === cluster.name,
    storageClass: env.storageClasses.provision !== undefined,
  };
}
