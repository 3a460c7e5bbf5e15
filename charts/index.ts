/**
 * The components rendered for every environment and cluster, in output order. Each renders to
 * dist/<env>/<cluster>/<name>/manifests.yaml, which one Argo CD Application syncs.
 */
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ChartContext } from './context.js';
import { namespaceChart } from './namespace.js';
import { prometheusChart } from './prometheus.js';

export interface Component {
  readonly name: string;
  readonly render: (scope: Construct, ctx: ChartContext) => Chart;
}

export const components: readonly Component[] = [
  { name: 'namespace', render: namespaceChart },
  { name: 'prometheus', render: prometheusChart },
];
