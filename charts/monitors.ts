/**
 * Service discovery for GreenLang (FR-5) and for the Kubernetes pieces the platform alerts on:
 * - a ServiceMonitor per catalogued GreenLang service (PRD 8.1, 8.2);
 * - a PodMonitor for agent pods labelled `prometheus.io/scrape: "true"` (PRD 8.3);
 * - a ScrapeConfig discovering any pod *annotated* `prometheus.io/scrape: "true"`, honouring
 *   `prometheus.io/port`, `/path` and `/scheme` (FR-5.1);
 * - kubelet + cAdvisor, the API server and CoreDNS (the operator's monitor is in its chart).
 * Platform components (Prometheus, Thanos, Alertmanager, PushGateway, exporters) bring their
 * own ServiceMonitors in their charts.
 */

import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  PodMonitor,
  ScrapeConfig,
  ScrapeConfigSpecKubernetesSdConfigsRole,
  ScrapeConfigSpecRelabelingsAction as ScrapeAction,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsMetricRelabelingsAction as MetricAction,
  ServiceMonitorSpecEndpointsRelabelingsAction as TargetAction,
  ServiceMonitorSpecEndpointsScheme as Scheme,
  type ScrapeConfigSpecRelabelings,
} from '../imports/monitoring.coreos.com.js';
import type { EnvConfig } from '../envs/schema.js';
import { labelsFor } from '../lib/labels.js';
import { addObject, typed, type TypedObject } from '../lib/objects.js';
import type { ChartContext } from './context.js';
import { TARGETS_OPTIONAL_ANNOTATION } from './workloads.js';
import { type Component } from './component.js';
import { greenlangServiceRules } from './rules/greenlang-services.js';

/** Jobs of the kubelet and API server targets: the value of each monitor's jobLabel on its Service. */
const KUBELET_SERVICE_LABELS = { 'app.kubernetes.io/name': 'kubelet' } as const;
const APISERVER_SERVICE_LABELS = { component: 'apiserver', provider: 'kubernetes' } as const;
export const KUBELET_JOB = KUBELET_SERVICE_LABELS['app.kubernetes.io/name'];
export const APISERVER_JOB = APISERVER_SERVICE_LABELS.component;

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const SA_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

const monitorLabels = (name: string) => labelsFor({ name, component: 'monitor' });

