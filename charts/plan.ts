/**
 * What one cluster runs, decided once from the resolved config: the feature flags and the
 * clusters an environment designates (global view, digest). Charts, the component registry,
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
  /** The platform's own Grafana (off: the datasources and dashboards are still rendered, for a Grafana of your own). */
  readonly grafana: boolean;
  /** The environment's one weekly alert digest. */
  readonly alertDigest: boolean;
  /** A StorageClass this repository provisions (otherwise the cluster's existing one). */
  readonly storageClass: boolean;
  /** Clusters whose global query dials this cluster's query across the network (through its internal NLB). */
  readonly queryDialledFrom: readonly ClusterConfig[];
  /** The other clusters' queries the global query here dials, each at its endpoint (host:port of its NLB's DNS name). */
  readonly remoteQueries: readonly RemoteQuery[];
}

export interface RemoteQuery {
  readonly cluster: ClusterConfig;
  readonly host: string;
  readonly port: number;
}

/** host:port of a cluster's query as the global view dials it (the schema checks the form). */
export function queryEndpoint(env: EnvConfig, cluster: string): { host: string; port: number } | undefined {
  const endpoint = env.thanos.global?.endpoints[cluster];
  const m = endpoint ? /^(.+):([0-9]+)$/.exec(endpoint) : null;
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
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
  const host = globalViewCluster(env);
  const remote = (c: ClusterConfig): RemoteQuery[] => {
    const e = queryEndpoint(env, c.name);
    return e ? [{ cluster: c, ...e }] : [];
  };
  return {
    thanos,
    globalQuery: host === cluster.name,
    pushgateway: env.features.enablePushgateway,
    grafana: env.features.enableGrafana,
    alertDigest: digestCluster(env) === cluster.name,
    storageClass: env.storageClasses.provision !== undefined,
    queryDialledFrom: host && host !== cluster.name ? env.clusters.filter((c) => c.name === host) : [],
    remoteQueries: host === cluster.name ? env.clusters.filter((c) => c.name !== host).flatMap(remote) : [],
  };
}
