/**
 * The prometheus-operator, rendered from the pinned version (as kube-prometheus does) rather than
 * from a Helm chart this machine cannot fetch: ServiceAccount, the ClusterRole it needs, a
 * Deployment running `versions.prometheusOperator`, a metrics Service and its ServiceMonitor.
 * Its CRDs are the vendored files of the same version (imports/crds, see charts/argocd.ts).
 *
 * No admission webhook: the rules it would validate are checked before merge by promtool on the
 * rendered PrometheusRules (test/rules), and one fewer certificate and endpoint the API server
 * must reach keeps bootstrap simple. Metrics stay plain HTTP inside the namespace, behind the
 * NetworkPolicies, like Thanos' own HTTP ports.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { imageOf } from '../envs/versions.js';
import { labelsFor, selectorLabels, versioned } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import { bindClusterRole, restrictedContainer, restrictedPod, service, serviceAccount, serviceMonitor } from '../lib/workload.js';
import type { ChartContext } from './context.js';
import { tcp, type Flow } from './flows.js';
import { OPERATOR, PROMETHEUS } from './workloads.js';
import { type Component, WAVES } from './component.js';

export const OPERATOR_METRICS_PORT = { name: 'http', port: 8080 } as const;
/** The Service the operator keeps filled with every kubelet (scraped by the kubelet monitor). */
export const KUBELET_SERVICE = { namespace: 'kube-system', name: 'kubelet' } as const;
/** Image of the config reloader the operator injects: released with the operator, same tag. */
export const CONFIG_RELOADER_IMAGE = 'quay.io/prometheus-operator/prometheus-config-reloader';

const all = ['*'];
const read = ['get', 'list', 'watch'];

/** What the operator does with the API (upstream's example RBAC for the pinned version, restated). */
export const OPERATOR_RULES = [
  {
    apiGroups: ['monitoring.coreos.com'],
    resources: [
      'alertmanagers',
      'alertmanagerconfigs',
      'prometheuses',
      'prometheusagents',
      'thanosrulers',
      'servicemonitors',
      'podmonitors',
      'probes',
      'prometheusrules',
      'scrapeconfigs',
    ].flatMap((r) => [
      r,
      `${r}/status`,
      ...(['alertmanagers', 'prometheuses', 'prometheusagents', 'thanosrulers'].includes(r) ? [`${r}/finalizers`] : []),
    ]),
    verbs: all,
  },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: all },
  { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: all },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
  { apiGroups: [''], resources: ['services', 'services/finalizers', 'endpoints'], verbs: ['get', 'create', 'update', 'delete'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: read },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: read },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
];

/** The operator's arguments (the control-plane tier runs the operator with exactly these). */
export function operatorArgs(env: {
  readonly release: { readonly images: { readonly prometheusOperator: { readonly tag: string } } };
}): string[] {
  return [
    `--kubelet-service=${KUBELET_SERVICE.namespace}/${KUBELET_SERVICE.name}`,
    '--kubelet-endpoints=true',
    '--kubelet-endpointslice=false',
    `--prometheus-config-reloader=${CONFIG_RELOADER_IMAGE}:${env.release.images.prometheusOperator.tag}`,
    // Everything is selected explicitly; never fall back to the deprecated unmanaged config.
    '--disable-unmanaged-prometheus-configuration=true',
    // Monitors, rules and scrape configs report in their status whether each Prometheus took them.
    '--feature-gates=StatusForConfigurationResources=true',
    `--web.listen-address=:${OPERATOR_METRICS_PORT.port}`,
    '--log-format=json',
  ];
}

export function prometheusOperatorChart(scope: Construct, { env }: ChartContext): Chart {
  const w = versioned(OPERATOR, env);
  const chart = new Chart(scope, 'prometheus-operator');
  const ns = env.namespace;
  const labels = labelsFor(w);
  const role = `greenlang-${w.name}`;

  serviceAccount(chart, w, ns, { apiAccess: true });
  addObject(
    chart,
    new ClusterRole({
      metadata: { name: role, labels },
      rules: OPERATOR_RULES.map((r) => ({ ...r, resources: [...r.resources], verbs: [...r.verbs] })),
    }),
  );
  addObject(chart, bindClusterRole(role, labels, { name: w.name, namespace: ns }));
  addObject(
    chart,
    new Deployment({
      metadata: { name: w.name, namespace: ns, labels },
      spec: {
        // One replica: reconciliation is level-based and idempotent; a restart only delays it.
        replicas: 1,
        selector: { matchLabels: selectorLabels(w) },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: w.name,
            securityContext: restrictedPod(65534),
            containers: [
              {
                name: 'prometheus-operator',
                image: imageOf(env, 'prometheusOperator'),
                args: operatorArgs(env),
                // Upstream's setting: a smaller heap for a controller that caches many objects.
                env: [{ name: 'GOGC', value: '30' }],
                ports: [{ name: OPERATOR_METRICS_PORT.name, containerPort: OPERATOR_METRICS_PORT.port, protocol: 'TCP' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: OPERATOR_METRICS_PORT.name }, periodSeconds: 20, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: '/healthz', port: OPERATOR_METRICS_PORT.name }, periodSeconds: 10, timeoutSeconds: 5 },
                securityContext: restrictedContainer(),
              },
            ],
          },
        },
      },
    }),
  );
  addObject(chart, service(w, ns, [OPERATOR_METRICS_PORT]));
  addObject(chart, serviceMonitor(w, ns, OPERATOR_METRICS_PORT.name, env.prometheus.scrapeInterval));
  return chart;
}

/** Only Prometheus reaches the operator (its metrics); it runs no admission webhook, so nothing else calls it. */
export function operatorIngress(): Flow[] {
  return [{ name: 'prometheus-operator', to: selectorLabels(OPERATOR), from: [PROMETHEUS], ports: tcp(OPERATOR_METRICS_PORT.port) }];
}

export const prometheusOperatorComponent: Component = {
  name: 'prometheus-operator',
  render: prometheusOperatorChart,
  wave: WAVES.prerequisites,
  ingress: operatorIngress,
};
