/**
 * The platform's shared vocabulary: every workload's identity, the ports and well-known names
 * other components connect to, and the namespaces it targets. A leaf: it imports no chart, so a
 * component refers to another by these references, never by importing its chart module (which
 * would tie the charts into one import cycle).
 */
import type { EnvConfig } from '../envs/schema.js';
import type { Workload } from '../lib/labels.js';

// alert-digest
export const ALERT_DIGEST: Workload = { name: 'alert-digest', component: 'alert-digest', versionOf: 'python' };

// alertmanager
export const ALERTMANAGER: Workload = { name: 'alertmanager', component: 'alertmanager', versionOf: 'alertmanager' };
export const ALERTMANAGER_WEB_PORT = 9093;
/** The headless Service the operator keeps for an Alertmanager CR: every replica, for DNS SRV and fan-out. */
export const ALERTMANAGER_OPERATED_SERVICE = 'alertmanager-operated';
/** The replicas' gossip (TCP and UDP), on the operator's `alertmanager-operated` Service. */
export const ALERTMANAGER_MESH_PORT = 9094;

// blackbox-exporter
export const BLACKBOX: Workload = { name: 'blackbox-exporter', component: 'prober', versionOf: 'blackboxExporter' };
export const BLACKBOX_PORT = { name: 'http', port: 9115 } as const;

// exporters
export const KUBE_STATE_METRICS: Workload = { name: 'kube-state-metrics', component: 'exporter', versionOf: 'kubeStateMetrics' };
export const NODE_EXPORTER: Workload = { name: 'node-exporter', component: 'exporter', versionOf: 'nodeExporter' };
export const NODE_EXPORTER_PORT = 9100;
/** kube-state-metrics: the object metrics and its own telemetry. */
export const KSM_PORTS = { metrics: { name: 'http-metrics', port: 8080 }, telemetry: { name: 'telemetry', port: 8081 } } as const;

// prometheus-operator
export const OPERATOR: Workload = { name: 'prometheus-operator', component: 'controller', versionOf: 'prometheusOperator' };
/** Metrics port of the config reloader the operator injects into Prometheus, Alertmanager and ThanosRuler pods. */
export const CONFIG_RELOADER_PORT = 8080;

// prometheus
export const PROMETHEUS: Workload = { name: 'prometheus', component: 'server', versionOf: 'prometheus' };
export const PROMETHEUS_WEB_PORT = 9090;

// pushgateway
export const PUSHGATEWAY: Workload = { name: 'pushgateway', component: 'pushgateway', versionOf: 'pushgateway' };
export const JANITOR: Workload = { name: 'pushgateway-janitor', component: 'pushgateway-janitor', versionOf: 'python' };
export const PUSHGATEWAY_PORT = 9091;

// thanos query
export const QUERY: Workload = { name: 'thanos-query', component: 'query', versionOf: 'thanos' };

// thanos sidecar
export const SIDECAR: Workload = { name: 'thanos-sidecar', component: 'sidecar', versionOf: 'thanos' };

// thanos query-global
export const QUERY_GLOBAL: Workload = { name: 'thanos-query-global', component: 'query-global', versionOf: 'thanos' };

// thanos compactor
export const COMPACTOR: Workload = { name: 'thanos-compactor', component: 'compactor', versionOf: 'thanos' };

// thanos store
export const STORE: Workload = { name: 'thanos-store', component: 'store-gateway', versionOf: 'thanos' };

// thanos ruler
export const RULER: Workload = { name: 'thanos-ruler', component: 'ruler', versionOf: 'thanos' };
export const THANOS_RULER_SERVICE = RULER.name;

// thanos query-frontend
export const QUERY_FRONTEND: Workload = { name: 'thanos-query-frontend', component: 'query-frontend', versionOf: 'thanos' };

// scrape-targets
/** On a ServiceMonitor, PodMonitor, Probe or ScrapeConfig: "true" when zero targets is normal. */
export const TARGETS_OPTIONAL_ANNOTATION = 'monitoring.greenlang.io/targets-optional';

// monitors
/** Namespaces outside the monitored ones where system targets live (discovery RBAC only). */
export const SYSTEM_TARGET_NAMESPACES = ['kube-system', 'default'] as const;
/** The namespaces this platform owns (its own and the host one) or watches (the monitored ones). */
export function platformNamespaces(env: EnvConfig): string[] {
  return [...new Set([env.namespace, env.hostNamespace, ...env.monitoredNamespaces])];
}
/** Every namespace Prometheus discovers targets in: its own, the monitored ones, system and host. */
export function targetNamespaces(env: EnvConfig): string[] {
  return [...new Set([env.namespace, ...env.monitoredNamespaces, ...SYSTEM_TARGET_NAMESPACES, env.hostNamespace])];
}

// grafana
export const GRAFANA_WORKLOAD: Workload = { name: 'grafana', component: 'dashboards-ui', versionOf: 'grafana' };
/** Grafana's HTTPS port (the web UI and API, and /metrics). */
export const GRAFANA_PORT = 3000;
/** Unified alerting's gossip between Grafana replicas (TCP and UDP). */
export const GRAFANA_ALERTING_PORT = 9094;
