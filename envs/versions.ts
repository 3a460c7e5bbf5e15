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

export type ChartName = Exclude<keyof typeof helmCharts, 'repoURL'>;

/**
 * What one environment runs: an image tag per component and a version per Helm chart.
 * `versions`/`helmCharts` above are the newest pins, the ones `make tools` builds and the tests
 * run; an environment without an entry below (dev) runs exactly those. The environments after
 * it keep their own pins until `npm run promote -- <from> <to>` copies them forward, so a bump
 * here reaches staging and prod only through a promotion pull request.
 */
export interface Pins {
  readonly images: Readonly<Partial<Record<ComponentName, string>>>;
  readonly charts: Readonly<Partial<Record<ChartName, string>>>;
}

/** The block `npm run promote` rewrites: JSON between these two marker lines. */
export const PINS_BEGIN = '// BEGIN promoted pins (JSON; written by `npm run promote`, reviewed in its pull request)';
export const PINS_END = '// END promoted pins';

// BEGIN promoted pins (JSON; written by `npm run promote`, reviewed in its pull request)
export const promotedPins: Readonly<Record<string, Pins>> = {
  "staging": {
    "images": {
      "alertmanager": "v0.34.2",
      "kubeStateMetrics": "v2.18.0",
      "nodeExporter": "v1.12.1",
      "prometheus": "v3.14.0",
      "prometheusOperator": "v0.93.1",
      "pushgateway": "v1.11.3",
      "python": "3.12.8-slim-bookworm",
      "thanos": "v0.42.4"
    },
    "charts": {
      "kubePrometheusStack": "88.0.0",
      "prometheusOperatorCrds": "25.0.0"
    }
  },
  "prod": {
    "images": {
      "alertmanager": "v0.34.2",
      "kubeStateMetrics": "v2.18.0",
      "nodeExporter": "v1.12.1",
      "prometheus": "v3.14.0",
      "prometheusOperator": "v0.93.1",
      "pushgateway": "v1.11.3",
      "python": "3.12.8-slim-bookworm",
      "thanos": "v0.42.4"
    },
    "charts": {
      "kubePrometheusStack": "88.0.0",
      "prometheusOperatorCrds": "25.0.0"
    }
  }
};
// END promoted pins

/** An environment's resolved release: full image references and chart versions. */
export interface Release {
  readonly images: Readonly<Record<ComponentName, { readonly image: string; readonly tag: string }>>;
  readonly charts: Readonly<Record<ChartName, { readonly chart: string; readonly version: string }>>;
}

/** The release an environment runs: the newest pins, overridden by its promoted pins. */
export function releaseOf(env: string, pins: Readonly<Record<string, Pins>> = promotedPins): Release {
  const own = pins[env];
  const images = Object.fromEntries(
    (Object.keys(versions) as ComponentName[]).map((c) => [c, { image: versions[c].image, tag: own?.images[c] ?? versions[c].tag }]),
  ) as Record<ComponentName, { image: string; tag: string }>;
  const charts = Object.fromEntries(
    chartNames().map((c) => [c, { chart: helmCharts[c].chart, version: own?.charts[c] ?? helmCharts[c].version }]),
  ) as Record<ChartName, { chart: string; version: string }>;
  return { images, charts };
}

/** The pins that reproduce a release exactly (what promotion writes into the next env). */
export function pinsOf(release: Release): Pins {
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return {
    images: sorted(Object.fromEntries(Object.entries(release.images).map(([c, v]) => [c, v.tag]))),
    charts: sorted(Object.fromEntries(Object.entries(release.charts).map(([c, v]) => [c, v.version]))),
  };
}

export function chartNames(): ChartName[] {
  return (Object.keys(helmCharts) as (keyof typeof helmCharts)[]).filter((k): k is ChartName => k !== 'repoURL');
}

/** `repo:tag` for a component, as the environment runs it. */
export function imageOf(env: { readonly release: Release }, component: ComponentName): string {
  const v = env.release.images[component];
  return `${v.image}:${v.tag}`;
}
