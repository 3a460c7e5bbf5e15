/**
 * Thanos compactor: compaction, downsampling (raw -> 5m after 40h, 5m -> 1h after 10d),
 * retention per resolution and offline dedup of the HA replicas. Exactly one per bucket, so it
 * runs in one designated cluster of the environment and continuously (`--wait`).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { EnvConfig } from '../../envs/schema.js';
import { labelsFor, selectorLabels, versioned } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { ALL_REPLICA_LABELS } from '../../lib/replica-labels.js';
import { CONFIG_HASH_ANNOTATION, configHash, restrictedPod, service, serviceAccount, serviceMonitor } from '../../lib/workload.js';
import { storageOf, type ChartContext } from '../context.js';
import {
  HTTP_PORT,
  OBJSTORE_KEY,
  OBJSTORE_MOUNT,
  OBJSTORE_SECRET,
  objstoreConfig,
  serverArgs,
  thanosContainer,
  dataClaim,
} from './common.js';
import { tcp, type Flow } from '../flows.js';
import { COMPACTOR, PROMETHEUS } from '../workloads.js';
import { type Component, whenThanos } from '../component.js';

export function compactorArgs(env: EnvConfig): string[] {
  const c = env.thanos.compactor;
  return [
    'compact',
    ...serverArgs({ grpc: false }),
    '--wait',
    '--data-dir=/var/thanos/compact',
    `--objstore.config-file=${OBJSTORE_MOUNT}/${OBJSTORE_KEY}`,
    `--retention.resolution-raw=${c.retention.raw}`,
    `--retention.resolution-5m=${c.retention.fiveMinutes}`,
    `--retention.resolution-1h=${c.retention.oneHour}`,
    // Offline dedup of the HA pair's overlapping blocks: vertical compaction with the penalty
    // function, which is made for replicas of the same series.
    '--compact.enable-vertical-compaction',
    '--deduplication.func=penalty',
    ...ALL_REPLICA_LABELS.map((l) => `--deduplication.replica-label=${l}`),
    '--delete-delay=48h',
  ];
}

export function thanosCompactorChart(scope: Construct, ctx: ChartContext): Chart {
  const { env } = ctx;
  const bucket = storageOf(ctx);
  const compactorW = versioned(COMPACTOR, env);
  const chart = new Chart(scope, 'thanos-compactor');
  const ns = env.namespace;
  const c = env.thanos.compactor;
  const labels = labelsFor(compactorW);

  serviceAccount(chart, compactorW, ns, { roleArn: bucket.roles.compactor });
  addObject(
    chart,
    new StatefulSet({
      metadata: { name: compactorW.name, namespace: ns, labels },
      spec: {
        replicas: c.replicas,
        serviceName: compactorW.name,
        selector: { matchLabels: selectorLabels(compactorW) },
        template: {
          metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(objstoreConfig(bucket)) } },
          spec: {
            serviceAccountName: compactorW.name,
            // IRSA uses its own projected token; the Kubernetes API token is not needed.
            automountServiceAccountToken: false,
            securityContext: restrictedPod(),
            // A compaction in flight is abandoned on stop; give it time to finish its step.
            terminationGracePeriodSeconds: 120,
            containers: [
              thanosContainer({
                env,
                name: 'thanos-compactor',
                args: compactorArgs(env),
                resources: c.resources,
                grpc: false,
                volumeMounts: [
                  { name: 'data', mountPath: '/var/thanos/compact' },
                  { name: 'objstore', mountPath: OBJSTORE_MOUNT, readOnly: true },
                ],
              }),
            ],
            volumes: [{ name: 'objstore', secret: { secretName: OBJSTORE_SECRET } }],
          },
        },
        volumeClaimTemplates: [dataClaim(c.storage)],
      },
    }),
  );
  addObject(chart, service(compactorW, ns, [{ name: 'http', port: HTTP_PORT }]));
  addObject(chart, serviceMonitor(compactorW, ns, 'http', env.prometheus.scrapeInterval));
  return chart;
}

/** Only Prometheus reaches the compactor (its metrics). */
export function compactorIngress(): Flow[] {
  return [{ name: 'thanos-compactor', to: selectorLabels(COMPACTOR), from: [PROMETHEUS], ports: tcp(HTTP_PORT) }];
}

export const thanosCompactorComponent: Component = {
  name: 'thanos-compactor',
  render: thanosCompactorChart,
  runs: whenThanos,
  ingress: compactorIngress,
};
