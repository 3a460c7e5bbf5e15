/**
 * The health Argo CD computes, with its own code (tools/argocd: gitops-engine's checks and
 * util/lua's gopher-lua VM, with the libraries it opens for argocd-cm scripts) at the pinned
 * version: the customisations dist renders into argocd-cm, on crafted objects; and upstream's own
 * health_test.yaml cases for every kind dist deploys that Argo CD ships a check for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { controlPlane } from '../../envs/versions.js';
import { goModuleDir } from '../../tools/binaries.js';
import { argocdHealthOf, upstreamHealthTests } from '../../tools/argocd-replay.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { repoRoot } from '../../lib/paths.js';

const dist = manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist')));
const argocdCm = dist.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'argocd-cm')!;
const status = (objs: readonly unknown[]) => argocdHealthOf(objs, argocdCm).objects.map((o) => o.status);

describe("the operator's CRs, by the argocd-cm check dist renders", () => {
  const cr = (conditions?: object[], generation = 3) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'Prometheus',
    metadata: { name: 'p', namespace: 'monitoring', generation },
    ...(conditions ? { status: { conditions } } : {}),
  });
  const cases: [string, object, string][] = [
    ['no status yet', cr(), 'Progressing'],
    [
      'available and reconciled',
      cr([
        { type: 'Available', status: 'True' },
        { type: 'Reconciled', status: 'True', observedGeneration: 3 },
      ]),
      'Healthy',
    ],
    [
      'some replicas down',
      cr([
        { type: 'Available', status: 'Degraded', message: '1/2 ready' },
        { type: 'Reconciled', status: 'True', observedGeneration: 3 },
      ]),
      'Degraded',
    ],
    [
      'the operator refused the spec',
      cr([
        { type: 'Available', status: 'True' },
        { type: 'Reconciled', status: 'False', message: 'invalid storage' },
      ]),
      'Degraded',
    ],
    [
      'a change not reconciled yet',
      cr([
        { type: 'Available', status: 'True' },
        { type: 'Reconciled', status: 'True', observedGeneration: 2 },
      ]),
      'Progressing',
    ],
    [
      'nothing available yet',
      cr([
        { type: 'Available', status: 'False' },
        { type: 'Reconciled', status: 'True', observedGeneration: 3 },
      ]),
      'Progressing',
    ],
  ];
  it.each(['Prometheus', 'Alertmanager', 'ThanosRuler'])('%s: each state as Argo CD shows it', (kind) => {
    expect(status(cases.map(([, o]) => ({ ...o, kind })))).toEqual(cases.map(([, , want]) => want));
  });

  it('carries the operator message through', () => {
    const [h] = argocdHealthOf([cr([{ type: 'Reconciled', status: 'False', message: 'invalid storage' }])], argocdCm).objects;
    expect(h!.message).toBe('invalid storage');
  });

  it("is needed: Argo CD's built-in check reads only Available, so a change the operator refuses shows Healthy", () => {
    expect(argocdHealthOf([cases[3]![1]]).objects.map((o) => o.status)).toEqual(['Healthy']);
  });
});

describe('child Applications, by the argocd-cm check dist renders (what makes sync waves wait)', () => {
  const app = (s?: object) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a', namespace: 'argocd' },
    ...(s ? { status: s } : {}),
  });
  const cases: [string, object, string][] = [
    ['just created', app(), 'Progressing'],
    ['healthy but not synced yet', app({ sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } }), 'Progressing'],
    ['synced, resources still coming up', app({ sync: { status: 'Synced' }, health: { status: 'Progressing' } }), 'Progressing'],
    ['synced and healthy', app({ sync: { status: 'Synced' }, health: { status: 'Healthy' } }), 'Healthy'],
    [
      'synced, something broken',
      app({ sync: { status: 'Synced' }, health: { status: 'Degraded', message: 'certificate not ready' } }),
      'Degraded',
    ],
    ['its last sync failed', app({ sync: { status: 'OutOfSync' }, operationState: { phase: 'Failed', message: 'x' } }), 'Degraded'],
  ];
  it('each state as Argo CD shows it', () => {
    expect(status(cases.map(([, o]) => o))).toEqual(cases.map(([, , want]) => want));
  });

  it('is needed: without it Argo CD has no health for an Application at all', () => {
    expect(argocdHealthOf([cases[0]![1]]).objects[0]!.status).toBeUndefined();
  });
});

describe("upstream's own health cases pass for every kind dist deploys that Argo CD ships a check for", () => {
  const dir = path.join(goModuleDir(controlPlane.argocd.goModule), 'resource_customizations');
  const kinds = [...new Set(dist.map((m) => `${m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : ''}/${m.kind}`))]
    .filter((gk) => fs.existsSync(path.join(dir, gk, 'health_test.yaml')))
    .sort();

  it('covers the kinds whose health decides our waves', () => {
    expect(kinds).toEqual(
      expect.arrayContaining(['cert-manager.io/Certificate', 'external-secrets.io/ExternalSecret', 'monitoring.coreos.com/Prometheus']),
    );
  });

  it("every case gives upstream's expected status and message", () => {
    const results = upstreamHealthTests(dir, kinds);
    expect(results.length).toBeGreaterThan(10);
    expect(results.filter((r) => r.status !== r.wantStatus || (r.message ?? '') !== r.wantMessage || r.error)).toEqual([]);
  });
});
