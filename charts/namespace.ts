/** The monitoring namespace itself, so its labels are ours (not whatever created it first). */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { addObject } from '../lib/objects.js';
import { MANAGED_BY, PART_OF } from '../lib/labels.js';
import type { ChartContext } from './context.js';

export function namespaceChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'namespace');
  addObject(
    chart,
    new Namespace({
      metadata: {
        name: env.namespace,
        labels: {
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': MANAGED_BY,
        },
      },
    }),
  );
  return chart;
}
