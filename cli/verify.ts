/**
 * npm run verify -- --context <kube-context> --env <env> [--cluster <name>]
 *
 * Compares dist/<env>/<cluster>/ with the live cluster (missing objects, drift on the fields we
 * render, pods not ready in the monitoring namespace, Prometheus targets down through the API
 * server proxy) and exits 1 when anything is off. Read-only: it never changes the cluster.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig, KubernetesObjectApi, CoreV1Api } from '@kubernetes/client-node';
import { envFiles, resolveAll } from '../envs/index.js';
import { manifestsOfTree, treeOnDisk } from '../lib/manifests.js';
import { formatFindings, verify, type LiveState } from '../lib/verify.js';
import { objectRef, type Manifest } from '../lib/synth.js';
import { repoRoot } from '../lib/paths.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { context: { type: 'string' }, env: { type: 'string' }, cluster: { type: 'string' } } });
  if (!values.context || !values.env) {
    console.error('usage: npm run verify -- --context <kube-context> --env <env> [--cluster <name>]');
    return 2;
  }
  const env = resolveAll(envFiles).find((e) => e.name === values.env);
  if (!env) throw new Error(`no environment "${values.env}"`);
  const cluster = values.cluster ?? env.clusters[0]!.name;
  const dir = path.join(repoRoot, 'dist', env.name, cluster);
  const desired = manifestsOfTree(treeOnDisk(dir)).filter((m) => m.kind !== 'Application' && m.kind !== 'AppProject');

  const kc = new KubeConfig();
  kc.loadFromDefault();
  kc.setCurrentContext(values.context);
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const core = kc.makeApiClient(CoreV1Api);

  const live = new Map<string, Record<string, unknown> | undefined>();
  for (const d of desired) {
    try {
      live.set(objectRef(d), (await objects.read({ apiVersion: d.apiVersion, kind: d.kind, metadata: d.metadata } as never)) as unknown as Record<string, unknown>);
    } catch (err) {
      if ((err as { code?: number }).code === 404) live.set(objectRef(d), undefined);
      else throw err;
    }
  }
  const podList = await core.listNamespacedPod({ namespace: env.namespace });
  const pods = podList.items.map((p) => {
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    return { namespace: env.namespace, name: p.metadata!.name!, ready: ready?.status === 'True' || p.status?.phase === 'Succeeded', reason: ready?.message ?? p.status?.phase };
  });
  const proxied = (await core.connectGetNamespacedServiceProxyWithPath({ name: 'prometheus:web', namespace: env.namespace, path: 'api/v1/targets' })) as unknown as string;
  const targets = (JSON.parse(typeof proxied === 'string' ? proxied : JSON.stringify(proxied)).data.activeTargets as any[]).map((t) => ({
    job: t.labels.job,
    instance: t.labels.instance,
    health: t.health,
    lastError: t.lastError,
  }));

  const findings = verify(desired as Manifest[], { objects: live, pods, targets } satisfies LiveState);
  console.log(findings.length ? formatFindings(findings) : `verify: ${env.name}/${cluster} matches dist (${desired.length} objects), all pods ready, all targets up`);
  return findings.length ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    console.error(`verify: ${err.message}`);
    process.exitCode = 2;
  },
);
