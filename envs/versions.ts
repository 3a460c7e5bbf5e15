/**
 * Every version the platform deploys, in one place.
 *
 * Image tags are what the charts render; `goModule` is the upstream Go module and the module
 * version the test tools under `tools/` build, so what is tested is what is deployed
 * (test/tools/versions.test.ts fails if the two drift).
 */

export interface ComponentVersion {
  /** Container image repository. */
  readonly image: string;
  /** Image tag as deployed. */
  readonly tag: string;
  /** Upstream Go module built by `make tools` for tests, when there is one. */
  readonly goModule?: { readonly path: string; readonly version: string };
}

/**
 * Prometheus 3.x publishes its Go module as v0.3MM.P for release v3.MM.P; this keeps the
 * two spellings derivable from one pin.
 */
export function prometheusModuleVersion(tag: string): string {
  const m = /^v3\.(\d+)\.(\d+)$/.exec(tag);
  if (!m) throw new Error(`prometheus tag ${tag} is not of the form v3.MINOR.PATCH`);
  return `v0.${300 + Number(m[1])}.${m[2]}`;
}

const prometheusTag = 'v3.14.0';

export const versions = {
  prometheus: {
    image: 'quay.io/prometheus/prometheus',
    tag: prometheusTag,
    goModule: { path: 'github.com/prometheus/prometheus', version: prometheusModuleVersion(prometheusTag) },
  },
  // Thanos >= v0.37 is required by Prometheus 3 (sidecar); v0.38 removed --store.
  thanos: {
    image: 'quay.io/thanos/thanos',
    tag: 'v0.42.4',
    goModule: { path: 'github.com/thanos-io/thanos', version: 'v0.42.4' },
  },
  alertmanager: {
    image: 'quay.io/prometheus/alertmanager',
    tag: 'v0.34.2',
    goModule: { path: 'github.com/prometheus/alertmanager', version: 'v0.34.2' },
  },
  // >= 1.5.1 for CVE-2022-46146.
  pushgateway: {
    image: 'quay.io/prometheus/pushgateway',
    tag: 'v1.11.3',
    goModule: { path: 'github.com/prometheus/pushgateway', version: 'v1.11.3' },
  },
  nodeExporter: {
    image: 'quay.io/prometheus/node-exporter',
    tag: 'v1.12.1',
    goModule: { path: 'github.com/prometheus/node_exporter', version: 'v1.12.1' },
  },
  kubeStateMetrics: {
    image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics',
    tag: 'v2.18.0',
  },
  // Runs the stdlib-only jobs (alert digest, PushGateway janitor) mounted from ConfigMaps.
  python: {
    image: 'docker.io/library/python',
    tag: '3.12.8-slim-bookworm',
  },
  prometheusOperator: {
    image: 'quay.io/prometheus-operator/prometheus-operator',
    tag: 'v0.93.1',
  },
} as const satisfies Record<string, ComponentVersion>;

export type ComponentName = keyof typeof versions;

/**
 * Upstream Helm charts Argo CD installs (the operator and its CRDs are not rendered by us).
 * The operator chart must ship the operator version pinned above.
 */
export const helmCharts = {
  repoURL: 'https://prometheus-community.github.io/helm-charts',
  prometheusOperatorCrds: { chart: 'prometheus-operator-crds', version: '25.0.0' },
  kubePrometheusStack: { chart: 'kube-prometheus-stack', version: '88.0.0' },
} as const;

/** `repo:tag` for a component. */
export function imageOf(component: ComponentName): string {
  const v = versions[component];
  return `${v.image}:${v.tag}`;
}
