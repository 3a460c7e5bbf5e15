/**
 * npm run verify -- --context <kube-context> --env <env> [--cluster <name>] [--dry-run-server]
 *
 * --dry-run-server: instead, send every object of dist/<env>/<cluster>/ (and the operator CRDs its
 * Argo CD Application applies) to the cluster's API server as a strict server-side dry run: a PR
 * check before merge. Exits 1 on any refusal or warning; the cluster is not changed.
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
import { KubeClient, KubeError } from '../lib/kube.js';
import { kubeClientFor, unreachable } from '../lib/kube-context.js';
import type { EnvConfig } from '../envs/schema.js';
import { applyEach, formatDryRun, namespacesFirst } from '../lib/server-dry-run.js';
import { ARGOCD_COMPONENT, operatorCrdPath } from '../charts/argocd.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      context: { type: 'string' },
      env: { type: 'string' },
      cluster: { type: 'string' },
      'dry-run-server': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const usage = 'usage: npm run verify -- --context <kube-context> --env <env> [--cluster <name>] [--dry-run-server]';
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.context || !values.env) {
    console.error(usage);
    return 2;
  }
  const envs = resolveAll(envFiles);
  const env = envs.find((e) => e.name === values.env);
  if (!env) throw new Refusal(`no environment "${values.env}" (environments: ${envs.map((e) => e.name).join(', ')})`);
  const cluster = values.cluster ?? env.clusters[0]!.name;
  // A name, never a path: only the environment's clusters have a folder here.
  if (!env.clusters.some((c) => c.name === cluster))
    throw new Refusal(`${env.name} has no cluster "${cluster}" (clusters: ${env.clusters.map((c) => c.name).join(', ')})`);
  const dir = path.join(repoRoot, 'dist', env.name, cluster);
  const desired = workloadManifests(dir);

  // The context must exist and its API server answer, before anything else: each mistake is one line.
  const kube = await kubeClientFor(values.context).catch((err) => Promise.reject(new Refusal((err as Error).message)));
  try {
    await kube.call('GET', '/version');
  } catch (err) {
    if (!(err instanceof KubeError)) throw new Refusal(unreachable(values.context, kube.conn.server, err));
  }
  if (values['dry-run-server']) return dryRunServer(kube, env.release.images.prometheusOperator.tag, dir, `${env.name}/${cluster}`);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  kc.setCurrentContext(values.context);
  return check(kc, env, cluster, desired);
}

/** Live objects, pods and targets against dist. */
async function check(kc: KubeConfig, env: EnvConfig, cluster: string, desired: Manifest[]): Promise<number> {
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const core = kc.makeApiClient(CoreV1Api);

  const live = new Map<string, Record<string, unknown> | undefined>();
  for (const d of desired) {
    try {
      live.set(
        objectRef(d),
        (await objects.read({ apiVersion: d.apiVersion, kind: d.kind, metadata: d.metadata } as never)) as unknown as Record<
          string,
          unknown
        >,
      );
    } catch (err) {
      if ((err as { code?: number }).code === 404) live.set(objectRef(d), undefined);
      else throw err;
    }
  }
  const podList = await core.listNamespacedPod({ namespace: env.namespace });
  const pods = podList.items.map((p) => {
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      namespace: env.namespace,
      name: p.metadata!.name!,
      ready: ready?.status === 'True' || p.status?.phase === 'Succeeded',
      reason: ready?.message ?? p.status?.phase,
    };
  });
  const proxied = (await core.connectGetNamespacedServiceProxyWithPath({
    name: 'prometheus:web',
    namespace: env.namespace,
    path: 'api/v1/targets',
  })) as unknown as string;
  const targets = (JSON.parse(typeof proxied === 'string' ? proxied : JSON.stringify(proxied)).data.activeTargets as any[]).map((t) => ({
    job: t.labels.job,
    instance: t.labels.instance,
    health: t.health,
    lastError: t.lastError,
  }));

  const findings = verify(desired as Manifest[], { objects: live, pods, targets } satisfies LiveState);
  console.log(
    findings.length
      ? formatFindings(findings)
      : `verify: ${env.name}/${cluster} matches dist (${desired.length} objects), all pods ready, all targets up`,
  );
  return findings.length ? 1 : 0;
}

/** What the cluster itself runs: every folder but the Argo CD one, whose objects live in the hub. */
function workloadManifests(dir: string): Manifest[] {
  const tree = treeOnDisk(dir);
  for (const f of [...tree.keys()]) if (f.startsWith(`${ARGOCD_COMPONENT}/`)) tree.delete(f);
  return manifestsOfTree(tree);
}

/** Strict server-side dry run of the cluster's folder (the Argo CD folder excluded: it goes to the hub). */
async function dryRunServer(kube: KubeClient, operatorTag: string, dir: string, label: string): Promise<number> {
  const crds = manifestsOfTree(treeOnDisk(path.join(repoRoot, operatorCrdPath(operatorTag))));
  const ours = workloadManifests(dir);
  const result = await applyEach(kube, [...crds, ...namespacesFirst(ours)]);
  const problems = formatDryRun(result);
  console.log(problems || `verify: the API server accepts all ${result.checked} objects of ${label} (strict dry run), without warnings`);
  return problems ? 1 : 0;
}

class Refusal extends Error {}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    console.error(`verify: ${err.message}`);
    process.exitCode = err instanceof Refusal ? 1 : 2;
  },
);
