/**
 * Delivery as Argo CD does it, on the real API server with Argo CD's own code at the pinned
 * version (tools/argocd): every Application of dev is synced (server-side apply, field manager
 * argocd-controller, annotation tracking), the real operator reconciles, and then
 * - the application controller's diff, in the mode each Application selects, finds no difference
 *   in any object (the client-side diff would: that is what the mode is for);
 * - the health Argo CD computes for every object (its built-in checks, the Lua it ships, and the
 *   argocd-cm customisations dist renders, in gopher-lua) is Healthy, so every child Application
 *   is Synced and Healthy and the root converges; crafted failures are Degraded or Progressing.
 * The hub and the workload cluster are one API server here (the hub's objects live in `argocd`).
 * What no controller here writes is written as its controller would once done (named below).
 */
import fs from 'node:fs';
import path from 'node:path';
import { standInNamespaces, standInRootCa, standInSecrets, startOperator } from '../../tools/control-plane.js';
import { argocdDiff, argocdHealth, argocdHealthOf, argocdSync, type ObjectHealth } from '../../tools/argocd-replay.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { repoRoot } from '../../lib/paths.js';
import type { Manifest } from '../../lib/synth.js';
import type { KubeClient } from '../../lib/kube.js';
import type { Running } from '../../tools/proc.js';
import { COMPARE_OPTIONS } from '../../charts/argocd.js';
import { applyAll, distTargets, eventually, namespacesFirst, ref, settledReconciled, useControlPlane } from './cluster.js';

