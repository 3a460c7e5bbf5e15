/**
 * NetworkPolicies for the monitoring namespace (PRD 5.4): deny by default, then allow exactly
 * the flows the running components declare. Each component module says who may reach its pods
 * and on which ports (`ingress` in the registry, charts/index.ts); a peer is another component's
 * workload, resolved to its pods' labels only where it runs, so a flow never names a pod that
 * does not exist and disappears with its last peer.
 *
 * Egress: DNS, the namespaces with targets, and HTTPS/SMTP/kubelet/node-exporter ports to node
 * and external addresses (S3, the API server, Slack, PagerDuty, mail, kubelets). node-exporter
 * runs on the host network, where NetworkPolicies do not apply.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { labelsFor } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import type { ChartContext } from './context.js';
import type { EgressFlow, IngressRule } from './flows.js';
import { NODE_EXPORTER_PORT, targetNamespaces } from './workloads.js';

export function networkPoliciesChart(
  scope: Construct,
  { env }: ChartContext,
  rules: readonly IngressRule[],
  egress: readonly EgressFlow[] = [],
): Chart {
  const chart = new Chart(scope, 'network-policies');
  const ns = env.namespace;
  const labels = (name: string) => labelsFor({ name, component: 'network-policy' });

  addObject(
    chart,
    new NetworkPolicy({
      metadata: { name: 'default-deny', namespace: ns, labels: labels('default-deny') },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
  );
  for (const r of rules) {
    addObject(
      chart,
      new NetworkPolicy({
        metadata: { name: `allow-${r.name}`, namespace: ns, labels: labels(`allow-${r.name}`) },
        spec: {
          podSelector: { matchLabels: r.podSelector },
          policyTypes: ['Ingress'],
          ingress: [{ from: [...r.from], ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })) }],
        },
      }),
    );
  }
  for (const e of egress) {
    addObject(
      chart,
      new NetworkPolicy({
        metadata: { name: `allow-${e.name}`, namespace: ns, labels: labels(`allow-${e.name}`) },
        spec: {
          podSelector: { matchLabels: e.from },
          policyTypes: ['Egress'],
          egress: [{ to: [...e.to], ports: e.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })) }],
        },
      }),
    );
  }
  const inCluster = targetNamespaces(env);
  addObject(
    chart,
    new NetworkPolicy({
      metadata: { name: 'allow-egress', namespace: ns, labels: labels('allow-egress') },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
          // Scraping and in-namespace traffic: only the namespaces we watch.
          {
            to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: inCluster }] } }],
          },
          // Node and external addresses: S3 and the API server (443/6443), Slack/PagerDuty (443),
          // mail (587), kubelets (10250) and node-exporter on the host network (9100).
          {
            ports: [
              { port: 443, protocol: 'TCP' },
              { port: 6443, protocol: 'TCP' },
              { port: 587, protocol: 'TCP' },
              { port: NODE_EXPORTER_PORT, protocol: 'TCP' },
              { port: 10250, protocol: 'TCP' },
            ],
          },
        ],
      },
    }),
  );
  return chart;
}
