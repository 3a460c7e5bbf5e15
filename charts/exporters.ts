/**
 * kube-state-metrics and node-exporter at pinned versions.
 * - kube-state-metrics: one Deployment (PRD 2.2), read-only access to exactly the resources it
 *   is told to export (`--resources` and the ClusterRole come from one list).
 * - node-exporter: a DaemonSet on every node. It needs the host's view, granted as narrowly as
 *   it goes: host network (real interface stats), read-only /proc, /sys and root filesystem, no
 *   host PID, no privilege, no capabilities. It is the platform's one documented exception to
 *   the `restricted` pod security standard.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ServiceMonitorSpecEndpointsRelabelingsAction, ServiceMonitorSpecEndpointsScheme } from '../imports/monitoring.coreos.com.js';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { imageOf } from '../envs/versions.js';
import { scrapeTlsConfig, webTlsMount, webTlsVolume } from '../lib/web-tls.js';
import { NODE_EXPORTER_AUTH_SECRET } from './secrets.js';
import { labelsFor, selectorLabels, versioned } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import { bindClusterRole, monitorFor, restrictedContainer, restrictedPod, service, serviceAccount } from '../lib/workload.js';
import type { ChartContext } from './context.js';
import { tcp, type Flow } from './flows.js';
import { KSM_PORTS, KUBE_STATE_METRICS, NODE_EXPORTER, NODE_EXPORTER_PORT, PROMETHEUS } from './workloads.js';
import { type Component } from './component.js';

const NODE_EXPORTER_AUTH_MOUNT = '/etc/node-exporter/auth';

/** What kube-state-metrics exports, by API group; the ClusterRole grants list/watch on exactly these. */
export const KSM_RESOURCES: Record<string, readonly string[]> = {
  '': [
    'nodes',
    'pods',
    'services',
    'endpoints',
    'namespaces',
    'persistentvolumeclaims',
    'persistentvolumes',
    'resourcequotas',
    'limitranges',
    'replicationcontrollers',
  ],
  apps: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
  batch: ['jobs', 'cronjobs'],
  autoscaling: ['horizontalpodautoscalers'],
  policy: ['poddisruptionbudgets'],
  'storage.k8s.io': ['storageclasses', 'volumeattachments'],
  'networking.k8s.io': ['ingresses', 'networkpolicies'],
};