const control = useControlPlane();
const dev = distTargets.find((t) => t.env.tier === 'dev')!;
const { env } = dev;
const all = dev.manifests();
const applications = all.filter((m) => m.kind === 'Application') as any[];
const argocdCm = all.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'argocd-cm');
const wave = (a: any) => Number(a.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

/** What an Application syncs: the YAML of its source folder, as Argo CD reads a directory source. */
const objectsOf = (app: any): Manifest[] => manifestsOfTree(treeOnDisk(path.join(repoRoot, app.spec.source.path)));

/**
 * What the controllers this tier does not run write once their work is done, each as that
 * controller writes it: External Secrets and cert-manager (Ready, after the stand-in Secrets were
 * written); the StatefulSet controller and the kubelet (each replica's Pod, at the set's
 * revision, running and ready); the workload controllers (every replica updated, ready,
 * available); the volume controller (a claim bound once its pod is scheduled); the disruption
 * controller (PDB status).
 */
async function reportControllersDone(kube: KubeClient): Promise<void> {
  const path = async (apiVersion: string, kind: string, obj: any) => kube.objectPath({ apiVersion, kind, metadata: obj.metadata });
  const patch = async (apiVersion: string, kind: string, obj: any, status: object) =>
    kube.call('PATCH', `${await path(apiVersion, kind, obj)}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
  const now = new Date().toISOString();
  const ready = (reason: string) => ({ type: 'Ready', status: 'True', reason, message: 'stand-in', lastTransitionTime: now });
  // Every namespace dist puts objects in (the platform's, the host's, Argo CD's, the tenants').
  for (const ns of new Set(all.flatMap((m) => (m.metadata.namespace ? [m.metadata.namespace] : [])))) {
    for (const es of await kube.list('external-secrets.io/v1', 'ExternalSecret', ns))
      await patch('external-secrets.io/v1', 'ExternalSecret', es, {
        conditions: [ready('SecretSynced')],
        refreshTime: now,
        syncedResourceVersion: '1',
      });
    for (const c of await kube.list('cert-manager.io/v1', 'Certificate', ns))
      await patch('cert-manager.io/v1', 'Certificate', c, { conditions: [ready('Ready')] });
    for (const s of await kube.list('apps/v1', 'StatefulSet', ns)) {
      const n = s.spec.replicas ?? 1;
      const revision = `${s.metadata.name}-1`;
      for (let i = 0; i < n; i++) await runPod(kube, s, i, revision);
      await patch('apps/v1', 'StatefulSet', s, {
        observedGeneration: s.metadata.generation,
        replicas: n,
        currentReplicas: n,
        updatedReplicas: n,
        readyReplicas: n,
        availableReplicas: n,
        currentRevision: revision,
        updateRevision: revision,
      });
    }
    for (const d of await kube.list('apps/v1', 'Deployment', ns)) {
      const n = d.spec.replicas ?? 1;
      await patch('apps/v1', 'Deployment', d, {
        observedGeneration: d.metadata.generation,
        replicas: n,
        updatedReplicas: n,
        readyReplicas: n,
        availableReplicas: n,
        conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
      });
    }
    for (const d of await kube.list('apps/v1', 'DaemonSet', ns))
      await patch('apps/v1', 'DaemonSet', d, {
        observedGeneration: d.metadata.generation,
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        updatedNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: 1,
        numberAvailable: 1,
      });
    // The volume controller, once the pod that mounts a claim is scheduled (WaitForFirstConsumer): bound.
    for (const pvc of await kube.list('v1', 'PersistentVolumeClaim', ns))
      await patch('v1', 'PersistentVolumeClaim', pvc, {
        phase: 'Bound',
        accessModes: pvc.spec.accessModes,
        capacity: { storage: pvc.spec.resources.requests.storage },
      });
    for (const pdb of await kube.list('policy/v1', 'PodDisruptionBudget', ns))
      await patch('policy/v1', 'PodDisruptionBudget', pdb, {
        observedGeneration: pdb.metadata.generation,
        currentHealthy: 2,
        desiredHealthy: 1,
        expectedPods: 2,
        disruptionsAllowed: 1,
        conditions: [
          {
            type: 'DisruptionAllowed',
            status: 'True',
            reason: 'SufficientPods',
            message: '',
            lastTransitionTime: now,
            observedGeneration: pdb.metadata.generation,
          },
        ],
      });
  }
}

/** Replica `i` of a StatefulSet as its controller creates it and as the kubelet reports it once running and ready. */
async function runPod(kube: KubeClient, sts: any, i: number, revision: string): Promise<void> {
  const t = sts.spec.template;
  const name = `${sts.metadata.name}-${i}`;
  const claims = (sts.spec.volumeClaimTemplates ?? []).map((c: any) => ({
    name: c.metadata.name,
    persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` },
  }));
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: {
        ...t.metadata.labels,
        'controller-revision-hash': revision,
        'apps.kubernetes.io/pod-index': String(i),
        'statefulset.kubernetes.io/pod-name': name,
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, uid: sts.metadata.uid, controller: true }],
    },
    spec: { ...t.spec, hostname: name, subdomain: sts.spec.serviceName, volumes: [...(t.spec.volumes ?? []), ...claims] },
  };
  await kube.call('POST', `/api/v1/namespaces/${sts.metadata.namespace}/pods`, { body: pod });
  const now = new Date().toISOString();
  const containers = (cs: any[] = []) =>
    cs.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: now } },
    }));
  await kube.call('PATCH', `/api/v1/namespaces/${sts.metadata.namespace}/pods/${name}/status`, {
    body: {
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
          type,
          status: 'True',
          lastTransitionTime: now,
        })),
        containerStatuses: containers(t.spec.containers),
      },
    },
    contentType: 'application/merge-patch+json',
  });
}

const unhealthy = (hs: readonly ObjectHealth[]) =>
  hs
    .filter((h) => h.error || (h.status !== undefined && h.status !== 'Healthy'))
    .map((h) => `${h.object}: ${h.status} ${h.message ?? ''} ${h.error ?? ''}`);