/** Relabelings for the annotation convention, in operator (camelCase) form. */
function annotationRelabelings(): ScrapeConfigSpecRelabelings[] {
  const ann = (a: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${a}`;
  const annPresent = (a: string) => `__meta_kubernetes_pod_annotationpresent_prometheus_io_${a}`;
  return [
    { sourceLabels: [ann('scrape')], regex: 'true', action: ScrapeAction.KEEP },
    // Pods carrying the *label* are already scraped by the greenlang-pods PodMonitor.
    { sourceLabels: ['__meta_kubernetes_pod_label_prometheus_io_scrape'], regex: 'true', action: ScrapeAction.DROP },
    { sourceLabels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed', action: ScrapeAction.DROP },
    {
      sourceLabels: [annPresent('path'), ann('path')],
      regex: 'true;(.+)',
      targetLabel: '__metrics_path__',
      replacement: '$1',
      action: ScrapeAction.REPLACE,
    },
    { sourceLabels: [ann('scheme')], regex: '(https?)', targetLabel: '__scheme__', replacement: '$1', action: ScrapeAction.REPLACE },
    {
      sourceLabels: ['__address__', ann('port')],
      regex: '(.+?)(?::\\d+)?;(\\d+)',
      targetLabel: '__address__',
      replacement: '$1:$2',
      action: ScrapeAction.REPLACE,
    },
    { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace', action: ScrapeAction.REPLACE },
    { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod', action: ScrapeAction.REPLACE },
    { sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container', action: ScrapeAction.REPLACE },
    { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'app', action: ScrapeAction.REPLACE },
  ];
}

/** `<app.kubernetes.io/name>;<app>` -> the first that is set (Prometheus anchors the regex). */
export const SERVICE_NAME_REGEX = '([^;]+);.*|;(.*)';

function serviceMonitors(env: EnvConfig): TypedObject[] {
  return env.services.map((s) =>
    typed(ServiceMonitor, {
      metadata: { name: s.name, namespace: env.namespace, labels: monitorLabels(s.name) },
      spec: {
        selector: { matchLabels: s.selector },
        namespaceSelector: { matchNames: [s.namespace] },
        endpoints: [
          {
            port: s.port,
            path: s.path,
            interval: s.interval ?? env.prometheus.scrapeInterval,
            scheme: Scheme.HTTP,
            ...(s.honorLabels ? { honorLabels: true } : {}),
            ...(s.podLabels
              ? {
                  relabelings: [
                    // PRD 8.1 names the pod's `app` label; workloads labelled the recommended way carry
                    // app.kubernetes.io/name instead: that one, else `app`.
                    {
                      sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app'],
                      separator: ';',
                      regex: SERVICE_NAME_REGEX,
                      replacement: '$1$2',
                      targetLabel: 'service',
                      action: TargetAction.REPLACE,
                    },
                    { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod', action: TargetAction.REPLACE },
                  ],
                }
              : {}),
            ...(s.keepMetrics
              ? { metricRelabelings: [{ sourceLabels: ['__name__'], regex: s.keepMetrics, action: MetricAction.KEEP }] }
              : {}),
          },
        ],
      },
    }),
  );
}

function systemMonitors(env: EnvConfig): TypedObject[] {
  const https = { scheme: Scheme.HTTPS, bearerTokenFile: SA_TOKEN, tlsConfig: { caFile: SA_CA } } as const;
  return [
    typed(ServiceMonitor, {
      metadata: { name: 'kubelet', namespace: env.namespace, labels: monitorLabels('kubelet') },
      spec: {
        // The operator maintains this Service (--kubelet-service=kube-system/kubelet).
        selector: { matchLabels: KUBELET_SERVICE_LABELS },
        namespaceSelector: { matchNames: ['kube-system'] },
        jobLabel: 'app.kubernetes.io/name',
        endpoints: [
          {
            port: 'https-metrics',
            path: '/metrics',
            interval: env.prometheus.scrapeInterval,
            honorLabels: true,
            ...https,
            tlsConfig: { ...https.tlsConfig, insecureSkipVerify: true },
          },
          {
            port: 'https-metrics',
            path: '/metrics/cadvisor',
            interval: env.prometheus.scrapeInterval,
            honorLabels: true,
            ...https,
            tlsConfig: { ...https.tlsConfig, insecureSkipVerify: true },
            // Drop cAdvisor's per-cgroup series that no dashboard or alert reads.
            metricRelabelings: [
              {
                sourceLabels: ['__name__'],
                regex: 'container_(network_tcp_usage_total|tasks_state|memory_failures_total|blkio_device_usage_total)',
                action: MetricAction.DROP,
              },
            ],
          },
        ],
      },
    }),
    typed(ServiceMonitor, {
      metadata: { name: 'apiserver', namespace: env.namespace, labels: monitorLabels('apiserver') },
      spec: {
        selector: { matchLabels: APISERVER_SERVICE_LABELS },
        namespaceSelector: { matchNames: ['default'] },
        jobLabel: 'component',
        endpoints: [
          {
            port: 'https',
            path: '/metrics',
            interval: env.prometheus.scrapeInterval,
            ...https,
            tlsConfig: { ...https.tlsConfig, serverName: 'kubernetes' },
          },
        ],
      },
    }),
    typed(ServiceMonitor, {
      metadata: { name: 'coredns', namespace: env.namespace, labels: monitorLabels('coredns') },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        namespaceSelector: { matchNames: ['kube-system'] },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: env.prometheus.scrapeInterval }],
      },
    }),
  ];
}

export function monitorsChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'monitors');
  for (const sm of serviceMonitors(env)) addObject(chart, sm);

  addObject(
    chart,
    typed(PodMonitor, {
      // Pods opt in with the label: none may have yet.
      metadata: {
        name: 'greenlang-pods',
        namespace: env.namespace,
        labels: monitorLabels('greenlang-pods'),
        annotations: { [TARGETS_OPTIONAL_ANNOTATION]: 'true' },
      },
      spec: {
        selector: { matchLabels: { 'prometheus.io/scrape': 'true' } },
        namespaceSelector: { matchNames: env.monitoredNamespaces },
        podMetricsEndpoints: [{ port: 'metrics', interval: env.prometheus.scrapeInterval, path: '/metrics' }],
      },
    }),
  );

  addObject(
    chart,
    typed(ScrapeConfig, {
      // Pods opt in with the annotation: none may have yet.
      metadata: {
        name: 'greenlang-annotated-pods',
        namespace: env.namespace,
        labels: monitorLabels('greenlang-annotated-pods'),
        annotations: { [TARGETS_OPTIONAL_ANNOTATION]: 'true' },
      },
      spec: {
        kubernetesSdConfigs: [{ role: ScrapeConfigSpecKubernetesSdConfigsRole.POD, namespaces: { names: env.monitoredNamespaces } }],
        scrapeInterval: env.prometheus.scrapeInterval,
        relabelings: annotationRelabelings(),
      },
    }),
  );

  for (const sm of systemMonitors(env)) addObject(chart, sm);
  return chart;
}

export const monitorsComponent: Component = { name: 'monitors', render: monitorsChart, rules: [greenlangServiceRules] };