export function exportersChart(scope: Construct, { env }: ChartContext): Chart {
  const kubestatemetricsW = versioned(KUBE_STATE_METRICS, env);
  const nodeexporterW = versioned(NODE_EXPORTER, env);
  const chart = new Chart(scope, 'exporters');
  const ns = env.namespace;

  // kube-state-metrics
  const ksmLabels = labelsFor(kubestatemetricsW);
  serviceAccount(chart, kubestatemetricsW, ns, { apiAccess: true }); // it lists and watches the API
  const clusterRoleName = `greenlang-${kubestatemetricsW.name}`;
  addObject(
    chart,
    new ClusterRole({
      metadata: { name: clusterRoleName, labels: ksmLabels },
      rules: Object.entries(KSM_RESOURCES).map(([group, resources]) => ({
        apiGroups: [group],
        resources: [...resources],
        verbs: ['list', 'watch'],
      })),
    }),
  );
  addObject(chart, bindClusterRole(clusterRoleName, ksmLabels, { name: kubestatemetricsW.name, namespace: ns }));
  addObject(
    chart,
    new Deployment({
      metadata: { name: kubestatemetricsW.name, namespace: ns, labels: ksmLabels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels(kubestatemetricsW) },
        template: {
          metadata: { labels: ksmLabels },
          spec: {
            serviceAccountName: kubestatemetricsW.name,
            securityContext: restrictedPod(65534),
            containers: [
              {
                name: 'kube-state-metrics',
                image: imageOf(env, 'kubeStateMetrics'),
                args: [
                  `--port=${KSM_PORTS.metrics.port}`,
                  `--telemetry-port=${KSM_PORTS.telemetry.port}`,
                  `--resources=${Object.values(KSM_RESOURCES).flat().sort().join(',')}`,
                  // Labels are opt-in: only the standard app labels become kube_*_labels series.
                  '--metric-labels-allowlist=pods=[app,app.kubernetes.io/name,app.kubernetes.io/component],namespaces=[team]',
                ],
                ports: Object.values(KSM_PORTS).map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
                resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
                livenessProbe: { httpGet: { path: '/livez', port: KSM_PORTS.metrics.name }, periodSeconds: 20, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: '/readyz', port: KSM_PORTS.telemetry.name }, periodSeconds: 10, timeoutSeconds: 5 },
                securityContext: restrictedContainer(),
              },
            ],
          },
        },
      },
    }),
  );
  addObject(chart, service(kubestatemetricsW, ns, Object.values(KSM_PORTS)));
  addObject(
    chart,
    monitorFor(kubestatemetricsW, ns, [
      // honorLabels: the namespace/pod labels describe the object, not the exporter.
      { port: KSM_PORTS.metrics.name, interval: env.prometheus.scrapeInterval, honorLabels: true },
      { port: KSM_PORTS.telemetry.name, interval: env.prometheus.scrapeInterval },
    ]),
  );

  // node-exporter, in the host namespace (privileged pod security); its monitor stays with the others.
  const neLabels = labelsFor(nodeexporterW);
  const hostNs = env.hostNamespace;
  serviceAccount(chart, nodeexporterW, hostNs);
  addObject(
    chart,
    new DaemonSet({
      metadata: { name: nodeexporterW.name, namespace: hostNs, labels: neLabels },
      spec: {
        selector: { matchLabels: selectorLabels(nodeexporterW) },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: neLabels },
          spec: {
            serviceAccountName: nodeexporterW.name,
            automountServiceAccountToken: false,
            hostNetwork: true,
            hostPID: false,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            securityContext: restrictedPod(65534),
            containers: [
              {
                name: 'node-exporter',
                image: imageOf(env, 'nodeExporter'),
                args: [
                  // Only on the node's own address, not every interface of the host network.
                  `--web.listen-address=$(HOST_IP):${NODE_EXPORTER_PORT}`,
                  '--path.procfs=/host/proc',
                  '--path.sysfs=/host/sys',
                  '--path.rootfs=/host/root',
                  '--path.udev.data=/host/root/run/udev/data',
                  '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/pods/.+)($|/)',
                  '--collector.netclass.ignored-devices=^(veth.*|[a-f0-9]{15})$',
                  '--collector.netdev.device-exclude=^(veth.*|[a-f0-9]{15})$',
                  // TLS and basic auth: on the host network, NetworkPolicies do not protect it.
                  `--web.config.file=${NODE_EXPORTER_AUTH_MOUNT}/web-config.yml`,
                ],
                env: [{ name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
                ports: [{ name: 'metrics', containerPort: NODE_EXPORTER_PORT, protocol: 'TCP' }],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '180Mi' } },
                // Basic auth covers every path; a TCP probe needs no credential.
                livenessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 30, timeoutSeconds: 5 },
                readinessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5 },
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'proc', mountPath: '/host/proc', readOnly: true },
                  { name: 'sys', mountPath: '/host/sys', readOnly: true },
                  { name: 'root', mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' },
                  { name: 'auth', mountPath: NODE_EXPORTER_AUTH_MOUNT, readOnly: true },
                  webTlsMount,
                ],
              },
            ],
            volumes: [
              { name: 'proc', hostPath: { path: '/proc', type: 'Directory' } },
              { name: 'sys', hostPath: { path: '/sys', type: 'Directory' } },
              { name: 'root', hostPath: { path: '/', type: 'Directory' } },
              {
                name: 'auth',
                secret: { secretName: NODE_EXPORTER_AUTH_SECRET, items: [{ key: 'web-config.yml', path: 'web-config.yml' }] },
              },
              webTlsVolume,
            ],
          },
        },
      },
    }),
  );
  addObject(chart, service(nodeexporterW, hostNs, [{ name: 'metrics', port: NODE_EXPORTER_PORT }], { headless: true }));
  addObject(
    chart,
    monitorFor(
      nodeexporterW,
      ns,
      [
        {
          port: 'metrics',
          interval: env.prometheus.scrapeInterval,
          scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
          tlsConfig: scrapeTlsConfig(hostNs),
          basicAuth: {
            username: { name: NODE_EXPORTER_AUTH_SECRET, key: 'username' },
            password: { name: NODE_EXPORTER_AUTH_SECRET, key: 'password' },
          },
          // instance = node name, so node series join with kube_node_* and kubelet series.
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_node_name'],
              targetLabel: 'instance',
              action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
            },
          ],
        },
      ],
      { targetNamespace: hostNs },
    ),
  );
  return chart;
}

/** Only Prometheus reaches kube-state-metrics (node-exporter is on the host network, outside any policy). */
export function exportersIngress(): Flow[] {
  return [
    {
      name: 'kube-state-metrics',
      to: selectorLabels(KUBE_STATE_METRICS),
      from: [PROMETHEUS],
      ports: tcp(...Object.values(KSM_PORTS).map((p) => p.port)),
    },
  ];
}

export const exportersComponent: Component = { name: 'exporters', render: exportersChart, ingress: exportersIngress };
