/**
 * The Kubernetes rule area (charts/rules/kubernetes.ts) against what the pinned components really
 * export, not against our model of them: dev's kube-state-metrics, node-exporter and Prometheus
 * as dist and the operator make them (through the runner), with broken workloads, a failed Job
 * and a node under pressure stored in the real API server, once in a namespace the platform
 * watches and once in one it does not. Every selector of the area matches series of the real
 * exporters (API server selectors: the real kube-apiserver, scraped with the monitor's job name),
 * and the rules as Prometheus loads them fire for exactly the broken objects in the watched namespace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import type { KubeClient } from '../../lib/kube.js';
import type { Manifest } from '../../lib/synth.js';
import { APISERVER_JOB, KUBELET_JOB } from '../../charts/monitors.js';
import { kubernetesRules } from '../../charts/rules/kubernetes.js';
import { isAlert, type AlertRule } from '../../charts/rules/types.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { json } from '../helpers/http.js';
import { vectorSelectors } from '../helpers/promql.js';
import { useProcesses, type Running } from '../helpers/proc.js';
import { waitFor } from '../helpers/sink.js';
import { platformNamespaces } from '../../charts/workloads.js';

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const WATCHED = 'greenlang';
const UNWATCHED = 'other-team';
const FIELD_MANAGER = 'gl-cluster-health-test';
const alerts = kubernetesRules(platformNamespaces(dev)).groups.flatMap((g) => g.rules.filter(isAlert)) as AlertRule[];

/** Why a selector cannot be matched here: only a kubelet (with a container runtime and volumes) exports it. */
const NEEDS_KUBELET = `job="${KUBELET_JOB}"`;

const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const restricted = {
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'api',
      image: 'registry.example/greenlang/api:1.0.0',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    },
  ],
};
const template = (app: string) => ({ metadata: { labels: { app } }, spec: restricted });
const since = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

/** What is broken, per namespace: the objects and the status a controller or kubelet would have written. */
function brokenWorkloads(namespace: string): { object: Manifest; status?: object }[] {
  const meta = (name: string, extra: object = {}) => ({ name, namespace, ...extra });
  const ownedBy = (kind: string, apiVersion: string, name: string, n: number) => ({
    ownerReferences: [{ apiVersion, kind, name, uid: uid(n), controller: true }],
  });
  return [
    { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('default') } },
    {
      object: { apiVersion: 'v1', kind: 'Pod', metadata: meta('crashy'), spec: { ...restricted, nodeName: 'node-healthy' } },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
        ],
        containerStatuses: [
          {
            name: 'api',
            image: restricted.containers[0]!.image,
            imageID: '',
            ready: false,
            started: false,
            restartCount: 7,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: since(2), finishedAt: since(1) } },
          },
        ],
      },
    },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: meta('web-6d4cf-pending', ownedBy('ReplicaSet', 'apps/v1', 'web-6d4cf', 1)),
        spec: restricted,
      },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
    },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: meta('nightly-x7k2p', ownedBy('Job', 'batch/v1', 'nightly', 2)),
        spec: { ...restricted, restartPolicy: 'Never', nodeName: 'node-healthy' },
      },
      status: { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }] },
    },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: meta('one-off'),
        spec: { ...restricted, restartPolicy: 'Never', nodeName: 'node-healthy' },
      },
      status: { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }] },
    },
    {
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('web'),
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web') },
      },
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 },
    },
    {
      object: {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta('queue'),
        spec: { replicas: 2, serviceName: 'queue', selector: { matchLabels: { app: 'queue' } }, template: template('queue') },
      },
      status: { observedGeneration: 1, replicas: 2, readyReplicas: 1, currentReplicas: 2, updatedReplicas: 2, availableReplicas: 1 },
    },
    {
      object: {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta('agent'),
        spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') },
      },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberMisscheduled: 0,
        numberReady: 2,
        numberAvailable: 2,
        numberUnavailable: 1,
      },
    },
    {
      object: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta('nightly'),
        spec: { backoffLimit: 0, template: { spec: { ...restricted, restartPolicy: 'Never' } } },
      },
      status: {
        startTime: since(10),
        failed: 1,
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: since(5),
          },
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: since(5),
          },
        ],
      },
    },
  ];
}

const node = (name: string, conditions: Record<string, boolean>) => ({
  object: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } },
  status: { conditions: Object.entries(conditions).map(([type, on]) => ({ type, status: on ? 'True' : 'False', reason: `Test${type}` })) },
});

/** Store an object as its controller would have left it: spec applied, then status through the status subresource. */
async function store(kube: KubeClient, { object, status }: { object: Manifest; status?: object }) {
  await kube.apply(object, { fieldManager: FIELD_MANAGER });
  if (!status) return;
  const { apiVersion, kind, metadata } = object;
  const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
  await kube.call('PATCH', `${await kube.objectPath(object)}/status?${q}`, {
    body: { apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace }, status },
    contentType: 'application/apply-patch+yaml',
  });
}

