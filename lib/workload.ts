/**
 * Building blocks shared by the workload charts: restricted security contexts, probes,
 * Services, PDBs, anti-affinity, ServiceMonitors and config-hash annotations. Each takes the
 * workload's identity so names and selectors stay consistent.
 */
import crypto from 'node:crypto';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import type { ITopologySpreadConstraint } from 'kubernetes-models/v1/TopologySpreadConstraint';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import type { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsScheme,
  type PrometheusSpecStorage,
  type ServiceMonitorSpecEndpoints,
} from '../imports/monitoring.coreos.com.js';
import { labelsFor, selectorLabels, type Workload } from './labels.js';
import { constructId, typed, type TypedObject } from './objects.js';

export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const CONFIG_HASH_ANNOTATION = 'checksum/config';

/** Pod-level defaults for PSS `restricted`. */
export function restrictedPod(uid = 65534): IPodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

/** Container-level defaults for PSS `restricted`, with a read-only root filesystem. */
export function restrictedContainer(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Liveness on /-/healthy and readiness on /-/ready, the convention of every Prometheus-ecosystem server. */
export function httpProbes(port: string): Pick<IContainer, 'livenessProbe' | 'readinessProbe'> {
  return {
    livenessProbe: { httpGet: { path: '/-/healthy', port }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 },
    readinessProbe: { httpGet: { path: '/-/ready', port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/**
 * A workload's ServiceAccount (cdk8s-plus), with its IRSA role when it has one. No API token
 * unless the workload calls the API server (`apiAccess`): Thanos and the exporters' servers never do.
 */
export function serviceAccount(
  scope: Construct,
  w: Workload,
  ns: string,
  opts: { roleArn?: string; apiAccess?: boolean } = {},
): kplus.ServiceAccount {
  return new kplus.ServiceAccount(scope, constructId('ServiceAccount', ns, w.name), {
    metadata: {
      name: w.name,
      namespace: ns,
      labels: labelsFor(w),
      ...(opts.roleArn ? { annotations: { [IRSA_ANNOTATION]: opts.roleArn } } : {}),
    },
    automountToken: opts.apiAccess ?? false,
  });
}

/** A ConfigMap (cdk8s-plus) of files a workload mounts. */
export function configMap(
  scope: Construct,
  c: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    data: Record<string, string>;
  },
): kplus.ConfigMap {
  return new kplus.ConfigMap(scope, constructId('ConfigMap', c.namespace, c.name), {
    metadata: { name: c.name, namespace: c.namespace, labels: c.labels, ...(c.annotations ? { annotations: c.annotations } : {}) },
    data: c.data,
  });
}

/** Bind a ClusterRole (of the same name) to one ServiceAccount. */
export function bindClusterRole(role: string, labels: Record<string, string>, sa: { name: string; namespace: string }): ClusterRoleBinding {
  return new ClusterRoleBinding({
    metadata: { name: role, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }],
  });
}

export interface PortSpec {
  readonly name: string;
  readonly port: number;
}

/** A Service for a workload; `headless` for DNS SRV discovery of every pod (`_<port>._tcp.<name>`). */
export function service(
  w: Workload,
  ns: string,
  ports: readonly PortSpec[],
  opts: { headless?: boolean; name?: string; selector?: Record<string, string> } = {},
): Service {
  return new Service({
    metadata: { name: opts.name ?? w.name, namespace: ns, labels: labelsFor(w) },
    spec: {
      ...(opts.headless ? { clusterIP: 'None' } : { type: 'ClusterIP' }),
      selector: opts.selector ?? selectorLabels(w),
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  });
}

/** At most one pod of an HA workload down at a time for voluntary disruptions. */
export function pdb(w: Workload, ns: string, selector: Record<string, string> = selectorLabels(w)): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: { name: w.name, namespace: ns, labels: labelsFor(w) },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  });
}

/** How strictly an HA workload's replicas spread across zones (envs: scheduling.zoneSpread). */
export type ZoneSpread = 'required' | 'preferred';

/**
 * Where an HA workload's replicas go: never two on one node (so one node loss never takes the
 * pair), and spread across zones, as a rule (`required`: a replica waits rather than share a
 * zone) or a preference. A Deployment spreads each ReplicaSet on its own (pod-template-hash), so
 * a rolling update is not blocked by the pods it replaces.
 */
export function haPlacement(
  selector: Record<string, string>,
  zoneSpread: ZoneSpread,
  opts: { deployment?: boolean } = {},
): { affinity: IAffinity; topologySpreadConstraints: ITopologySpreadConstraint[] } {
  return {
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: zoneSpread === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
        ...(opts.deployment ? { matchLabelKeys: ['pod-template-hash'] } : {}),
      },
    ],
  };
}

/** A ServiceMonitor for a workload's Service: its own selector labels, its Service's namespace. */
export function monitorFor(
  w: Workload,
  ns: string,
  endpoints: ServiceMonitorSpecEndpoints[],
  opts: { selector?: Record<string, string>; targetNamespace?: string } = {},
): TypedObject {
  return typed(ServiceMonitor, {
    metadata: { name: w.name, namespace: ns, labels: labelsFor(w) },
    spec: {
      selector: { matchLabels: opts.selector ?? selectorLabels(w) },
      namespaceSelector: { matchNames: [opts.targetNamespace ?? ns] },
      endpoints,
    },
  });
}

/** The common case: one port scraped at `/metrics`, over HTTPS when `tls` is given. */
export function serviceMonitor(
  w: Workload,
  ns: string,
  port: string,
  interval: string,
  tls?: ServiceMonitorSpecEndpoints['tlsConfig'],
): TypedObject {
  return monitorFor(w, ns, [
    { port, interval, path: '/metrics', ...(tls ? { scheme: ServiceMonitorSpecEndpointsScheme.HTTPS, tlsConfig: tls } : {}) },
  ]);
}

/** Stable hash of the configuration a pod reads from files, so a config change rolls the pods. */
export function configHash(...parts: readonly string[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

export type Resources = IResourceRequirements;

/** A quantity as the imported CRD types hold it (`cdk8s import` wraps int-or-string values). */
export interface Quantity {
  readonly value: string | number;
}

/** Wrap a map of quantity strings (requests, limits) for a custom resource's typed props. */
export function quantities(m: Record<string, string> | undefined): Record<string, Quantity> | undefined {
  return m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { value: v }]));
}

/** Container resources for the operator's CRs (Prometheus, Alertmanager, ThanosRuler). */
export function crResources(r: Resources): { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> } {
  return {
    requests: quantities(r.requests as Record<string, string> | undefined),
    limits: quantities(r.limits as Record<string, string> | undefined),
  };
}

/**
 * `spec.storage` of an operator CR (Prometheus, Alertmanager, ThanosRuler): a PVC template per
 * replica. The three kinds' generated types have the same shape; Prometheus' names it.
 */
export function operatorStorage(claimName: string, storage: { storageClassName: string; size: string }): PrometheusSpecStorage {
  return {
    volumeClaimTemplate: {
      metadata: { name: claimName },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: storage.storageClassName,
        resources: { requests: quantities({ storage: storage.size }) },
      },
    },
  };
}
