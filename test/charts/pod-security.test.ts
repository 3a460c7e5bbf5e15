/**
 * Pod security invariants over everything we render, including what the operator will build
 * from our Prometheus, Alertmanager and ThanosRuler CRs (their pod-level settings and
 * resources come from our spec): the monitoring namespace can enforce PSS `restricted`, and
 * node-exporter is the one documented exception, in a namespace of its own.
 */
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs)).map((m) => m.manifest as any);
const podSpecOf = (m: any) => m.spec?.template?.spec ?? m.spec?.jobTemplate?.spec?.template?.spec;
const workloads = all.filter((m) => podSpecOf(m));
const operatorCRs = all.filter((m) => ['Prometheus', 'Alertmanager', 'ThanosRuler'].includes(m.kind));

describe.each(envs.map((env) => ({ env, label: env.name })))('pod security in $label', ({ env }) => {
  it('labels the monitoring namespace restricted and the host namespace privileged', () => {
    const ns = (name: string) => all.find((m) => m.kind === 'Namespace' && m.metadata.name === name).metadata.labels;
    expect(ns(env.namespace)).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(ns(env.hostNamespace)).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
  });

  it('only node-exporter runs in the host namespace, and only it touches the host', () => {
    const hostly = workloads.filter((m) => {
      const p = podSpecOf(m);
      return p.hostNetwork || p.hostPID || p.hostIPC || (p.volumes ?? []).some((v: any) => v.hostPath);
    });
    expect([...new Set(hostly.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`))]).toEqual([
      `DaemonSet/${env.hostNamespace}/node-exporter`,
    ]);
    expect(new Set(workloads.filter((m) => m.metadata.namespace === env.hostNamespace).map((m) => m.metadata.name))).toEqual(
      new Set(['node-exporter']),
    );
  });
});

describe('every container we render', () => {
  const containers = workloads.flatMap((m) =>
    [...(podSpecOf(m).initContainers ?? []), ...podSpecOf(m).containers].map((c: any) => ({
      owner: `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`,
      kind: m.kind,
      pod: podSpecOf(m),
      c,
    })),
  );

  it.each(containers.map((x) => ({ ...x, label: `${x.owner} ${x.c.name}` })))(
    '$label is restricted, bounded and probed',
    ({ kind, pod, c }) => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.securityContext.privileged).toBeUndefined();
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      if (kind !== 'CronJob' && kind !== 'Job') {
        expect(c.livenessProbe).toBeDefined();
        expect(c.readinessProbe).toBeDefined();
      }
    },
  );

  it('mounts the API token only where the API is used (the operator, kube-state-metrics, and the operator-managed Prometheus)', () => {
    const withToken = workloads.filter((m) => podSpecOf(m).automountServiceAccountToken !== false).map((m) => m.metadata.name);
    expect([...new Set(withToken)].sort()).toEqual(['kube-state-metrics', 'prometheus-operator']);
  });
});

describe.each(operatorCRs.map((m) => ({ m, label: `${m.kind}/${m.metadata.name}` })))('operator-built pods of $label', ({ m }) => {
  it('run as non-root with the runtime seccomp profile and bounded resources', () => {
    expect(m.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(Object.keys(m.spec.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(m.spec.resources.limits).sort()).toEqual(['cpu', 'memory']);
    if (m.spec.thanos) expect(Object.keys(m.spec.thanos.resources.limits).sort()).toEqual(['cpu', 'memory']);
  });
});
