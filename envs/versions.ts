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

const prometheusTag = 'v3.16.0';

export const versions = {
  prometheus: {
    image: 'quay.io/prometheus/prometheus',
    tag: prometheusTag,
    goModule: { path: 'github.com/prometheus/prometheus', version: prometheusModuleVersion(prometheusTag) },
  },
  // Thanos >= v0.37 is required by Prometheus 3 (sidecar); v0.38 removed --store.
  thanos: {
    image: 'quay.io/thanos/thanos',
    tag: 'v0.42.5',
    goModule: { path: 'github.com/thanos-io/thanos', version: 'v0.42.5' },
  },
  alertmanager: {
    image: 'quay.io/prometheus/alertmanager',
    tag: 'v0.35.0',
    goModule: { path: 'github.com/prometheus/alertmanager', version: 'v0.35.0' },
  },
  // >= 1.5.1 for CVE-2022-46146.
  pushgateway: {
    image: 'quay.io/prometheus/pushgateway',
    tag: 'v1.11.5',
    goModule: { path: 'github.com/prometheus/pushgateway', version: 'v1.11.5' },
  },
  nodeExporter: {
    image: 'quay.io/prometheus/node-exporter',
    tag: 'v1.12.1',
    goModule: { path: 'github.com/prometheus/node_exporter', version: 'v1.12.1' },
  },
  blackboxExporter: {
    image: 'quay.io/prometheus/blackbox-exporter',
    tag: 'v0.28.0',
    goModule: { path: 'github.com/prometheus/blackbox_exporter', version: 'v0.28.0' },
  },
  kubeStateMetrics: {
    image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics',
    tag: 'v2.20.0',
    goModule: { path: 'k8s.io/kube-state-metrics/v2', version: 'v2.20.0' },
  },
  // Runs the stdlib-only jobs (alert digest, PushGateway janitor) mounted from ConfigMaps.
  python: {
    image: 'docker.io/library/python',
    tag: '3.12.8-slim-bookworm',
  },
  // The OSS image (the grafana-oss repository is no longer updated). Grafana itself cannot be built
  // or run by the tests (no build of it is obtainable here): its objects are proven against the
  // API server and its provisioning files by tests of their own (README, "What is proven").
  grafana: {
    image: 'docker.io/grafana/grafana',
    tag: '13.2.3',
  },
  // Its Go module also carries the CRDs (imports/crds, `make import`) that Argo CD applies and
  // synth validates against: one pin for the operator and its API. v0.94.1 is released, but the
  // module proxy does not serve its pkg/client module (403, 2026-12-07), so neither the operator
  // nor its reloader can be built and tested at it: it waits here until the proxy serves it.
  prometheusOperator: {
    image: 'quay.io/prometheus-operator/prometheus-operator',
    tag: 'v0.93.1',
    goModule: { path: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.93.1' },
  },
} as const satisfies Record<string, ComponentVersion>;

export type ComponentName = keyof typeof versions;

/**
 * The cluster the platform is deployed to, as far as the tests need it: the control plane the
 * control-plane test tier runs (built by `make tools`; not deployed by this repository), pinned
 * to the Kubernetes minor we target (EKS).
 */
export const controlPlane = {
  kubernetes: {
    tag: 'v1.36.5',
    goModule: { path: 'k8s.io/kubernetes', version: 'v1.36.5' },
  },
  etcd: {
    tag: 'v3.6.17',
    goModule: { path: 'go.etcd.io/etcd/server/v3', version: 'v3.6.17' },
  },
  // The Argo CD each environment's hub runs (installed by the platform team, see
  // docs/prerequisites.md): its CRDs are vendored (imports/crds/argo-cd), and the control-plane
  // tier replays its diff, sync and health code (tools/argocd) at this version. v3.6 declares
  // go >= 1.27: its builds fetch that toolchain from the module proxy (GOTOOLCHAIN=auto).
  argocd: {
    tag: 'v3.6.2',
    goModule: { path: 'github.com/argoproj/argo-cd/v3', version: 'v3.6.2' },
  },
} as const satisfies Record<string, Omit<ComponentVersion, 'image'>>;

export type ControlPlaneName = keyof typeof controlPlane;

/** Tools the tests run that are neither deployed nor part of the cluster. */
export const tooling = {
  // Formats and checks terraform/ (the guard module runs with no provider). The AWS provider is
  // not obtainable here (no Terraform registry), so `validate` runs in the repository host's CI.
  opentofu: {
    tag: 'v1.12.6',
    goModule: { path: 'github.com/opentofu/opentofu', version: 'v1.12.6' },
  },
} as const satisfies Record<string, Omit<ComponentVersion, 'image'>>;

export type ToolingName = keyof typeof tooling;

/** A pinned tag and module, whether deployed (`versions`) or test-only (`controlPlane`, `tooling`). */
export function pinOf(name: ComponentName | ControlPlaneName | ToolingName): {
  readonly tag: string;
  readonly goModule?: { readonly path: string; readonly version: string };
} {
  if (name in versions) return versions[name as ComponentName];
  return name in controlPlane ? controlPlane[name as ControlPlaneName] : tooling[name as ToolingName];
}

/**
 * The APIs the platform's objects use, each with the Go module whose CRD files are vendored
 * under imports/crds/<name>/ (`make import`): the operator's own (deployed by us, same pin as
 * the operator image) and those of the controllers the cluster already runs (Argo CD,
 * cert-manager, External Secrets), at the versions we deploy against.
 */
export const apiSources = {
  // Every CRD of the operator: Argo CD applies them all (imports/crds/prometheus-operator/<tag>).
  // Typed constructs (imports/monitoring.coreos.com.ts) only for the kinds charts render: the
  // generated code is ~0.5 MB per kind and every synth loads it.
  'prometheus-operator': {
    module: versions.prometheusOperator.goModule,
    dir: 'example/prometheus-operator-crd-full',
    files: 'all',
    typed: [
      'monitoring.coreos.com_alertmanagers.yaml',
      'monitoring.coreos.com_podmonitors.yaml',
      'monitoring.coreos.com_probes.yaml',
      'monitoring.coreos.com_prometheuses.yaml',
      'monitoring.coreos.com_prometheusrules.yaml',
      'monitoring.coreos.com_scrapeconfigs.yaml',
      'monitoring.coreos.com_servicemonitors.yaml',
      'monitoring.coreos.com_thanosrulers.yaml',
    ],
  },
  // Of the others, the kinds dist uses, at the version the hub runs.
  'argo-cd': {
    module: controlPlane.argocd.goModule,
    dir: 'manifests/crds',
    files: ['application-crd.yaml', 'appproject-crd.yaml'],
    typed: 'all',
  },
  'cert-manager': {
    module: { path: 'github.com/cert-manager/cert-manager', version: 'v1.21.2' },
    dir: 'deploy/crds',
    // ClusterIssuer: a prerequisite `npm run bootstrap` checks (the tier creates one); not rendered.
    files: ['cert-manager.io_certificates.yaml', 'cert-manager.io_clusterissuers.yaml'],
    typed: ['cert-manager.io_certificates.yaml'],
  },
  'external-secrets': {
    module: { path: 'github.com/external-secrets/external-secrets', version: 'v1.3.2' },
    dir: 'config/crds/bases',
    // ClusterSecretStore: a prerequisite `npm run bootstrap` checks (the tier creates one); not rendered.
    files: ['external-secrets.io_externalsecrets.yaml', 'external-secrets.io_clustersecretstores.yaml'],
    typed: ['external-secrets.io_externalsecrets.yaml'],
  },
} as const;

export type ApiSourceName = keyof typeof apiSources;

/**
 * The Kubernetes API we target: the OpenAPI v3 documents of the group-versions dist uses, from
 * the same k8s.io/kubernetes module the control-plane tier's API server is built from, vendored
 * under imports/openapi/kubernetes/<version>/ by `make import`; synth validates core kinds with them.
 */
export const kubernetesApi = {
  module: controlPlane.kubernetes.goModule,
  dir: 'api/openapi-spec/v3',
  groupVersions: ['v1', 'apps/v1', 'batch/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1', 'storage.k8s.io/v1'],
} as const;

/**
 * What one environment runs: an image tag per component.
 * `versions` above holds the newest pins, the ones `make tools` builds and the tests
 * run; an environment without an entry below (dev) runs exactly those. The environments after
 * it keep their own pins until `npm run promote -- <from> <to>` copies them forward, so a bump
 * here reaches staging and prod only through a promotion pull request.
 */
export interface Pins {
  readonly images: Readonly<Partial<Record<ComponentName, string>>>;
}

/** The block `npm run promote` rewrites: JSON between these two marker lines. */
export const PINS_BEGIN = '// BEGIN promoted pins (JSON; written by `npm run promote`, reviewed in its pull request)';
export const PINS_END = '// END promoted pins';

// The block below is JSON that `npm run promote` (envs/promote.ts) rewrites; Prettier leaves it alone.
// prettier-ignore
// BEGIN promoted pins (JSON; written by `npm run promote`, reviewed in its pull request)
export const promotedPins: Readonly<Record<string, Pins>> = {
  "staging": {
    "images": {
      "alertmanager": "v0.34.2",
      "blackboxExporter": "v0.28.0",
      "grafana": "13.2.3",
      "kubeStateMetrics": "v2.18.0",
      "nodeExporter": "v1.12.1",
      "prometheus": "v3.14.0",
      "prometheusOperator": "v0.93.1",
      "pushgateway": "v1.11.3",
      "python": "3.12.8-slim-bookworm",
      "thanos": "v0.42.4"
    }
  },
  "prod": {
    "images": {
      "alertmanager": "v0.34.2",
      "blackboxExporter": "v0.28.0",
      "grafana": "13.2.3",
      "kubeStateMetrics": "v2.18.0",
      "nodeExporter": "v1.12.1",
      "prometheus": "v3.14.0",
      "prometheusOperator": "v0.93.1",
      "pushgateway": "v1.11.3",
      "python": "3.12.8-slim-bookworm",
      "thanos": "v0.42.4"
    }
  }
};
// END promoted pins

/** An environment's resolved release: full image references. */
export interface Release {
  readonly images: Readonly<Record<ComponentName, { readonly image: string; readonly tag: string }>>;
}

/** The release an environment runs: the newest pins, overridden by its promoted pins. */
export function releaseOf(env: string, pins: Readonly<Record<string, Pins>> = promotedPins): Release {
  const own = pins[env];
  const images = Object.fromEntries(
    (Object.keys(versions) as ComponentName[]).map((c) => [c, { image: versions[c].image, tag: own?.images[c] ?? versions[c].tag }]),
  ) as Record<ComponentName, { image: string; tag: string }>;
  return { images };
}

/** The pins that reproduce a release exactly (what promotion writes into the next env). */
export function pinsOf(release: Release): Pins {
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return {
    images: sorted(Object.fromEntries(Object.entries(release.images).map(([c, v]) => [c, v.tag]))),
  };
}

/** `repo:tag` for a component, as the environment runs it. */
export function imageOf(env: { readonly release: Release }, component: ComponentName): string {
  const v = env.release.images[component];
  return `${v.image}:${v.tag}`;
}
