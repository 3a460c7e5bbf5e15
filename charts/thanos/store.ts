/**
 * Thanos store gateway: serves the bucket's history over the StoreAPI. With `shards` > 1 the
 * blocks are split across that many StatefulSets by hashmod of `__block_id`; each shard keeps
 * `replicas` copies for HA.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { stringify } from 'yaml';
import type { EnvConfig } from '../../envs/schema.js';
import { labelsFor, selectorLabels, type Workload, versioned } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import {
  CONFIG_HASH_ANNOTATION,
  configHash,
  pdb,
  restrictedPod,
  service,
  serviceAccount,
  serviceMonitor,
  haPlacement,
} from '../../lib/workload.js';
import { CLUSTER_LABEL, storageOf, type ChartContext } from '../context.js';
import {
  OBJSTORE_KEY,
  OBJSTORE_MOUNT,
  OBJSTORE_SECRET,
  objstoreConfig,
  serverArgs,
  THANOS_PORTS,
  thanosContainer,
  dataClaim,
  grpcServerTlsArgs,
  grpcTlsMount,
  grpcTlsVolume,
  GRPC_PORT,
  HTTP_PORT,
  storeLimitFlags,
} from './common.js';
import { tcp, type Flow } from '../flows.js';
import { PROMETHEUS, QUERY, STORE } from '../workloads.js';
import { type Component, whenThanos } from '../component.js';

/** Workload identity of shard i (the unsharded store is just `thanos-store`). */
function shard(env: EnvConfig, i: number): Workload {
  const w = versioned(STORE, env);
  return env.thanos.store.shards === 1 ? w : { ...w, name: `${w.name}-${i}` };
}

/** Names of the headless Services, one per shard, that Thanos Query discovers. */
export function storeServices(env: EnvConfig): string[] {
  return Array.from({ length: env.thanos.store.shards }, (_, i) => shard(env, i).name);
}

export function thanosStoreChart(scope: Construct, ctx: ChartContext): Chart {
  const { env } = ctx;
  const bucket = storageOf(ctx);
  const storeW = versioned(STORE, env);
  const chart = new Chart(scope, 'thanos-store');
  const ns = env.namespace;
  const s = env.thanos.store;
  serviceAccount(chart, storeW, ns, { roleArn: bucket.roles.store });

  for (let i = 0; i < s.shards; i++) {
    const w = shard(env, i);
    const labels = labelsFor(w);
    // Only this cluster's blocks, even in a bucket that holds others' (a migration from a shared
    // bucket): per-cluster queries stay per cluster and the global view reads each block once.
    // With shards, each keeps its hashmod share of the block IDs.
    const selector = [
      { action: 'keep', source_labels: [CLUSTER_LABEL], regex: ctx.cluster.name },
      ...(s.shards > 1
        ? [
            { action: 'hashmod', source_labels: ['__block_id'], target_label: 'shard', modulus: s.shards },
            { action: 'keep', source_labels: ['shard'], regex: String(i) },
          ]
        : []),
    ];
    const args = [
      'store',
      ...serverArgs(),
      ...grpcServerTlsArgs(),
      '--data-dir=/var/thanos/store',
      `--objstore.config-file=${OBJSTORE_MOUNT}/${OBJSTORE_KEY}`,
      `--index-cache.config=${stringify({ type: 'IN-MEMORY', config: { max_size: s.indexCacheSize } }, { lineWidth: 0 })}`,
      `--selector.relabel-config=${stringify(selector, { lineWidth: 0 })}`,
      ...storeLimitFlags(env).map((f) => `--${f.name}=${f.value}`),
    ];
    addObject(
      chart,
      new StatefulSet({
        metadata: { name: w.name, namespace: ns, labels },
        spec: {
          replicas: s.replicas,
          serviceName: w.name,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: selectorLabels(w) },
          template: {
            metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(objstoreConfig(bucket)) } },
            spec: {
              serviceAccountName: storeW.name,
              // IRSA uses its own projected token; the Kubernetes API token is not needed.
              automountServiceAccountToken: false,
              securityContext: restrictedPod(),
              ...(s.replicas > 1 ? haPlacement(selectorLabels(w), env.scheduling.zoneSpread) : {}),
              containers: [
                thanosContainer({
                  env,
                  name: 'thanos-store',
                  args,
                  resources: s.resources,
                  volumeMounts: [
                    { name: 'data', mountPath: '/var/thanos/store' },
                    { name: 'objstore', mountPath: OBJSTORE_MOUNT, readOnly: true },
                    grpcTlsMount,
                  ],
                }),
              ],
              volumes: [{ name: 'objstore', secret: { secretName: OBJSTORE_SECRET } }, grpcTlsVolume],
            },
          },
          volumeClaimTemplates: [dataClaim(s.storage)],
        },
      }),
    );
    addObject(chart, service(w, ns, THANOS_PORTS, { headless: true }));
    if (s.replicas > 1) addObject(chart, pdb(w, ns));
    addObject(chart, serviceMonitor(w, ns, 'http', env.prometheus.scrapeInterval));
  }
  return chart;
}

/** Who may reach the store gateways (every shard): Thanos Query's StoreAPI calls, Prometheus' scrapes. */
export function storeIngress(): Flow[] {
  const to = {
    'app.kubernetes.io/component': STORE.component,
    'app.kubernetes.io/part-of': selectorLabels(STORE)['app.kubernetes.io/part-of']!,
  };
  return [{ name: 'thanos-store', to, from: [QUERY, PROMETHEUS], ports: tcp(GRPC_PORT, HTTP_PORT) }];
}

export const thanosStoreComponent: Component = { name: 'thanos-store', render: thanosStoreChart, runs: whenThanos, ingress: storeIngress };
