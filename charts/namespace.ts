/**
 * The platform's namespaces, so their labels are ours (not whatever created them first),
 * including the Pod Security Admission level each enforces.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { addObject } from '../lib/objects.js';
import { MANAGED_BY, PART_OF } from '../lib/labels.js';
import type { ChartContext } from './context.js';
import { type Component, WAVES } from './component.js';

/** Pod Security Admission labels: enforce, audit and warn at one level. */
function podSecurity(level: 'restricted' | 'privileged'): Record<string, string> {
  return Object.fromEntries(
    ['enforce', 'audit', 'warn'].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, level],
      [`pod-security.kubernetes.io/${mode}-version`, 'latest'],
    ]),
  );
}

export function namespaceChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'namespace');
  const base = { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY };
  // Everything of ours runs under `restricted`...
  addObject(chart, new Namespace({ metadata: { name: env.namespace, labels: { ...base, ...podSecurity('restricted') } } }));
  // ...except node-exporter, which needs the host's network and filesystems (charts/exporters.ts).
  addObject(chart, new Namespace({ metadata: { name: env.hostNamespace, labels: { ...base, ...podSecurity('privileged') } } }));
  return chart;
}

export const namespaceComponent: Component = { name: 'namespace', render: namespaceChart, wave: WAVES.foundation };
