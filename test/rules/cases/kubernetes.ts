/**
 * promtool unit tests for charts/rules/kubernetes.ts, on series shaped as the pinned
 * kube-state-metrics, node-exporter, kubelet and API server export them (the shapes themselves
 * are proved against the real binaries in test/e2e/cluster-health.test.ts). Workload alerts are
 * scoped to dev's namespaces: the same failure in a namespace the platform does not watch is silent.
 */
import type { AlertCase } from './types.js';

const KSM = 'job="kube-state-metrics",instance="10.0.0.5:8080"';
const GL = `${KSM},namespace="greenlang"`;
const OTHER = `${KSM},namespace="other-team"`;
const NODE = 'job="node-exporter",instance="node-a"';
const ROOT_FS = `${NODE},device="/dev/nvme0n1p1",fstype="ext4",mountpoint="/"`;
const GIB = 2 ** 30;

/** A pod's phase series as kube-state-metrics exports them: one per phase, 1 for the current one. */
const phases = (labels: string, current: string) =>
  ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].map((phase) => ({
    series: `kube_pod_status_phase{${labels},phase="${phase}"}`,
    values: phase === current ? '1x30' : '0x30',
  }));
const ready = (labels: string, isReady: boolean) =>
  ['true', 'false', 'unknown'].map((condition) => ({
    series: `kube_pod_status_ready{${labels},condition="${condition}"}`,
    values: (condition === 'true') === isReady && condition !== 'unknown' ? '1x30' : '0x30',
  }));
const owner = (labels: string, kind: string, name: string) => ({
  series: `kube_pod_owner{${labels},owner_kind="${kind}",owner_name="${name}",owner_is_controller="true"}`,
  values: '1x30',
});
const nodeCondition = (node: string, condition: string, status: boolean) =>
  ['true', 'false', 'unknown'].map((s) => ({
    series: `kube_node_status_condition{${KSM},node="${node}",condition="${condition}",status="${s}"}`,
    values: (s === 'true') === status && s !== 'unknown' ? '1x30' : '0x30',
  }));
/** A volume of 100 GiB whose free space starts at `freeGiB` and changes by `perMinGiB` a minute, for 3 hours. */
const volume = (metric: 'kubelet' | 'node', labels: string, freeGiB: number, perMinGiB: number) => {
  const [avail, size] =
    metric === 'kubelet'
      ? ['kubelet_volume_stats_available_bytes', 'kubelet_volume_stats_capacity_bytes']
      : ['node_filesystem_avail_bytes', 'node_filesystem_size_bytes'];
  const step = perMinGiB * GIB;
  return [
    { series: `${avail}{${labels}}`, values: `${freeGiB * GIB}${step < 0 ? '' : '+'}${step}x180` },
    { series: `${size}{${labels}}`, values: `${100 * GIB}x180` },
  ];
};
const PVC = (claim: string, namespace = 'greenlang') => `job="kubelet",namespace="${namespace}",persistentvolumeclaim="${claim}"`;
/** API server client-certificate histogram: every presented certificate falls in buckets above `le`. */
const certs = (le: number) =>
  [86400, 172800, 345600, 604800, 2592000, 7776000, Infinity].map((b) => ({
    series: `apiserver_client_certificate_expiration_seconds_bucket{job="apiserver",le="${b === Infinity ? '+Inf' : b}"}`,
    values: b > le ? '0+10x30' : '0x30',
  }));

