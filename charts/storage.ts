/**
 * The StorageClass the platform's volumes use, when the environment provisions one
 * (`storageClasses.provision`): EBS CSI, encrypted, bound in the zone where the pod is
 * scheduled (WaitForFirstConsumer) and expandable, so a full Prometheus volume can grow in place.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { labelsFor } from '../lib/labels.js';
import { addObject } from '../lib/objects.js';
import type { ChartContext } from './context.js';
import { type Component, WAVES } from './component.js';

export const EBS_CSI_PROVISIONER = 'ebs.csi.aws.com';

export function storageChart(scope: Construct, { env }: ChartContext): Chart {
  const chart = new Chart(scope, 'storage');
  const sc = env.storageClasses.provision;
  if (!sc) return chart;
  addObject(
    chart,
    new StorageClass({
      metadata: { name: sc.name, labels: labelsFor({ name: sc.name, component: 'storage' }) },
      provisioner: EBS_CSI_PROVISIONER,
      parameters: {
        type: sc.volumeType,
        encrypted: 'true',
        'csi.storage.k8s.io/fstype': 'ext4',
        ...(sc.kmsKeyId ? { kmsKeyId: sc.kmsKeyId } : {}),
      },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    }),
  );
  return chart;
}

export const storageComponent: Component = { name: 'storage', render: storageChart, wave: WAVES.foundation, runs: (p) => p.storageClass };
