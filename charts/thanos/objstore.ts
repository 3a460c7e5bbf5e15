/**
 * The objstore config shared by sidecar, store, compactor and ruler: the cluster's own bucket. A Secret only because the
 * operator's CRs reference it as one: it holds bucket, region and endpoint, never a credential
 * (IRSA supplies those at runtime).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Secret } from 'kubernetes-models/v1/Secret';
import { labelsFor } from '../../lib/labels.js';
import { addObject } from '../../lib/objects.js';
import { storageOf, type ChartContext } from '../context.js';
import { OBJSTORE_KEY, OBJSTORE_SECRET, objstoreConfig } from './common.js';
import { type Component, WAVES, whenThanos } from '../component.js';

export function thanosObjstoreChart(scope: Construct, ctx: ChartContext): Chart {
  const { env } = ctx;
  const chart = new Chart(scope, 'thanos-objstore');
  addObject(
    chart,
    new Secret({
      metadata: {
        name: OBJSTORE_SECRET,
        namespace: env.namespace,
        labels: labelsFor({ name: OBJSTORE_SECRET, component: 'objstore-config' }),
      },
      type: 'Opaque',
      stringData: { [OBJSTORE_KEY]: objstoreConfig(storageOf(ctx)) },
    }),
  );
  return chart;
}

export const thanosObjstoreComponent: Component = {
  name: 'thanos-objstore',
  render: thanosObjstoreChart,
  runs: whenThanos,
  wave: WAVES.prerequisites,
};