describe(`Argo CD delivery of ${dev.label}, replayed with Argo CD's own code`, () => {
  let operator: Running | undefined;
  let kubeconfig = '';
  afterAll(async () => {
    await operator?.stop();
  });

  it('every Application syncs, in wave order, with the server-side apply Argo CD does', async () => {
    kubeconfig = control.cp.kubeconfigFor(control.cp.adminIdentity);
    // What the clusters already have: monitored namespaces and Argo CD's, the Secrets External
    // Secrets and cert-manager would write, the root CA ConfigMaps.
    const namespaces = standInNamespaces([...env.monitoredNamespaces, env.argocd.namespace, env.namespace, env.hostNamespace]);
    expect((await applyAll(control.kube, namespaces)).refused).toEqual([]);
    const caPem = fs.readFileSync(control.cp.caFile, 'utf8');
    const { refused } = await applyAll(control.kube, [
      ...standInSecrets(all),
      ...standInRootCa(
        namespaces.map((n) => n.metadata.name),
        caPem,
      ),
    ]);
    expect(refused).toEqual([]);

    expect(applications.length).toBeGreaterThan(5);
    const errors: string[] = [];
    for (const app of [...applications].sort((a, b) => wave(a) - wave(b))) {
      for (const r of argocdSync(kubeconfig, app.metadata.name, namespacesFirst(objectsOf(app))))
        if (r.error) errors.push(`${app.metadata.name}: ${r.object}: ${r.error}`);
    }
    expect(errors).toEqual([]);
  }, 300_000);

  it('the operator reconciles every CR that was synced', async () => {
    const deployment = all.find((d) => d.kind === 'Deployment' && d.metadata.name === 'prometheus-operator') as any;
    const pod = deployment.spec.template.spec;
    operator = await startOperator(control.cp, {
      args: pod.containers[0].args,
      namespace: deployment.metadata.namespace,
      serviceAccount: pod.serviceAccountName,
    });
    const crs = all.filter((m) => ['Prometheus', 'Alertmanager', 'ThanosRuler'].includes(m.kind));
    for (const cr of crs)
      expect({ cr: ref(cr), status: (await settledReconciled(control.kube, cr)).status }).toEqual({ cr: ref(cr), status: 'True' });
  }, 240_000);

  it('every Application asks for server-side diff, and that diff finds no difference in any object', () => {
    const differences: string[] = [];
    for (const app of applications) {
      expect({ app: app.metadata.name, compare: app.metadata.annotations?.[COMPARE_OPTIONS] }).toEqual({
        app: app.metadata.name,
        compare: 'ServerSideDiff=true',
      });
      const d = argocdDiff(kubeconfig, app, objectsOf(app), argocdCm);
      expect(d.serverSideDiff).toBe(true);
      for (const o of d.objects.filter((x) => x.modified))
        differences.push(`${app.metadata.name}: ${o.object}\n--- live\n${o.normalizedLive}\n+++ predicted\n${o.predictedLive}`);
    }
    expect(differences).toEqual([]);
  }, 300_000);

  it('a field changed in the cluster by anyone else is a difference (the check can fail)', async () => {
    const app = applications.find((a) => a.metadata.name.endsWith('-thanos-query'))!;
    const target = objectsOf(app).find((m) => m.kind === 'Deployment')! as any;
    // `kubectl scale` by hand: a field dist sets, changed by another manager.
    await control.kube.call('PATCH', `${await control.kube.objectPath(target)}?fieldManager=kubectl-scale`, {
      body: { spec: { replicas: target.spec.replicas + 2 } },
      contentType: 'application/merge-patch+json',
    });
    const modified = argocdDiff(kubeconfig, app, objectsOf(app), argocdCm)
      .objects.filter((o) => o.modified)
      .map((o) => o.object);
    expect(modified).toEqual([`apps/v1/Deployment ${target.metadata.namespace}/${target.metadata.name}`]);
    // Self-heal: the next sync puts dist back, and the difference is gone.
    expect(argocdSync(kubeconfig, app.metadata.name, objectsOf(app)).filter((r) => r.error)).toEqual([]);
    expect(argocdDiff(kubeconfig, app, objectsOf(app), argocdCm).objects.filter((o) => o.modified)).toEqual([]);
  }, 120_000);

  it('every object is Healthy by Argo CD once its controllers are done, so every child is Synced and Healthy and the root converges', async () => {
    await reportControllersDone(control.kube);
    // The operator sees its pods run and reports the CRs Available.
    for (const cr of all.filter((m) => ['Prometheus', 'Alertmanager', 'ThanosRuler'].includes(m.kind)))
      await eventually(
        async () => {
          const live = await control.kube.get(cr.apiVersion, cr.kind, cr.metadata.name, cr.metadata.namespace);
          return (live?.status?.conditions ?? []).some((c: any) => c.type === 'Available' && c.status === 'True') || undefined;
        },
        `${ref(cr)} Available`,
        90_000,
      );
    const children = applications.filter((a) => a.spec.destination.name !== env.argocd.hub.name);
    const bad: string[] = [];
    for (const app of children) {
      const h = argocdHealth(kubeconfig, app.metadata.name, objectsOf(app), argocdCm);
      bad.push(...unhealthy(h.objects));
      // What the application controller then records on the child (its diff found nothing above).
      const live = await control.kube.get('argoproj.io/v1alpha1', 'Application', app.metadata.name, app.metadata.namespace);
      await control.kube.call('PATCH', await control.kube.objectPath(live), {
        body: { status: { sync: { status: 'Synced' }, health: { status: h.application } } },
        contentType: 'application/merge-patch+json',
      });
    }
    expect(bad).toEqual([]);
    // The root's own objects (the children, the AppProject, the cluster Secret, argocd-cm) by the argocd-cm Lua.
    const root = applications.find((a) => a.spec.destination.name === env.argocd.hub.name)!;
    const rootHealth = argocdHealth(kubeconfig, root.metadata.name, objectsOf(root), argocdCm);
    expect(unhealthy(rootHealth.objects)).toEqual([]);
    expect(rootHealth.objects.filter((o) => o.object.includes('/Application ') && o.status === 'Healthy').length).toBe(children.length);
    expect(rootHealth.application).toBe('Healthy');
  }, 300_000);

  it('crafted failures are Degraded or Progressing, as Argo CD would show them', async () => {
    const live = async (kind: string, apiVersion: string) => (await control.kube.list(apiVersion, kind, env.namespace))[0];
    const withCondition = (obj: any, c: object) => ({ ...obj, status: { ...obj.status, conditions: [c] } });
    const prometheus = await live('Prometheus', 'monitoring.coreos.com/v1');
    const refusedCr = withCondition(prometheus, {
      type: 'Reconciled',
      status: 'False',
      reason: 'ReconciliationFailed',
      message: 'storage class gp3 not found',
    });
    const es = await live('ExternalSecret', 'external-secrets.io/v1');
    const cert = await live('Certificate', 'cert-manager.io/v1');
    const app = await control.kube.get('argoproj.io/v1alpha1', 'Application', applications[1].metadata.name, env.argocd.namespace);
    const cases: [string, unknown, string][] = [
      ['the operator refused the CR', refusedCr, 'Degraded'],
      [
        'the secret store is unreachable',
        withCondition(es, {
          type: 'Ready',
          status: 'False',
          reason: 'SecretSyncedError',
          message: 'could not get secret data from provider',
        }),
        'Degraded',
      ],
      [
        'the certificate is being issued',
        { ...cert, status: { conditions: [{ type: 'Issuing', status: 'True', message: 'Issuing certificate as Secret does not exist' }] } },
        'Progressing',
      ],
      [
        'the certificate cannot be issued',
        withCondition(cert, { type: 'Ready', status: 'False', reason: 'Failed', message: 'issuer not ready' }),
        'Degraded',
      ],
      [
        'a child Application is OutOfSync',
        { ...app, status: { sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } } },
        'Progressing',
      ],
      [
        'a child Application failed to sync',
        {
          ...app,
          status: { sync: { status: 'OutOfSync' }, operationState: { phase: 'Failed', message: 'one or more objects failed to apply' } },
        },
        'Degraded',
      ],
      [
        'a child Application is Synced but Degraded',
        { ...app, status: { sync: { status: 'Synced' }, health: { status: 'Degraded', message: 'x' } } },
        'Degraded',
      ],
    ];
    const got = argocdHealthOf(
      cases.map(([, obj]) => obj),
      argocdCm,
    ).objects.map((o, i) => [cases[i]![0], o.status]);
    expect(got).toEqual(cases.map(([what, , want]) => [what, want]));
    // Why dist customises the operator's CRs: Argo CD's built-in check reads only Available, so a
    // CR the operator refuses would stay Progressing forever.
    expect(argocdHealthOf([refusedCr]).objects[0]!.status).toBe('Progressing');
  });
});
