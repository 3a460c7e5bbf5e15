/**
 * Kubernetes service discovery for pods that run as local processes. No kubelet registers them
 * and the API server refuses loopback addresses in EndpointSlices, so Prometheus cannot discover
 * them itself: each generated `kubernetes_sd_configs` block is replaced by static targets that
 * carry the labels Prometheus' discovery (discovery/kubernetes, roles endpointslice and pod)
 * would attach, and the generated relabelling then runs unchanged.
 */

/** A pod the runner runs, as discovery would see it. */
export interface LocalPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly node: string;
  readonly hostIP: string;
  /** StatefulSet pods: hostname and subdomain (the governing Service). */
  readonly hostname?: string;
  readonly controller?: { readonly kind: string; readonly name: string };
  readonly containers: readonly LocalContainer[];
  readonly initContainers: readonly LocalContainer[];
}

export interface LocalContainer {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
}

export interface LocalService {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: readonly {
    readonly name?: string;
    readonly port: number;
    readonly targetPort?: number | string;
    readonly protocol?: string;
  }[];
}

export type LabelSet = Record<string, string>;

const META = '__meta_kubernetes_';
const sanitize = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');

function objectLabels(role: string, name: string, labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>) {
  const out: LabelSet = { [`${META}${role}_name`]: name };
  for (const [k, v] of Object.entries(labels)) {
    out[`${META}${role}_label_${sanitize(k)}`] = v;
    out[`${META}${role}_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(annotations)) {
    out[`${META}${role}_annotation_${sanitize(k)}`] = v;
    out[`${META}${role}_annotationpresent_${sanitize(k)}`] = 'true';
  }
  return out;
}

/** The pod labels discovery attaches to every target of a pod (a running, ready pod). */
export function podLabels(pod: LocalPod): LabelSet {
  return {
    ...objectLabels('pod', pod.name, pod.labels, pod.annotations),
    [`${META}pod_ip`]: pod.ip,
    [`${META}pod_ready`]: 'true',
    [`${META}pod_phase`]: 'Running',
    [`${META}pod_node_name`]: pod.node,
    [`${META}pod_host_ip`]: pod.hostIP,
    [`${META}pod_uid`]: pod.uid,
    ...(pod.controller ? { [`${META}pod_controller_kind`]: pod.controller.kind, [`${META}pod_controller_name`]: pod.controller.name } : {}),
  };
}

function containerLabels(c: LocalContainer, port: LocalContainer['ports'][number] | undefined, init: boolean): LabelSet {
  return {
    [`${META}pod_container_name`]: c.name,
    [`${META}pod_container_image`]: c.image,
    ...(port
      ? {
          [`${META}pod_container_port_name`]: port.name ?? '',
          [`${META}pod_container_port_number`]: String(port.containerPort),
          [`${META}pod_container_port_protocol`]: port.protocol ?? 'TCP',
        }
      : {}),
    [`${META}pod_container_init`]: String(init),
  };
}

const selects = (selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The pods a Service selects (its namespace, its selector; none without a selector). */
export function membersOf(svc: LocalService, pods: readonly LocalPod[]): LocalPod[] {
  return pods.filter((p) => p.namespace === svc.namespace && selects(svc.selector, p.labels));
}

/** The container port a Service port reaches on a pod (by name or number), if any. */
export function targetPortOf(svcPort: LocalService['ports'][number], pod: LocalPod): number | undefined {
  const t = svcPort.targetPort ?? svcPort.port;
  if (typeof t === 'number') return t;
  return [...pod.containers, ...pod.initContainers].flatMap((c) => c.ports).find((p) => p.name === t)?.containerPort;
}

/** Targets of role `endpointslice` in the given namespaces: one slice per Service, as the EndpointSlice controller builds them. */
export function endpointSliceTargets(
  services: readonly LocalService[],
  pods: readonly LocalPod[],
  namespaces?: readonly string[],
): LabelSet[] {
  const out: LabelSet[] = [];
  for (const svc of services) {
    if (namespaces && !namespaces.includes(svc.namespace)) continue;
    const members = membersOf(svc, pods);
    if (members.length === 0) continue;
    const slice = `${svc.name}-local`;
    const group: LabelSet = {
      [`${META}namespace`]: svc.namespace,
      [`${META}endpointslice_address_type`]: 'IPv4',
      ...objectLabels(
        'endpointslice',
        slice,
        { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': svc.name },
        {},
      ),
      ...objectLabels('service', svc.name, svc.labels, svc.annotations),
    };
    for (const pod of members) {
      const covered = new Set<number>();
      for (const sp of svc.ports) {
        const port = targetPortOf(sp, pod);
        if (port === undefined) continue; // the controller leaves a port it cannot resolve out of this pod's slice
        covered.add(port);
        const all = pod.containers.map((c) => ({ c, init: false })).concat(pod.initContainers.map((c) => ({ c, init: true })));
        const owner = all.find(({ c }) => c.ports.some((p) => p.containerPort === port));
        out.push({
          ...group,
          __address__: `${pod.ip}:${port}`,
          ...(sp.name ? { [`${META}endpointslice_port_name`]: sp.name } : { [`${META}endpointslice_port_name`]: '' }),
          [`${META}endpointslice_port_protocol`]: sp.protocol ?? 'TCP',
          [`${META}endpointslice_port`]: String(port),
          [`${META}endpointslice_endpoint_conditions_ready`]: 'true',
          [`${META}endpointslice_endpoint_conditions_serving`]: 'true',
          [`${META}endpointslice_endpoint_conditions_terminating`]: 'false',
          ...(pod.hostname ? { [`${META}endpointslice_endpoint_hostname`]: pod.hostname } : {}),
          [`${META}endpointslice_address_target_kind`]: 'Pod',
          [`${META}endpointslice_address_target_name`]: pod.name,
          [`${META}endpointslice_endpoint_node_name`]: pod.node,
          ...podLabels(pod),
          ...(owner
            ? containerLabels(
                owner.c,
                owner.c.ports.find((p) => p.containerPort === port),
                owner.init,
              )
            : {}),
        });
      }
      // Container ports no Service port covers get a target of their own (pod labels only).
      [...pod.containers.map((c) => ({ c, init: false })), ...pod.initContainers.map((c) => ({ c, init: true }))].forEach(({ c, init }) => {
        for (const p of c.ports) {
          if (covered.has(p.containerPort)) continue;
          out.push({
            ...group,
            __address__: `${pod.ip}:${p.containerPort}`,
            ...podLabels(pod),
            ...containerLabels(c, p, init),
          });
        }
      });
    }
  }
  return out;
}

/** Targets of role `pod` in the given namespaces: one per container port, one per container without ports. */
export function podTargets(pods: readonly LocalPod[], namespaces?: readonly string[]): LabelSet[] {
  return pods
    .filter((p) => !namespaces || namespaces.includes(p.namespace))
    .flatMap((pod) =>
      [...pod.containers.map((c) => ({ c, init: false })), ...pod.initContainers.map((c) => ({ c, init: true }))].flatMap(({ c, init }) =>
        (c.ports.length ? c.ports : [undefined]).map((p) => ({
          [`${META}namespace`]: pod.namespace,
          __address__: p ? `${pod.ip}:${p.containerPort}` : pod.ip,
          ...podLabels(pod),
          ...containerLabels(c, p, init),
        })),
      ),
    );
}

export interface Discovered {
  readonly services: readonly LocalService[];
  readonly pods: readonly LocalPod[];
}

/**
 * A generated Prometheus config with every kubernetes_sd_configs block replaced by the static
 * targets discovery would find among the local pods (relabelling untouched). Roles other than
 * endpointslice and pod (node, service, ingress, endpoints) are refused: the runner would
 * silently scrape nothing.
 */
export function staticDiscovery<T extends Record<string, any>>(config: T, local: Discovered): T {
  const replace = (block: any) => {
    const sds: any[] | undefined = block.kubernetes_sd_configs;
    if (!sds) return block;
    const { kubernetes_sd_configs: _drop, ...rest } = block;
    const targets = sds.flatMap((sd) => {
      const namespaces: string[] | undefined = sd.namespaces?.own_namespace ? undefined : sd.namespaces?.names;
      if (sd.selectors?.length)
        throw new Error(`kubernetes_sd_configs selectors are not supported by the local runner: ${JSON.stringify(sd.selectors)}`);
      if (sd.role === 'endpointslice') return endpointSliceTargets(local.services, local.pods, namespaces);
      if (sd.role === 'pod') return podTargets(local.pods, namespaces);
      throw new Error(`kubernetes_sd_configs role ${sd.role} is not supported by the local runner`);
    });
    return {
      ...rest,
      static_configs: [
        ...(rest.static_configs ?? []),
        ...targets.map(({ __address__, ...labels }) => ({ targets: [__address__], labels })),
      ],
    };
  };
  const out: any = { ...config };
  if (out.scrape_configs) out.scrape_configs = out.scrape_configs.map(replace);
  if (out.alerting?.alertmanagers) out.alerting = { ...out.alerting, alertmanagers: out.alerting.alertmanagers.map(replace) };
  return out;
}
