/** verify's comparison on recorded objects: what the API server returns for what we applied. */
import { envFiles, resolveAll } from '../../envs/index.js';
import { objectRef, type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { drift, formatFindings, verify, type LiveState } from '../../lib/verify.js';
import { manifestsOf } from '../helpers/tree.js';
import { versions } from '../../envs/versions.js';

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const desired = manifestsOf(await synthesize([dev]))
  .filter((m) => m.file.endsWith('/pushgateway/manifests.yaml') || m.file.endsWith('/alertmanager/manifests.yaml'))
  .map((m) => m.manifest);

/** What the API server gives back: our fields plus defaults, status and bookkeeping; Secrets as base64 data. */
function recorded(m: Manifest): Record<string, any> {
  const live: any = structuredClone(m);
  live.metadata = { ...live.metadata, uid: 'abc', resourceVersion: '42', creationTimestamp: '2026-11-01T00:00:00Z', managedFields: [] };
  if (live.kind === 'Secret') {
    live.data = Object.fromEntries(
      Object.entries(live.stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    delete live.stringData;
  }
  if (live.kind === 'StatefulSet') {
    live.spec.revisionHistoryLimit = 10;
    live.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
    live.spec.template.spec.containers.push({ name: 'injected-sidecar', image: 'mesh:1' });
    live.status = { replicas: 2, readyReplicas: 2 };
  }
  return live;
}

const liveOf = (mutate: (objs: Map<string, any>) => void = () => {}): LiveState => {
  const objects = new Map(desired.map((m) => [objectRef(m), recorded(m)] as [string, any]));
  mutate(objects);
  return {
    objects,
    pods: [{ namespace: 'monitoring', name: 'pushgateway-0', ready: true }],
    targets: [{ job: 'pushgateway', instance: '10.0.0.1:9091', health: 'up' }],
  };
};

describe('verify', () => {
  it('finds nothing when the cluster runs exactly dist (server-added fields and base64 Secrets are fine)', () => {
    expect(verify(desired, liveOf())).toEqual([]);
  });

  it('reports drift on fields we render, with the path, wanted and live values', () => {
    const findings = verify(
      desired,
      liveOf((o) => {
        o.get('StatefulSet/monitoring/pushgateway').spec.replicas = 1;
        o.get('StatefulSet/monitoring/pushgateway').spec.template.spec.containers[0].image = 'quay.io/prometheus/pushgateway:v1.10.0';
      }),
    );
    expect(findings).toEqual([
      { kind: 'drift', object: 'StatefulSet/monitoring/pushgateway', field: 'spec.replicas', expected: 2, actual: 1 },
      {
        kind: 'drift',
        object: 'StatefulSet/monitoring/pushgateway',
        field: 'spec.template.spec.containers[name=pushgateway].image',
        expected: `${versions.pushgateway.image}:${versions.pushgateway.tag}`,
        actual: 'quay.io/prometheus/pushgateway:v1.10.0',
      },
    ]);
  });

  it('reports a changed Secret payload and a missing object', () => {
    const findings = verify(
      desired,
      liveOf((o) => {
        o.get('Secret/monitoring/alertmanager-greenlang').data['alertmanager.yaml'] = Buffer.from('route: {}').toString('base64');
        o.set('ServiceMonitor/monitoring/pushgateway', undefined);
      }),
    );
    expect(findings.map((f) => `${f.kind} ${f.object}${'field' in f ? ' ' + f.field : ''}`)).toEqual([
      'drift Secret/monitoring/alertmanager-greenlang data.alertmanager.yaml',
      'missing ServiceMonitor/monitoring/pushgateway',
    ]);
  });

  it('reports pods not ready and targets down, and formats everything for a terminal', () => {
    const live = {
      ...liveOf(),
      pods: [{ namespace: 'monitoring', name: 'pushgateway-1', ready: false, reason: 'containers with unready status: [pushgateway]' }],
      targets: [{ job: 'pushgateway', instance: '10.0.0.2:9091', health: 'down', lastError: 'connection refused' }],
    };
    const findings = verify(desired, live);
    expect(findings).toEqual([
      { kind: 'pod-not-ready', object: 'Pod/monitoring/pushgateway-1', reason: 'containers with unready status: [pushgateway]' },
      { kind: 'target-down', object: 'pushgateway 10.0.0.2:9091', reason: 'connection refused' },
    ]);
    expect(formatFindings(findings)).toContain('target down   pushgateway 10.0.0.2:9091: connection refused');
  });

  it('treats a list of a different length as drift of the whole list', () => {
    expect(drift({ a: [1, 2] }, { a: [1] })).toEqual([{ field: 'a', expected: [1, 2], actual: [1] }]);
  });
});
