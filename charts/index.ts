/**
 * The components rendered for each environment and cluster, in output order. Each renders to
 * dist/<env>/<cluster>/<name>/manifests.yaml, which one Argo CD Application syncs. Whether a
 * component is rendered is decided by the cluster's plan (charts/plan.ts), never an env name check.
 */
import { App } from 'cdk8s';
import type { ClusterConfig, EnvConfig } from '../envs/schema.js';
import { validateRendered, type Manifest, type RenderedChart, type RenderedTree } from '../lib/synth.js';
import { alertDigestComponent } from './alert-digest.js';
import { alertmanagerComponent } from './alertmanager.js';
import { allowedKinds, ARGOCD_COMPONENT, argocdChart } from './argocd.js';
import { blackboxExporterComponent } from './blackbox-exporter.js';
import { WAVES, type Component } from './component.js';
import type { ChartContext } from './context.js';
import { dashboardsChart } from './dashboards/index.js';
import { exportersComponent } from './exporters.js';
import { grafanaComponent } from './grafana.js';
import { resolveFlows, type Flow, type IngressRule } from './flows.js';
import { monitorsComponent } from './monitors.js';
import { namespaceComponent } from './namespace.js';
import { networkPoliciesChart } from './network-policies.js';
import { planCluster } from './plan.js';
import { prometheusComponent } from './prometheus.js';
import { prometheusOperatorComponent } from './prometheus-operator.js';
import { pushgatewayComponent } from './pushgateway.js';
import { pushgatewayClientsComponent } from './pushgateway-clients.js';
import { rulesChart } from './rules/index.js';
import { kubernetesRules } from './rules/kubernetes.js';
import { expectedScrapeJobs, scrapeTargetRules } from './rules/scrape-targets.js';
import { sloRules } from './rules/slo.js';
import type { RuleArea } from './rules/types.js';
import { secretsComponent } from './secrets.js';
import { storageComponent } from './storage.js';
import { thanosCompactorComponent } from './thanos/compactor.js';
import { thanosObjstoreComponent } from './thanos/objstore.js';
import { thanosQueryComponent } from './thanos/query.js';
import { thanosQueryFrontendComponent } from './thanos/query-frontend.js';
import { thanosQueryGlobalComponent } from './thanos/query-global.js';
import { thanosRulerComponent } from './thanos/ruler.js';
import { thanosStoreComponent } from './thanos/store.js';
import { thanosTlsComponent } from './thanos/tls.js';
import { webTlsComponent } from './web-tls.js';
import { platformNamespaces } from './workloads.js';

export type { Component, PodsOf } from './component.js';

export const components: readonly Component[] = [
  namespaceComponent,
  storageComponent,
  secretsComponent,
  webTlsComponent,
  prometheusOperatorComponent,
  prometheusComponent,
  alertmanagerComponent,
  pushgatewayComponent,
  // What a batch job in a tenant namespace mounts to push (credentials, CA, settings).
  pushgatewayClientsComponent,
  exportersComponent,
  blackboxExporterComponent,
  // The GreenLang services' rules go with the monitors that scrape them.
  monitorsComponent,
  // Rendered from the dashboards (it mounts them), before the rules, whose scrape expectations read its monitor.
  grafanaComponent,
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
  alertDigestComponent,
  thanosObjstoreComponent,
  thanosTlsComponent,
  // The Thanos rule area watches every Thanos component; it goes with the query, which runs wherever Thanos does.
  thanosQueryComponent,
  thanosQueryFrontendComponent,
  thanosStoreComponent,
  thanosCompactorComponent,
  thanosRulerComponent,
  thanosQueryGlobalComponent,
];

/** One cluster's charts as manifests, in output order (Argo CD's Applications last). Not validated. */
export function renderCluster(env: EnvConfig, cluster: ClusterConfig, registry: readonly Component[] = components): RenderedChart[] {
  const app = new App();
  const ctx: ChartContext = { env, cluster, plan: planCluster(env, cluster) };
  const here = running(ctx, registry);
  const rendered = new Map(here.filter((c) => c.render).map((c) => [c.name, c.render!(app, ctx).toJson() as Manifest[]]));
  // Then those rendered from the others, in registry order: each sees everything rendered before it
  // (Grafana mounts the dashboards; the scrape expectations then cover Grafana's monitor too).
  for (const c of here.filter((x) => !x.render)) {
    if (!c.renderFrom) throw new Error(`component ${c.name} has neither render nor renderFrom`);
    rendered.set(c.name, c.renderFrom(app, ctx, [...rendered.values()].flat()).toJson() as Manifest[]);
  }
  const out = here.map((c) => ({ chart: c.name, manifests: rendered.get(c.name)! }));
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
