/**
 * Kubernetes, node and workload health (issue 17): the failures an on-call SRE expects to be
 * told about, after the upstream kubernetes-mixin and node-mixin (their facts and thresholds;
 * the rules are written here). Read from what this platform scrapes: kube-state-metrics,
 * node-exporter, the kubelet and the API server, with the label names of their pinned versions
 * (proved against the real binaries in test/e2e/cluster-health.test.ts).
 *
 * Workload and volume alerts are scoped to the namespaces the platform owns or watches: other
 * teams' namespaces on a shared cluster are theirs to alert on. Node and API server alerts
 * cover the whole cluster, since the platform runs on it.
 */

import { APISERVER_JOB, KUBELET_JOB } from '../monitors.js';
import { PROMETHEUS_PVC_REGEX } from './prometheus.js';
import type { RuleArea } from './types.js';
import { KUBE_STATE_METRICS, NODE_EXPORTER } from '../workloads.js';

const KSM = `job="${KUBE_STATE_METRICS.name}"`;
const NODE = `job="${NODE_EXPORTER.name}"`;
/** Real filesystems only (node-exporter reports pseudo filesystems with an empty fstype when excluded). */
const FS = `${NODE},fstype!="",mountpoint!=""`;
/** Workloads re-evaluated for 10 minutes without progress are stuck, not rolling out. */
const NO_PROGRESS = '10m';

export const KUBERNETES_AREA = 'kubernetes';