export const kubernetesCases: readonly AlertCase[] = [
  {
    name: 'a crash-looping container in a watched namespace',
    alert: 'KubePodCrashLooping',
    series: [
      { series: `kube_pod_container_status_waiting_reason{${GL},pod="api-0",container="api",reason="CrashLoopBackOff"}`, values: '1x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'greenlang', pod: 'api-0', container: 'api' }],
  },
  {
    name: 'a crash-looping container in a namespace the platform does not watch',
    alert: 'KubePodCrashLooping',
    series: [
      {
        series: `kube_pod_container_status_waiting_reason{${OTHER},pod="api-0",container="api",reason="CrashLoopBackOff"}`,
        values: '1x30',
      },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a pending pod of a ReplicaSet, and a running pod that fails its readiness probe',
    alert: 'KubePodNotReady',
    series: [
      ...phases(`${GL},pod="web-1"`, 'Pending'),
      owner(`${GL},pod="web-1"`, 'ReplicaSet', 'web-6d4cf56db6'),
      ...phases(`${GL},pod="web-2"`, 'Running'),
      ...ready(`${GL},pod="web-2"`, false),
      owner(`${GL},pod="web-2"`, 'ReplicaSet', 'web-6d4cf56db6'),
    ],
    evalTime: '20m',
    expected: [
      { namespace: 'greenlang', pod: 'web-1' },
      { namespace: 'greenlang', pod: 'web-2' },
    ],
  },
  {
    name: "a ready pod, a completed pod, a failed Job's pod and a pending pod elsewhere",
    alert: 'KubePodNotReady',
    series: [
      ...phases(`${GL},pod="web-1"`, 'Running'),
      ...ready(`${GL},pod="web-1"`, true),
      ...phases(`${GL},pod="once"`, 'Succeeded'),
      ...ready(`${GL},pod="once"`, false),
      ...phases(`${GL},pod="nightly-x7k2p"`, 'Failed'),
      owner(`${GL},pod="nightly-x7k2p"`, 'Job', 'nightly'),
      ...phases(`${OTHER},pod="web-1"`, 'Pending'),
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a Deployment short of one replica with no rollout under way',
    alert: 'KubeDeploymentReplicasMismatch',
    series: [
      { series: `kube_deployment_spec_replicas{${GL},deployment="web"}`, values: '2x30' },
      { series: `kube_deployment_status_replicas_available{${GL},deployment="web"}`, values: '1x30' },
      { series: `kube_deployment_status_replicas_updated{${GL},deployment="web"}`, values: '2x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'greenlang', deployment: 'web' }],
  },
  {
    name: 'a Deployment short of a replica while its rollout progresses',
    alert: 'KubeDeploymentReplicasMismatch',
    series: [
      { series: `kube_deployment_spec_replicas{${GL},deployment="web"}`, values: '30x30' },
      { series: `kube_deployment_status_replicas_available{${GL},deployment="web"}`, values: '0+1x30' },
      { series: `kube_deployment_status_replicas_updated{${GL},deployment="web"}`, values: '0+1x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a StatefulSet with one of two replicas ready',
    alert: 'KubeStatefulSetReplicasMismatch',
    series: [
      { series: `kube_statefulset_replicas{${GL},statefulset="queue"}`, values: '2x30' },
      { series: `kube_statefulset_status_replicas_ready{${GL},statefulset="queue"}`, values: '1x30' },
      { series: `kube_statefulset_status_replicas_updated{${GL},statefulset="queue"}`, values: '2x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'greenlang', statefulset: 'queue' }],
  },
  {
    name: 'a StatefulSet with every replica ready',
    alert: 'KubeStatefulSetReplicasMismatch',
    series: [
      { series: `kube_statefulset_replicas{${GL},statefulset="queue"}`, values: '2x30' },
      { series: `kube_statefulset_status_replicas_ready{${GL},statefulset="queue"}`, values: '2x30' },
      { series: `kube_statefulset_status_replicas_updated{${GL},statefulset="queue"}`, values: '2x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'node-exporter missing on one of three nodes',
    alert: 'KubeDaemonSetPodsUnavailable',
    series: [
      {
        series: `kube_daemonset_status_desired_number_scheduled{${KSM},namespace="monitoring-host",daemonset="node-exporter"}`,
        values: '3x30',
      },
      { series: `kube_daemonset_status_number_available{${KSM},namespace="monitoring-host",daemonset="node-exporter"}`, values: '2x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'monitoring-host', daemonset: 'node-exporter' }],
    description: '1 of the nodes that should run it have no available pod: for node-exporter, those nodes are unmonitored.',
  },
  {
    name: 'node-exporter available on every node',
    alert: 'KubeDaemonSetPodsUnavailable',
    series: [
      {
        series: `kube_daemonset_status_desired_number_scheduled{${KSM},namespace="monitoring-host",daemonset="node-exporter"}`,
        values: '3x30',
      },
      { series: `kube_daemonset_status_number_available{${KSM},namespace="monitoring-host",daemonset="node-exporter"}`, values: '3x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a failed Job',
    alert: 'KubeJobFailed',
    series: [
      { series: `kube_job_failed{${GL},job_name="nightly",condition="true",reason="BackoffLimitExceeded"}`, values: '1x30' },
      { series: `kube_job_failed{${GL},job_name="nightly",condition="false",reason="BackoffLimitExceeded"}`, values: '0x30' },
    ],
    evalTime: '20m',
    expected: [{ namespace: 'greenlang', job_name: 'nightly' }],
  },
  {
    name: 'a Job that has not failed, and a failed one in a namespace the platform does not watch',
    alert: 'KubeJobFailed',
    series: [
      { series: `kube_job_failed{${GL},job_name="nightly",condition="true"}`, values: '0x30' },
      { series: `kube_job_failed{${GL},job_name="nightly",condition="false"}`, values: '1x30' },
      { series: `kube_job_failed{${OTHER},job_name="nightly",condition="true"}`, values: '1x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a volume at 14% free losing 20 MiB a minute',
    alert: 'KubePersistentVolumeFillingUp',
    series: volume('kubelet', PVC('data-queue-0'), 14, -0.02),
    evalTime: '2h',
    expected: [{ job: 'kubelet', namespace: 'greenlang', persistentvolumeclaim: 'data-queue-0' }],
  },
  {
    name: 'a volume at 14% free, steady; a filling Prometheus volume (its own alert covers it)',
    alert: 'KubePersistentVolumeFillingUp',
    series: [
      ...volume('kubelet', PVC('data-queue-0'), 14, 0),
      ...volume('kubelet', PVC('prometheus-db-prometheus-prometheus-0', 'monitoring'), 14, -0.02),
    ],
    evalTime: '2h',
    expected: [],
  },
  {
    name: 'a volume with 2% free',
    alert: 'KubePersistentVolumeAlmostFull',
    series: volume('kubelet', PVC('prometheus-db-prometheus-prometheus-0', 'monitoring'), 2, 0),
    evalTime: '10m',
    expected: [{ job: 'kubelet', namespace: 'monitoring', persistentvolumeclaim: 'prometheus-db-prometheus-prometheus-0' }],
    description: 'Only 2% is free: writes fail soon (a Prometheus, Alertmanager or PushGateway volume loses data).',
  },
  {
    name: 'a volume with 2% free in a namespace the platform does not watch, and one with 50% free',
    alert: 'KubePersistentVolumeAlmostFull',
    series: [...volume('kubelet', PVC('data', 'other-team'), 2, 0), ...volume('kubelet', PVC('data-queue-0'), 50, 0)],
    evalTime: '10m',
    expected: [],
  },
  {
    name: 'a node not ready',
    alert: 'KubeNodeNotReady',
    series: [...nodeCondition('node-a', 'Ready', false), ...nodeCondition('node-b', 'Ready', true)],
    evalTime: '20m',
    expected: [{ node: 'node-a' }],
  },
  {
    name: 'every node ready',
    alert: 'KubeNodeNotReady',
    series: [...nodeCondition('node-a', 'Ready', true), ...nodeCondition('node-b', 'Ready', true)],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'a node under disk pressure',
    alert: 'KubeNodePressure',
    series: [...nodeCondition('node-a', 'DiskPressure', true), ...nodeCondition('node-a', 'MemoryPressure', false)],
    evalTime: '20m',
    expected: [{ node: 'node-a', condition: 'DiskPressure' }],
  },
  {
    name: 'a node without pressure',
    alert: 'KubeNodePressure',
    series: ['DiskPressure', 'MemoryPressure', 'PIDPressure'].flatMap((c) => nodeCondition('node-a', c, false)),
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'the root filesystem at 14% free losing 20 MiB a minute',
    alert: 'NodeFilesystemSpaceFillingUp',
    series: [...volume('node', ROOT_FS, 14, -0.02), { series: `node_filesystem_readonly{${ROOT_FS}}`, values: '0x180' }],
    evalTime: '2h',
    expected: [{ job: 'node-exporter', instance: 'node-a', device: '/dev/nvme0n1p1', fstype: 'ext4', mountpoint: '/' }],
  },
  {
    name: 'a read-only filesystem image at 14% free and shrinking',
    alert: 'NodeFilesystemSpaceFillingUp',
    series: [...volume('node', ROOT_FS, 14, -0.02), { series: `node_filesystem_readonly{${ROOT_FS}}`, values: '1x180' }],
    evalTime: '2h',
    expected: [],
  },
  {
    name: 'the root filesystem with 4% free',
    alert: 'NodeFilesystemAlmostOutOfSpace',
    series: [...volume('node', ROOT_FS, 4, 0), { series: `node_filesystem_readonly{${ROOT_FS}}`, values: '0x180' }],
    evalTime: '40m',
    expected: [{ job: 'node-exporter', instance: 'node-a', device: '/dev/nvme0n1p1', fstype: 'ext4', mountpoint: '/' }],
    description: 'Only 4% is free: the node is about to fail writes and evict pods.',
  },
  {
    name: 'the root filesystem with 10% free',
    alert: 'NodeFilesystemAlmostOutOfSpace',
    series: [...volume('node', ROOT_FS, 10, 0), { series: `node_filesystem_readonly{${ROOT_FS}}`, values: '0x180' }],
    evalTime: '40m',
    expected: [],
  },
  {
    name: 'a node with 1 of 16 GiB available',
    alert: 'NodeMemoryHighUtilization',
    series: [
      { series: `node_memory_MemAvailable_bytes{${NODE}}`, values: `${GIB}x30` },
      { series: `node_memory_MemTotal_bytes{${NODE}}`, values: `${16 * GIB}x30` },
    ],
    evalTime: '20m',
    expected: [{ job: 'node-exporter', instance: 'node-a' }],
    description: '93.75% of memory is in use: the kernel OOM killer or kubelet eviction is next.',
  },
  {
    name: 'a node with 8 of 16 GiB available',
    alert: 'NodeMemoryHighUtilization',
    series: [
      { series: `node_memory_MemAvailable_bytes{${NODE}}`, values: `${8 * GIB}x30` },
      { series: `node_memory_MemTotal_bytes{${NODE}}`, values: `${16 * GIB}x30` },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'two CPUs idle 5% of the time',
    alert: 'NodeCPUHighUsage',
    series: ['0', '1'].map((cpu) => ({ series: `node_cpu_seconds_total{${NODE},cpu="${cpu}",mode="idle"}`, values: '0+3x30' })),
    evalTime: '25m',
    expected: [{ instance: 'node-a' }],
    description: 'CPU is 95% busy: pods without CPU requests are starved first; scrapes and queries slow down.',
  },
  {
    name: 'two CPUs idle half the time',
    alert: 'NodeCPUHighUsage',
    series: ['0', '1'].map((cpu) => ({ series: `node_cpu_seconds_total{${NODE},cpu="${cpu}",mode="idle"}`, values: '0+30x30' })),
    evalTime: '25m',
    expected: [],
  },
  {
    name: '5% of API requests answered with 500',
    alert: 'KubeAPIErrorsHigh',
    series: [
      { series: 'apiserver_request_total{job="apiserver",verb="LIST",resource="pods",code="200"}', values: '0+95x30' },
      { series: 'apiserver_request_total{job="apiserver",verb="LIST",resource="pods",code="500"}', values: '0+5x30' },
    ],
    evalTime: '20m',
    expected: [{ job: 'apiserver' }],
    description:
      '5% of API requests fail with 5xx: controllers, the operator, kube-state-metrics and service discovery work on stale state.',
  },
  {
    name: '1% of API requests answered with 503',
    alert: 'KubeAPIErrorsHigh',
    series: [
      { series: 'apiserver_request_total{job="apiserver",verb="LIST",resource="pods",code="200"}', values: '0+99x30' },
      { series: 'apiserver_request_total{job="apiserver",verb="LIST",resource="pods",code="503"}', values: '0+1x30' },
    ],
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'clients presenting certificates with 2 to 4 days left',
    alert: 'KubeClientCertificateExpiration',
    series: certs(172800),
    evalTime: '10m',
    expected: [{ job: 'apiserver' }],
    // 1st percentile, interpolated in the (2d, 4d] bucket: 2d + 1% of 2d.
    description:
      'A client presented a certificate expiring in 2d 0h 28m 48s; once it expires, that client (a node, a controller) is refused.',
  },
  {
    name: 'clients presenting certificates with more than 30 days left',
    alert: 'KubeClientCertificateExpiration',
    series: certs(2592000),
    evalTime: '10m',
    expected: [],
  },
];
