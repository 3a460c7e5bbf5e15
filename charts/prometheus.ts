/**
 * The Prometheus HA pair as a Prometheus Operator CR, with what it needs around it:
 * ServiceAccount, least-privilege RBAC (a Role per watched namespace), a Service and a
 * ServiceMonitor so it scrapes itself, and a PodDisruptionBudget when it is a pair.
 */
import type { Slo } from './rules/slo.js';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  Prometheus,
  ScrapeConfig,
  PrometheusSpecAlertingAlertmanagersApiVersion,
  PrometheusSpecAlertingAlertmanagersPort,
  PrometheusSpecAlertingAlertmanagersScheme,
  PrometheusSpecServiceDiscoveryRole,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsScheme,
} from '../imports/monitoring.coreos.com.js';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Service } from 'kubernetes-models/v1/Service';
import { imageOf } from '../envs/versions.js';
import { operatorWebTls, scrapeTlsConfig } from '../lib/web-tls.js';
import { labelsFor, selectorLabels, versioned } from '../lib/labels.js';
import { addObject, asManifest, typed } from '../lib/objects.js';
import { bindClusterRole, crResources, haPlacement, operatorStorage, serviceAccount } from '../lib/workload.js';
import { REPLICA_LABELS } from '../lib/replica-labels.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../lib/rules.js';
import { grpcTlsVolume } from './thanos/common.js';
import { sidecarObjects, sidecarRuntime, sidecarSpec } from './thanos/sidecar.js';
import { externalLabels, storageOf, type ChartContext } from './context.js';

import { GRAFANA, tcp, type Flow } from './flows.js';

import { GRPC_PORT, HTTP_PORT } from './thanos/common.js';
import {
  ALERTMANAGER_OPERATED_SERVICE,
  ALERT_DIGEST,
  CONFIG_RELOADER_PORT,
  PROMETHEUS,
  PROMETHEUS_WEB_PORT,
  QUERY,
  targetNamespaces,
} from './workloads.js';
import { type Component } from './component.js';
import { prometheusRules } from './rules/prometheus.js';

/** Labels the operator puts on the pods of a Prometheus CR; the selectors below rely on them. */
export function prometheusPodSelector(): Record<string, string> {
  return { 'operator.prometheus.io/name': PROMETHEUS.name };
}

/** Namespaces whose monitors, rules and scrape configs this Prometheus reads. */
export function watchedNamespaces({ env }: ChartContext): string[] {
  return [env.namespace, ...env.monitoredNamespaces.filter((n) => n !== env.namespace)];
}

