/**
 * The Thanos sidecar runs inside each Prometheus pod (the operator injects it from
 * `spec.thanos`); this adds what the operator does not: a headless Service of our own for DNS
 * SRV discovery by Thanos Query, and a ServiceMonitor for the sidecar's metrics.
 */
import type { PrometheusSpecThanos } from '../../imports/monitoring.coreos.com.js';
import type { EnvConfig } from '../../envs/schema.js';
import { imageOf } from '../../envs/versions.js';
import { versioned } from '../../lib/labels.js';
import { crResources, service, serviceMonitor } from '../../lib/workload.js';
import { parseQuantity } from '../../lib/units.js';
import { grpcTlsFiles, grpcTlsMount, OBJSTORE_KEY, OBJSTORE_SECRET, storeLimitFlags, THANOS_PORTS } from './common.js';
import { SIDECAR } from '../workloads.js';

export const SIDECAR_SERVICE = SIDECAR.name;

/** `spec.thanos` of the Prometheus CR. */
export function sidecarSpec(env: EnvConfig): PrometheusSpecThanos {
  return {
    image: imageOf(env, 'thanos'),
    version: env.release.images.thanos.tag,
    objectStorageConfig: { name: OBJSTORE_SECRET, key: OBJSTORE_KEY },
    resources: crResources(env.thanos.sidecar.resources),
    grpcServerTlsConfig: { certFile: grpcTlsFiles.cert, keyFile: grpcTlsFiles.key, caFile: grpcTlsFiles.ca },
    volumeMounts: [grpcTlsMount],
    additionalArgs: storeLimitFlags(env),
  };
}

/** The name the operator gives the container it injects; `spec.containers` entries merge into it by name. */
export const SIDECAR_CONTAINER = 'thanos-sidecar';

/**
 * The sidecar's Go runtime, for `spec.containers` of the Prometheus CR (the operator has no field
 * for it): GOGC from the env, GOMEMLIMIT at 90% of the memory limit so a high GOGC never
 * carries the heap into the OOM killer.
 */
export function sidecarRuntime(env: EnvConfig) {
  const s = env.thanos.sidecar;
  const limit = parseQuantity(s.resources.limits.memory)!;
  return {
    name: SIDECAR_CONTAINER,
    env: [
      { name: 'GOGC', value: String(s.goGC) },
      { name: 'GOMEMLIMIT', value: String(Math.floor(limit * 0.9)) },
    ],
  };
}

/** Headless Service over the Prometheus pods' sidecar ports, and its ServiceMonitor. */
export function sidecarObjects(env: EnvConfig, podSelector: Record<string, string>) {
  const sidecarW = versioned(SIDECAR, env);
  return [
    service(sidecarW, env.namespace, THANOS_PORTS, { headless: true, selector: podSelector }),
    serviceMonitor(sidecarW, env.namespace, 'http', env.prometheus.scrapeInterval),
  ];
}
