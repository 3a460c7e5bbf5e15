/**
 * The components rendered for each environment and cluster, in output order. Each renders to
 * dist/<env>/<cluster>/<name>/manifests.yaml, which one Argo CD Application syncs. Whether a
 * component is rendered is decided by the cluster's plan (charts/plan.ts), never an env name check.
 */
import { App, type Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';
import { selectorLabels, type Workload } from '../lib/labels.js';
import { validateRendered, type Manifest, type RenderedChart, type RenderedTree } from '../lib/synth.js';
import { allowedKinds, ARGOCD_COMPONENT, argocdChart } from './argocd.js';
import type { ChartContext } from './context.js';
import { planCluster, type ClusterPlan } from './plan.js';
import { alertDigestChart } from './alert-digest.js';
import { blackboxExporterChart, blackboxIngress, blackboxReaches, probeRules } from './blackbox-exporter.js';
import { ALERTMANAGER_SLO, alertmanagerChart, alertmanagerIngress, alertmanagerPodSelector } from './alertmanager.js';
import { dashboardsChart } from './dashboards/index.js';
import { exportersChart, exportersIngress } from './exporters.js';
import { monitorsChart } from './monitors.js';
import { namespaceChart } from './namespace.js';
import { resolveFlows, type EgressFlow, type Flow, type IngressRule, type Reach } from './flows.js';
import { networkPoliciesChart } from './network-policies.js';
import { PROMETHEUS_SLO, prometheusChart, prometheusIngress, prometheusPodSelector } from './prometheus.js';
import { operatorIngress, prometheusOperatorChart } from './prometheus-operator.js';
import { PUSHGATEWAY_SLO, pushgatewayChart, pushgatewayIngress } from './pushgateway.js';
import { pushgatewayClientsChart } from './pushgateway-clients.js';
import { alertmanagerRules } from './rules/alertmanager.js';
import { watchdogRules } from './rules/watchdog.js';
import { expectedScrapeJobs, scrapeTargetRules } from './rules/scrape-targets.js';
import { sloRules, type Slo } from './rules/slo.js';
import { batchJobRules } from './rules/batch-jobs.js';
import { rulesChart } from './rules/index.js';
import { metaRules } from './rules/meta.js';
import { kubernetesRules } from './rules/kubernetes.js';
import { greenlangServiceRules } from './rules/greenlang-services.js';
import { prometheusRules } from './rules/prometheus.js';
import { thanosRules } from './rules/thanos.js';
import type { RuleArea } from './rules/types.js';
import { secretsChart } from './secrets.js';
import { storageChart } from './storage.js';
import { compactorIngress, thanosCompactorChart } from './thanos/compactor.js';
import { thanosObjstoreChart } from './thanos/objstore.js';
import { QUERY_SLO, queryIngress, thanosQueryChart } from './thanos/query.js';
import { queryFrontendIngress, thanosQueryFrontendChart } from './thanos/query-frontend.js';
import { queryGlobalEgress, queryGlobalIngress, thanosQueryGlobalChart } from './thanos/query-global.js';
import { rulerIngress, rulerPodSelector, thanosRulerChart } from './thanos/ruler.js';
import { storeIngress, thanosStoreChart } from './thanos/store.js';
import { thanosTlsChart } from './thanos/tls.js';
import { webTlsChart } from './web-tls.js';
import {
  ALERTMANAGER,
  ALERT_DIGEST,
  BLACKBOX,
  JANITOR,
  PROMETHEUS,
  PUSHGATEWAY,
  QUERY,
  QUERY_FRONTEND,
  QUERY_GLOBAL,
  RULER,
  platformNamespaces,
} from './workloads.js';

/** The pods of one of a component's workloads, as a peer of other components' flows. */
export interface PodsOf {
  readonly workload: Workload;
  readonly selector: Record<string, string>;
}

/**
 * A component: what it renders, when it runs, and what the whole-platform views take from it
 * (NetworkPolicies, rules, peers). Its module holds all of it; this registry only lists them.
 */
export interface Component {
  readonly name: string;
  /** Its chart; or `renderFrom`, given what every other component rendered (rendered after them). */
  readonly render?: (scope: Construct, ctx: ChartContext) => Chart;
  readonly renderFrom?: (scope: Construct, ctx: ChartContext, others: readonly Manifest[]) => Chart;
  /** Rendered only when the cluster's plan runs it; always when absent. */
  readonly runs?: (plan: ClusterPlan) => boolean;
  /** Argo CD sync wave of its Application (0 when absent); see WAVES. */
  readonly wave?: number;
  /** Its pods, so other components' flows can name them as peers. */
  readonly pods?: readonly PodsOf[];
  /** Who may reach its pods, and on which ports (rendered by the network-policies component). */
  readonly ingress?: (ctx: ChartContext) => readonly Flow[];
  /** What its pods connect to in other components (each a flow into the target's pods, where it runs). */
  readonly reaches?: (ctx: ChartContext) => readonly Reach[];
  /** What its pods connect to outside the cluster, beyond the namespace-wide egress. */
  readonly egress?: (ctx: ChartContext) => readonly EgressFlow[];
  /** The rule areas that watch it (rendered, and tested, with it). */
  readonly rules?: readonly RuleArea[];
  /** Its service level objectives: recording rules, burn-rate alerts and a row of the SLO dashboard where it runs. */
  readonly slos?: readonly Slo[];
}

/**
 * Bootstrap order on a fresh cluster, so it converges without retries: namespaces, CRDs
 * (charts/argocd.ts) and the StorageClass first; then what workloads mount or need running
 * (credentials, certificates, the objstore config, the operator); then the workloads;
 * dashboards last.
 */
const WAVES = { foundation: -2, prerequisites: -1, workloads: 0, last: 1 } as const;

const thanos = (p: ClusterPlan) => p.thanos;

/** Pods labelled by our charts (selectorLabels), as opposed to the operator's. */
const own = (workload: Workload): PodsOf => ({ workload, selector: selectorLabels(workload) });

export const components: readonly Component[] = [
  { name: 'namespace', render: namespaceChart, wave: WAVES.foundation },
  { name: 'storage', render: storageChart, wave: WAVES.foundation, runs: (p) => p.storageClass },
  { name: 'secrets', render: secretsChart, wave: WAVES.prerequisites },
  { name: 'web-tls', render: webTlsChart, wave: WAVES.prerequisites },
  { name: 'prometheus-operator', render: prometheusOperatorChart, wave: WAVES.prerequisites, ingress: operatorIngress },
  {
    name: 'prometheus',
    render: prometheusChart,
    pods: [{ workload: PROMETHEUS, selector: prometheusPodSelector() }],
    ingress: prometheusIngress,
    rules: [prometheusRules],
    slos: [PROMETHEUS_SLO],
  },
  {
    name: 'alertmanager',
    render: alertmanagerChart,
    pods: [{ workload: ALERTMANAGER, selector: alertmanagerPodSelector() }],
    ingress: alertmanagerIngress,
    rules: [alertmanagerRules, watchdogRules],
    slos: [ALERTMANAGER_SLO],
  },
  {
    name: 'pushgateway',
    render: pushgatewayChart,
    runs: (p) => p.pushgateway,
    pods: [own(PUSHGATEWAY), own(JANITOR)],
    ingress: pushgatewayIngress,
    rules: [batchJobRules],
    slos: [PUSHGATEWAY_SLO],
  },
  // What a batch job in a tenant namespace mounts to push (credentials, CA, settings).
  { name: 'pushgateway-clients', render: pushgatewayClientsChart, runs: (p) => p.pushgateway, wave: WAVES.prerequisites },
  { name: 'exporters', render: exportersChart, ingress: exportersIngress },
  {
    name: 'blackbox-exporter',
    render: blackboxExporterChart,
    pods: [own(BLACKBOX)],
    ingress: blackboxIngress,
    reaches: blackboxReaches,
    rules: [probeRules],
  },
  // The GreenLang services' rules go with the monitors that scrape them.
  { name: 'monitors', render: monitorsChart, rules: [greenlangServiceRules] },
  {
    name: 'rules',
    // The components' rule areas; the health of the cluster and workloads in the namespaces the
    // platform owns or watches; and an expectation of targets for every scrape job the cluster's monitors generate.
    renderFrom: (scope, ctx, others) =>
      rulesChart(scope, ctx, [
        ...running(ctx).flatMap((c) => [...(c.rules ?? []), ...(c.slos ?? []).map(sloRules)]),
        kubernetesRules(platformNamespaces(ctx.env)),
        scrapeTargetRules(expectedScrapeJobs(others)),
      ]),
  },
  {
    name: 'dashboards',
    render: (scope, ctx) =>
      dashboardsChart(
        scope,
        ctx,
        running(ctx).flatMap((c) => c.slos ?? []),
      ),
    wave: WAVES.last,
  },
  {
    name: 'network-policies',
    render: (scope, ctx) =>
      networkPoliciesChart(
        scope,
        ctx,
        ingressRules(ctx),
        running(ctx).flatMap((c) => c.egress?.(ctx) ?? []),
      ),
  },
  { name: 'alert-digest', render: alertDigestChart, runs: (p) => p.alertDigest, pods: [own(ALERT_DIGEST)] },
  { name: 'thanos-objstore', render: thanosObjstoreChart, runs: thanos, wave: WAVES.prerequisites },
  { name: 'thanos-tls', render: thanosTlsChart, runs: thanos, wave: WAVES.prerequisites },
  // The Thanos rule area watches every Thanos component; it goes with the query, which runs wherever Thanos does.
  {
    name: 'thanos-query',
    render: thanosQueryChart,
    runs: thanos,
    pods: [own(QUERY)],
    ingress: queryIngress,
    rules: [thanosRules],
    slos: [QUERY_SLO],
  },
  {
    name: 'thanos-query-frontend',
    render: thanosQueryFrontendChart,
    runs: thanos,
    pods: [own(QUERY_FRONTEND)],
    ingress: queryFrontendIngress,
  },
  { name: 'thanos-store', render: thanosStoreChart, runs: thanos, ingress: storeIngress },
  { name: 'thanos-compactor', render: thanosCompactorChart, runs: thanos, ingress: compactorIngress },
  {
    name: 'thanos-ruler',
    render: thanosRulerChart,
    runs: thanos,
    pods: [{ workload: RULER, selector: rulerPodSelector() }],
    ingress: rulerIngress,
    rules: [metaRules],
  },
  {
    name: 'thanos-query-global',
    render: thanosQueryGlobalChart,
    runs: (p) => p.globalQuery,
    pods: [own(QUERY_GLOBAL)],
    ingress: queryGlobalIngress,
    egress: queryGlobalEgress,
  },
];

/** One cluster's charts as manifests, in output order (Argo CD's Applications last). Not validated. */
export function renderCluster(env: EnvConfig, cluster: ClusterConfig, registry: readonly Component[] = components): RenderedChart[] {
  const app = new App();
  const ctx: ChartContext = { env, cluster, plan: planCluster(env, cluster) };
  const here = running(ctx, registry);
  const first = new Map(here.filter((c) => c.render).map((c) => [c.name, c.render!(app, ctx).toJson() as Manifest[]]));
  const others = [...first.values()].flat();
  const out = here.map((c) => {
    const manifests = first.get(c.name) ?? (c.renderFrom?.(app, ctx, others).toJson() as Manifest[] | undefined);
    if (!manifests) throw new Error(`component ${c.name} has neither render nor renderFrom`);
    return { chart: c.name, manifests };
  });
  // Delivery last: it points one Argo CD Application at each folder rendered above.
  const folders = here.map((c) => ({ name: c.name, wave: c.wave ?? 0 }));
  const kinds = allowedKinds(out.flatMap((r) => r.manifests));
  out.push({ chart: ARGOCD_COMPONENT, manifests: argocdChart(app, ctx, folders, kinds).toJson() as Manifest[] });
  return out;
}

/** Every environment and cluster rendered from the registry and validated: the files of dist/. */
export function synthesize(envs: readonly EnvConfig[], registry: readonly Component[] = components): Promise<RenderedTree> {
  return validateRendered(
    envs.flatMap((env) =>
      env.clusters.flatMap((cluster) => renderCluster(env, cluster, registry).map((r) => ({ env, cluster: cluster.name, ...r }))),
    ),
  );
}

/** The components that run in a cluster, by its plan. */
export function running(ctx: ChartContext, registry: readonly Component[] = components): Component[] {
  return registry.filter((c) => !c.runs || c.runs(ctx.plan));
}

/** Every flow the running components declare, with peers resolved to the pods that run here. */
export function ingressRules(ctx: ChartContext, registry: readonly Component[] = components): IngressRule[] {
  const here = running(ctx, registry);
  const pods = new Map(here.flatMap((c) => c.pods ?? []).map((p) => [p.workload.name, p.selector]));
  const into = (c: Component): Flow[] =>
    (c.reaches?.(ctx) ?? []).flatMap((r) => {
      const to = pods.get(r.to.name);
      return to ? [{ name: r.name, to, from: (c.pods ?? []).map((p) => p.workload), ports: r.ports }] : [];
    });
  return resolveFlows(
    here.flatMap((c) => [...(c.ingress?.(ctx) ?? []), ...into(c)]),
    (w) => pods.get(w.name),
  );
}

/**
 * Every rule area of the platform (what the promtool cases and runbooks must cover); the areas
 * generated per cluster are here with one namespace or job standing for them.
 */
export const ruleAreas: readonly RuleArea[] = [
  ...components.flatMap((c) => [...(c.rules ?? []), ...(c.slos ?? []).map(sloRules)]),
  kubernetesRules(['monitoring']),
  scrapeTargetRules(['serviceMonitor/monitoring/thanos-query/0']),
];