export function kubernetesRules(namespaces: readonly string[]): RuleArea {
  if (namespaces.length === 0) throw new Error('kubernetes rules need at least one namespace to watch');
  const odd = namespaces.find((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n));
  if (odd) throw new Error(`namespace ${JSON.stringify(odd)} is not a DNS label`);
  const NS = `namespace=~"${[...namespaces].sort().join('|')}"`;
  const pvc = (metric: string, extra = '') => `${metric}{job="${KUBELET_JOB}",${NS}${extra}}`;
  const ksm = (metric: string, extra = '') => `${metric}{${KSM},${NS}${extra}}`;
  const by = (labels: string, metric: string, extra = '') => `max by (${labels}) (${ksm(metric, extra)})`;
  return {
    area: KUBERNETES_AREA,
    groups: [
      {
        name: 'kubernetes-workloads',
        rules: [
          {
            alert: 'KubePodCrashLooping',
            expr: `max by (namespace, pod, container) (max_over_time(${ksm('kube_pod_container_status_waiting_reason', ',reason="CrashLoopBackOff"')}[5m])) >= 1`,
            for: '15m',
            severity: 'warning',
            summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping',
            description:
              'The kubelet has been backing off restarts of {{ $labels.container }} for 15 minutes: it starts and exits again. What it serves is down or degraded.',
          },
          {
            alert: 'KubePodNotReady',
            // Pending/Unknown/Failed, or running but not ready; a Job's pods are the Job alert's business.
            expr:
              `(\n  ${by('namespace, pod', 'kube_pod_status_phase', ',phase=~"Pending|Unknown|Failed"')} == 1\n` +
              `  or\n  ${by('namespace, pod', 'kube_pod_status_ready', ',condition="false"')} == 1\n` +
              `    unless on (namespace, pod) ${by('namespace, pod', 'kube_pod_status_phase', ',phase="Succeeded"')} == 1\n)\n` +
              `unless on (namespace, pod) ${by('namespace, pod', 'kube_pod_owner', ',owner_kind="Job"')}`,
            for: '15m',
            severity: 'warning',
            summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes',
            description:
              'The pod is pending, failed, in an unknown state, or running without passing its readiness probe: its Service sends it no traffic.',
          },
          {
            alert: 'KubeDeploymentReplicasMismatch',
            expr:
              `${by('namespace, deployment', 'kube_deployment_spec_replicas')}\n` +
              `  > ${by('namespace, deployment', 'kube_deployment_status_replicas_available')}\n` +
              `and on (namespace, deployment)\n` +
              `max by (namespace, deployment) (changes(${ksm('kube_deployment_status_replicas_updated')}[${NO_PROGRESS}])) == 0`,
            for: '15m',
            severity: 'warning',
            summary: 'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has fewer available replicas than desired',
            description:
              'For 15 minutes fewer replicas have been available than the spec asks for, and no rollout is making progress: it runs without its planned capacity or redundancy.',
          },
          {
            alert: 'KubeStatefulSetReplicasMismatch',
            expr:
              `${by('namespace, statefulset', 'kube_statefulset_replicas')}\n` +
              `  != ${by('namespace, statefulset', 'kube_statefulset_status_replicas_ready')}\n` +
              `and on (namespace, statefulset)\n` +
              `max by (namespace, statefulset) (changes(${ksm('kube_statefulset_status_replicas_updated')}[${NO_PROGRESS}])) == 0`,
            for: '15m',
            severity: 'warning',
            summary: 'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} does not have the desired number of ready replicas',
            description:
              'For 15 minutes the ready replicas have differed from the spec and no rollout is making progress. For the Prometheus, Alertmanager and PushGateway pairs this means no redundancy.',
          },
          {
            alert: 'KubeDaemonSetPodsUnavailable',
            expr:
              `${by('namespace, daemonset', 'kube_daemonset_status_desired_number_scheduled')}\n` +
              `  - ${by('namespace, daemonset', 'kube_daemonset_status_number_available')} > 0`,
            for: '15m',
            severity: 'warning',
            summary: 'DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} is not available on every node',
            description:
              '{{ $value }} of the nodes that should run it have no available pod: for node-exporter, those nodes are unmonitored.',
          },
          {
            alert: 'KubeJobFailed',
            expr: `${by('namespace, job_name', 'kube_job_failed', ',condition="true"')} == 1`,
            for: '15m',
            severity: 'warning',
            summary: 'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed',
            description:
              'The Job reached its backoff limit or deadline without completing. The alert clears when the Job is deleted (a CronJob removes it once its failed-jobs history is full).',
          },
        ],
      },
      {
        name: 'kubernetes-storage',
        rules: [
          {
            alert: 'KubePersistentVolumeFillingUp',
            // The Prometheus volumes have their own alert (PrometheusStorageAlmostFull); critical below covers every volume.
            expr:
              `${pvc('kubelet_volume_stats_available_bytes', `,persistentvolumeclaim!~"${PROMETHEUS_PVC_REGEX}"`)}\n` +
              `  / ${pvc('kubelet_volume_stats_capacity_bytes')} < 0.15\n` +
              `and predict_linear(${pvc('kubelet_volume_stats_available_bytes')}[6h], 4 * 86400) < 0`,
            for: '1h',
            severity: 'warning',
            summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} will be full within 4 days',
            description: 'It has less than 15% free and, at the rate of the last 6 hours, runs out of space within 4 days.',
          },
          {
            alert: 'KubePersistentVolumeAlmostFull',
            expr: `${pvc('kubelet_volume_stats_available_bytes')}\n  / ${pvc('kubelet_volume_stats_capacity_bytes')} < 0.03`,
            for: '5m',
            severity: 'critical',
            summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full',
            description:
              'Only {{ $value | humanizePercentage }} is free: writes fail soon (a Prometheus, Alertmanager or PushGateway volume loses data).',
          },
        ],
      },
      {
        name: 'kubernetes-nodes',
        rules: [
          {
            alert: 'KubeNodeNotReady',
            expr: `max by (node) (kube_node_status_condition{${KSM},condition="Ready",status="true"}) == 0`,
            for: '15m',
            severity: 'warning',
            summary: 'Node {{ $labels.node }} is not ready',
            description:
              'The node has not reported Ready for 15 minutes: its pods are not getting traffic and will be evicted; HA pairs with a replica there run alone.',
          },
          {
            alert: 'KubeNodePressure',
            expr: `max by (node, condition) (kube_node_status_condition{${KSM},condition=~"MemoryPressure|DiskPressure|PIDPressure",status="true"}) == 1`,
            for: '10m',
            severity: 'warning',
            summary: 'Node {{ $labels.node }} reports {{ $labels.condition }}',
            description:
              'The kubelet reports {{ $labels.condition }}: it will evict pods (lowest priority first) and admits no new ones until the pressure is relieved.',
          },
        ],
      },
      {
        name: 'node-exporter',
        rules: [
          {
            alert: 'NodeFilesystemSpaceFillingUp',
            expr:
              `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.15\n` +
              `and predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 24 * 3600) < 0\n` +
              `and node_filesystem_readonly{${FS}} == 0`,
            for: '1h',
            severity: 'warning',
            summary: 'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} will be full within 24 hours',
            description:
              'It has less than 15% free and, at the rate of the last 6 hours, runs out of space within a day. The kubelet starts evicting pods at its own threshold (DiskPressure) before that.',
          },
          {
            alert: 'NodeFilesystemAlmostOutOfSpace',
            expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.05\nand node_filesystem_readonly{${FS}} == 0`,
            for: '30m',
            severity: 'critical',
            summary: 'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has less than 5% free',
            description: 'Only {{ $value | humanizePercentage }} is free: the node is about to fail writes and evict pods.',
          },
          {
            alert: 'NodeMemoryHighUtilization',
            expr: `1 - node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}} > 0.9`,
            for: '15m',
            severity: 'warning',
            summary: 'Node {{ $labels.instance }} has used more than 90% of its memory for 15 minutes',
            description: '{{ $value | humanizePercentage }} of memory is in use: the kernel OOM killer or kubelet eviction is next.',
          },
          {
            alert: 'NodeCPUHighUsage',
            expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${NODE},mode="idle"}[5m])) > 0.9`,
            for: '15m',
            severity: 'info',
            summary: 'Node {{ $labels.instance }} has been more than 90% busy for 15 minutes',
            description:
              'CPU is {{ $value | humanizePercentage }} busy: pods without CPU requests are starved first; scrapes and queries slow down.',
          },
        ],
      },
      {
        name: 'kubernetes-control-plane',
        rules: [
          {
            alert: 'KubeAPIErrorsHigh',
            expr:
              `sum by (job) (rate(apiserver_request_total{job="${APISERVER_JOB}",code=~"5.."}[5m]))\n` +
              `  / sum by (job) (rate(apiserver_request_total{job="${APISERVER_JOB}"}[5m])) > 0.03`,
            for: '10m',
            severity: 'warning',
            summary: 'The API server answers more than 3% of requests with a server error',
            description:
              '{{ $value | humanizePercentage }} of API requests fail with 5xx: controllers, the operator, kube-state-metrics and service discovery work on stale state.',
          },
          {
            alert: 'KubeClientCertificateExpiration',
            // The shortest remaining lifetime among client certificates presented in the last 5 minutes (1st percentile).
            expr:
              `histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="${APISERVER_JOB}"}[5m])))\n` +
              `  < 7 * 86400`,
            severity: 'warning',
            summary: 'A client certificate used against the API server expires within 7 days',
            description:
              'A client presented a certificate expiring in {{ $value | humanizeDuration }}; once it expires, that client (a node, a controller) is refused.',
          },
        ],
      },
    ],
  };
}
