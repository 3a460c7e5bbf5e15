/**
 * Stand-ins for GreenLang's own workloads in the preview, so every GreenLang scrape job has
 * targets and the services' rules and dashboard have data: a pod behind a Service for every
 * catalogued service (envs `services`, found by its rendered ServiceMonitor), one pod opting in
 * with the `prometheus.io/scrape` label (PodMonitor greenlang-pods) and one with the annotations
 * (ScrapeConfig greenlang-annotated-pods). Each runs tools/preview/greenlang_service.py: the SDK's
 * ServiceMetrics and AgentMetrics with traffic of its own. Not part of dist.
 */
import type { EnvConfig } from '../../envs/schema.js';
import type { Manifest } from '../../lib/synth.js';
import { SDK_SERVICE_IMAGE, SDK_SERVICE_PORT } from '../runner/kubelet.js';

const PORT_NAME = 'metrics';

function deployment(namespace: string, name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Manifest {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'service',
              image: SDK_SERVICE_IMAGE,
              ports: [{ name: PORT_NAME, containerPort: SDK_SERVICE_PORT, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/metrics', port: PORT_NAME }, periodSeconds: 5 },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
  return d;
}

export function greenlangStandIns(env: EnvConfig): Manifest[] {
  const first = env.monitoredNamespaces[0]!;
  const namespaces = [...new Set([...env.services.map((s) => s.namespace), first])];
  const out = [
    // No controller-manager creates the namespace's default ServiceAccount here.
    ...namespaces.map((namespace) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace },
      automountServiceAccountToken: false,
    })),
    ...env.services.flatMap((s) => {
      // Labelled as real workloads are: the recommended name label and the service's selector,
      // no `app` label unless the selector uses it (so the `service` label's fallback cannot hide a gap).
      const labels = { 'app.kubernetes.io/name': s.name, ...s.selector };
      return [
        deployment(s.namespace, s.name, labels),
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: s.name, namespace: s.namespace, labels: s.selector },
          spec: { selector: labels, ports: [{ name: s.port, port: SDK_SERVICE_PORT, targetPort: PORT_NAME, protocol: 'TCP' }] },
        },
      ];
    }),
    deployment(first, 'label-opt-in', { 'app.kubernetes.io/name': 'label-opt-in', 'prometheus.io/scrape': 'true' }),
    deployment(
      first,
      'annotation-opt-in',
      { 'app.kubernetes.io/name': 'annotation-opt-in' },
      { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(SDK_SERVICE_PORT), 'prometheus.io/path': '/metrics' },
    ),
  ];
  return out;
}