export function prometheusChart(scope: Construct, ctx: ChartContext): Chart {
  const { env } = ctx;
  const prometheusW = versioned(PROMETHEUS, env);
  const p = env.prometheus;
  const ns = env.namespace;
  const labels = labelsFor(prometheusW);
  const watched = watchedNamespaces(ctx);
  const chart = new Chart(scope, 'prometheus');

  const thanos = ctx.plan.thanos;
  // The sidecar shares the pod's ServiceAccount, so the IRSA role for uploads goes here.
  // Kubernetes service discovery calls the API server: the token is mounted.
  serviceAccount(chart, prometheusW, ns, { apiAccess: true, ...(thanos ? { roleArn: storageOf(ctx).roles.sidecar } : {}) });

  // Discovery needs read access to endpoints and pods only where we look (kube-prometheus does
  // the same): one Role per watched namespace (plus where system targets live) instead of a
  // cluster-wide read.
  for (const target of targetNamespaces(env)) {
    const name = `${prometheusW.name}-discovery`;
    addObject(
      chart,
      new Role({
        metadata: { name, namespace: target, labels },
        rules: [
          { apiGroups: [''], resources: ['services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
        ],
      }),
    );
    addObject(
      chart,
      new RoleBinding({
        metadata: { name, namespace: target, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name: prometheusW.name, namespace: ns }],
      }),
    );
  }
  // Node-level metrics (kubelet volume stats, cAdvisor) are cluster-scoped: read-only, nothing else.
  const nodeReader = `greenlang-${prometheusW.name}-node-metrics`;
  addObject(
    chart,
    new ClusterRole({
      metadata: { name: nodeReader, labels },
      rules: [
        { apiGroups: [''], resources: ['nodes', 'nodes/metrics'], verbs: ['get', 'list', 'watch'] },
        { nonResourceURLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
      ],
    }),
  );
  addObject(chart, bindClusterRole(nodeReader, labels, { name: prometheusW.name, namespace: ns }));

  // Every monitor in a watched namespace is picked up: an empty selector, scoped by namespace.
  // (kube-prometheus-stack's default `release: <name>` selector silently ignores monitors that
  // lack the label; this one cannot.)
  const everything = {};
  const inWatched = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: watched }] };
  const pair = p.replicas > 1;

  addObject(
    chart,
    typed(Prometheus, {
      metadata: { name: prometheusW.name, namespace: ns, labels },
      spec: {
        replicas: p.replicas,
        image: imageOf(env, 'prometheus'),
        version: env.release.images.prometheus.tag,
        serviceAccountName: prometheusW.name,
        podMetadata: { labels },
        externalLabels: externalLabels(ctx),
        // Stated explicitly (it is the operator's default) so the replica label has one source.
        replicaExternalLabelName: REPLICA_LABELS.prometheus,
        scrapeInterval: p.scrapeInterval,
        evaluationInterval: p.evaluationInterval,
        retention: p.retention,
        retentionSize: p.retentionSize,
        walCompression: true,
        query: { maxConcurrency: p.queryLimits.maxConcurrency, timeout: p.queryLimits.timeout },
        // Not a CR field: the sidecar's reads for Thanos queries go through remote read.
        additionalArgs: [{ name: 'storage.remote.read-concurrent-limit', value: String(p.queryLimits.remoteReadConcurrency) }],
        serviceDiscoveryRole: PrometheusSpecServiceDiscoveryRole.ENDPOINT_SLICE,
        storage: operatorStorage('prometheus-db', p.storage),
        resources: crResources(p.resources),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 2000,
          fsGroup: 2000,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...(pair ? haPlacement(prometheusPodSelector(), env.scheduling.zoneSpread) : {}),
        serviceMonitorSelector: everything,
        serviceMonitorNamespaceSelector: inWatched,
        podMonitorSelector: everything,
        podMonitorNamespaceSelector: inWatched,
        probeSelector: everything,
        probeNamespaceSelector: inWatched,
        scrapeConfigSelector: everything,
        scrapeConfigNamespaceSelector: inWatched,
        ruleSelector: { matchExpressions: [{ key: RULE_EVALUATOR_LABEL, operator: 'NotIn', values: [THANOS_RULER_EVALUATOR] }] },
        ruleNamespaceSelector: inWatched,
        // Headless service the operator keeps for the Alertmanager CR: the endpoints are every
        // replica, so each alert reaches all of them (never a load-balanced Service).
        ...(thanos ? { thanos: sidecarSpec(env), containers: [sidecarRuntime(env)], volumes: [grpcTlsVolume] } : {}),
        alerting: {
          alertmanagers: [
            {
              namespace: ns,
              name: ALERTMANAGER_OPERATED_SERVICE,
              port: PrometheusSpecAlertingAlertmanagersPort.fromString('web'),
              apiVersion: PrometheusSpecAlertingAlertmanagersApiVersion.V2,
              scheme: PrometheusSpecAlertingAlertmanagersScheme.HTTPS,
              tlsConfig: scrapeTlsConfig(ns),
            },
          ],
        },
        // HTTPS (lib/web-tls.ts); the operator points the sidecar, reloader and probes at it.
        web: { tlsConfig: operatorWebTls() },
      },
    }),
  );

  addObject(
    chart,
    new Service({
      metadata: { name: prometheusW.name, namespace: ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: prometheusPodSelector(),
        ports: [{ name: 'web', port: PROMETHEUS_WEB_PORT, targetPort: 'web', protocol: 'TCP' }],
      },
    }),
  );

  // FR-6.1: Prometheus scrapes itself through its own Service.
  addObject(
    chart,
    typed(ServiceMonitor, {
      metadata: { name: prometheusW.name, namespace: ns, labels },
      spec: {
        selector: { matchLabels: selectorLabels(prometheusW) },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [
          {
            port: 'web',
            interval: p.scrapeInterval,
            path: '/metrics',
            scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
            tlsConfig: scrapeTlsConfig(ns),
          },
        ],
      },
    }),
  );

  if (pair) {
    addObject(
      chart,
      new PodDisruptionBudget({
        metadata: { name: prometheusW.name, namespace: ns, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: prometheusPodSelector() } },
      }),
    );
  }

  if (thanos) for (const o of sidecarObjects(env, prometheusPodSelector())) addObject(chart, o);

  for (const sc of p.additionalScrapeConfigs) {
    addObject(chart, asManifest(ScrapeConfig, { metadata: { name: sc.name, namespace: ns, labels }, spec: sc.spec }));
  }
  return chart;
}

/**
 * Who may reach the Prometheus pods: the API from Grafana, Thanos Query, the digest and itself
 * (self-scrape); the sidecar's StoreAPI and metrics from Thanos Query and Prometheus; the config
 * reloader's metrics from Prometheus.
 */
export function prometheusIngress({ plan }: ChartContext): Flow[] {
  const to = prometheusPodSelector();
  return [
    { name: 'prometheus-web', to, from: [GRAFANA, QUERY, PROMETHEUS, ALERT_DIGEST], ports: tcp(PROMETHEUS_WEB_PORT) },
    plan.thanos
      ? { name: 'prometheus-sidecar', to, from: [QUERY, PROMETHEUS], ports: tcp(GRPC_PORT, HTTP_PORT, CONFIG_RELOADER_PORT) }
      : { name: 'prometheus-reloader', to, from: [PROMETHEUS], ports: tcp(CONFIG_RELOADER_PORT) },
  ];
}

/** PRD 5.2: 99.9% of Prometheus API requests (queries, the sidecars' remote reads) answered without a server error. */
export const PROMETHEUS_SLO: Slo = {
  name: 'prometheus-api',
  objective: 0.999,
  sli: 'Prometheus API requests answered without a 5xx',
  errors: `prometheus_http_requests_total{job="${PROMETHEUS.name}",handler=~"/api/v1/.+",code=~"5.."}`,
  total: `prometheus_http_requests_total{job="${PROMETHEUS.name}",handler=~"/api/v1/.+"}`,
};

export const prometheusComponent: Component = {
  name: 'prometheus',
  render: prometheusChart,
  pods: [{ workload: PROMETHEUS, selector: prometheusPodSelector() }],
  ingress: prometheusIngress,
  rules: [prometheusRules],
  slos: [PROMETHEUS_SLO],
};