describe('Kubernetes, node and workload rules on the real exporters', () => {
  const procs = useProcesses();
  let stack: Stack;
  let apiProm: Running;

  beforeAll(async () => {
    expect(platformNamespaces(dev)).toContain(WATCHED);
    expect(platformNamespaces(dev)).not.toContain(UNWATCHED);
    stack = await startStack({ only: ['prometheus-prometheus', 'thanos-query', 'kube-state-metrics', 'node-exporter'], demoJob: false });
    const kube = stack.local.generated.kube;
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: UNWATCHED } }, { fieldManager: FIELD_MANAGER });
    for (const ns of [WATCHED, UNWATCHED]) for (const o of brokenWorkloads(ns)) await store(kube, o);
    const pressure = { MemoryPressure: false, DiskPressure: false, PIDPressure: false };
    await store(kube, node('node-broken', { Ready: false, ...pressure, DiskPressure: true }));
    await store(kube, node('node-healthy', { Ready: true, ...pressure }));

    // The API server scraped as the `apiserver` monitor does (its job name), by the pinned Prometheus.
    const cp = stack.local.generated.cp;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-apiserver-scrape-'));
    const config = {
      global: { scrape_interval: '1s' },
      scrape_configs: [
        {
          job_name: APISERVER_JOB,
          scheme: 'https',
          tls_config: { ca_file: cp.caFile, cert_file: cp.adminIdentity.cert, key_file: cp.adminIdentity.key, server_name: 'localhost' },
          static_configs: [{ targets: [new URL(cp.url).host] }],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    apiProm = await procs.start({
      tool: 'prometheus',
      dir,
      args: ({ port }) => [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
    });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const count = async (p: Running, selector: string) => {
    const body = await json(p, `/api/v1/query?query=${encodeURIComponent(`count(${selector})`)}`);
    if (body.status !== 'success') throw new Error(`${selector}: ${JSON.stringify(body)}`);
    return Number(body.data.result[0]?.value[1] ?? 0);
  };

  it('every selector of the area matches series of the real exporters (kubelet ones need a kubelet)', async () => {
    const all = [...new Set(alerts.flatMap((a) => vectorSelectors(a.expr)))];
    const needsKubelet = all.filter((s) => s.includes(NEEDS_KUBELET));
    expect(needsKubelet.length).toBeLessThan(all.length / 2);
    const checked = all.filter((s) => !needsKubelet.includes(s));
    let empty: string[] = [];
    await waitFor(
      async () => {
        empty = [];
        for (const s of checked)
          if ((await count(s.includes(`job="${APISERVER_JOB}"`) ? apiProm : stack.proms[0]!, s)) === 0) empty.push(s);
        return empty.length === 0;
      },
      60_000,
      2000,
    );
    expect(empty).toEqual([]);
  }, 90_000);

  it('the rules as Prometheus loads them fire for the broken objects in the watched namespace only', async () => {
    const names = alerts.map((a) => a.alert).join('|');
    const keys = ['alertname', 'namespace', 'pod', 'container', 'deployment', 'statefulset', 'daemonset', 'job_name', 'node', 'condition'];
    const fixture = (l: Record<string, string>) =>
      [WATCHED, UNWATCHED].includes(l.namespace!) || ['node-broken', 'node-healthy'].includes(l.node!);
    const firing = async () => {
      const body = await json(
        stack.proms[0]!,
        `/api/v1/query?query=${encodeURIComponent(`ALERTS{alertname=~"${names}",alertstate="firing"}`)}`,
      );
      return (body.data.result as { metric: Record<string, string> }[])
        .map((r) => r.metric)
        .filter(fixture)
        .map((l) => Object.fromEntries(keys.filter((k) => l[k] !== undefined && !(k === 'namespace' && l.node)).map((k) => [k, l[k]])))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    };
    const ns = { namespace: WATCHED };
    const expected = [
      { alertname: 'KubeDaemonSetPodsUnavailable', ...ns, daemonset: 'agent' },
      { alertname: 'KubeDeploymentReplicasMismatch', ...ns, deployment: 'web' },
      { alertname: 'KubeJobFailed', ...ns, job_name: 'nightly' },
      { alertname: 'KubeNodeNotReady', node: 'node-broken' },
      { alertname: 'KubeNodePressure', node: 'node-broken', condition: 'DiskPressure' },
      { alertname: 'KubePodCrashLooping', ...ns, pod: 'crashy', container: 'api' },
      { alertname: 'KubePodNotReady', ...ns, pod: 'crashy' },
      { alertname: 'KubePodNotReady', ...ns, pod: 'web-6d4cf-pending' },
      { alertname: 'KubeStatefulSetReplicasMismatch', ...ns, statefulset: 'queue' },
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    let seen: unknown[] = [];
    await waitFor(
      async () => {
        seen = await firing();
        return JSON.stringify(seen) === JSON.stringify(expected);
      },
      90_000,
      2000,
    );
    expect(seen).toEqual(expected);
  }, 120_000);
});
