/**
 * npm run bootstrap -- --env <env> --context <hub context> [--cluster-context <cluster>=<context> ...] [--preflight-only] [--skip-secret-check]
 *
 * Hands an environment to its Argo CD. First a preflight: each workload cluster (by default the
 * kube context named like the cluster) and the hub are checked for what must exist before the
 * Applications can sync and become healthy (CRDs, the ClusterSecretStore, the issuer, the
 * storage provisioner, Argo CD itself), and every key dist's ExternalSecrets read is looked up in
 * AWS Secrets Manager (the region of each ClusterSecretStore, your own AWS credentials; one missing
 * key fails its ExternalSecret as a whole); every missing piece is one line, and nothing is applied.
 * Then, to the hub only, what Argo CD needs to take over each cluster: its AppProject, its
 * cluster Secret (an ExternalSecret) and its root Application. The root syncs the rest of
 * dist/<env>/<cluster>/argocd/ (the child Applications, the health checks in argocd-cm), and the
 * children sync the cluster, wave by wave. Exits 1 on any finding or refusal.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envFiles, resolveAll } from '../envs/index.js';
import { ARGOCD_COMPONENT } from '../charts/argocd.js';
import { EBS_CSI_PROVISIONER } from '../charts/storage.js';
import { manifestsOfTree, treeOnDisk } from '../lib/manifests.js';
import { repoRoot } from '../lib/paths.js';
import { objectRef, type Manifest } from '../lib/synth.js';
import { KubeError, type KubeClient } from '../lib/kube.js';
import { kubeClientFor, KubeContextError, unreachable } from '../lib/kube-context.js';
import { SecretStoreError, secretsManagerReader } from '../lib/aws-secrets.js';
import { missingSecretKeys, secretKeysOf } from '../lib/secret-keys.js';
import { argocdVersionFinding, hubRequirements, preflight, workloadRequirements, type Requirement } from '../lib/preflight.js';
import { controlPlane } from '../envs/versions.js';

const USAGE =
  'usage: npm run bootstrap -- --env <env> --context <hub kube context> [--cluster-context <cluster>=<kube context> ...] [--preflight-only] [--skip-secret-check]';

class Refusal extends Error {}

/** Argo CD's own field manager, so Argo CD owns these objects entirely once it syncs them. */
const FIELD_MANAGER = 'argocd-controller';

function args() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        env: { type: 'string' },
        context: { type: 'string' },
        'cluster-context': { type: 'string', multiple: true },
        'preflight-only': { type: 'boolean' },
        'skip-secret-check': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new Refusal(`${(err as Error).message}\n${USAGE}`);
  }
  if (parsed.help) return undefined;
  if (!parsed.env || !parsed.context) throw new Refusal(USAGE);
  return parsed as typeof parsed & { env: string; context: string };
}

async function has(kube: KubeClient, context: string, r: Requirement): Promise<boolean> {
  try {
    return (await kube.get(r.apiVersion, r.kind, r.name, r.namespace)) !== undefined;
  } catch (err) {
    // A kind whose API is not served is as missing as the object.
    if (err instanceof KubeError && err.status === 404) return false;
    if (err instanceof KubeError) throw new Refusal(`kube context "${context}": cannot read ${r.kind} ${r.name}: ${err.message}`);
    throw new Refusal(unreachable(context, kube.conn.server, err));
  }
}

/** The AWS region of the ClusterSecretStore, when it exists and reads Secrets Manager. */
async function storeRegion(kube: KubeClient, name: string): Promise<string | undefined> {
  const store = await kube.get('external-secrets.io/v1', 'ClusterSecretStore', name).catch(() => undefined);
  return store?.spec?.provider?.aws?.service === 'SecretsManager' ? (store.spec.provider.aws.region as string | undefined) : undefined;
}

async function main(): Promise<number> {
  const a = args();
  if (!a) {
    console.log(USAGE);
    return 0;
  }
  const envs = resolveAll(envFiles);
  const env = envs.find((e) => e.name === a.env);
  if (!env) throw new Refusal(`no environment "${a.env}" (environments: ${envs.map((e) => e.name).join(', ')})`);
  const contexts = new Map(env.clusters.map((c) => [c.name, c.name]));
  for (const pair of a['cluster-context'] ?? []) {
    const [cluster, context] = pair.split('=');
    if (!cluster || !context) throw new Refusal(`--cluster-context ${pair}: expected <cluster>=<kube context>`);
    if (!contexts.has(cluster))
      throw new Refusal(
        `--cluster-context ${pair}: ${env.name} has no cluster "${cluster}" (clusters: ${[...contexts.keys()].join(', ')})`,
      );
    contexts.set(cluster, context);
  }

  const hub = await kubeClientFor(a.context);
  const hubName = `hub (${a.context})`;
  const findings = await preflight(hubName, hubRequirements(env), (r) => has(hub, a.context, r));
  const controller = await hub
    .get('apps/v1', 'StatefulSet', 'argocd-application-controller', env.argocd.namespace)
    .catch((err) => (err instanceof KubeError ? undefined : Promise.reject(new Refusal(unreachable(a.context, hub.conn.server, err)))));
  const version = argocdVersionFinding(controller?.spec?.template?.spec?.containers?.[0]?.image, controlPlane.argocd.tag);
  if (version) findings.push({ cluster: hubName, line: `${hubName}: ${version}` });
  const hubRegion = await storeRegion(hub, env.secrets.clusterSecretStore);
  for (const [cluster, context] of contexts) {
    const kube = await kubeClientFor(context);
    findings.push(...(await preflight(cluster, workloadRequirements(env, EBS_CSI_PROVISIONER), (r) => has(kube, context, r))));
    if (a['skip-secret-check']) continue;
    // The argocd folder is applied to the hub, so its keys come through the hub's store.
    const tree = treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster));
    const inHub = (f: string) => f.startsWith(`${ARGOCD_COMPONENT}/`);
    const parts: [string, string | undefined, Map<string, string>][] = [
      [hubName, hubRegion, new Map([...tree].filter(([f]) => inHub(f)))],
      [cluster, await storeRegion(kube, env.secrets.clusterSecretStore), new Map([...tree].filter(([f]) => !inHub(f)))],
    ];
    // A store that is missing is a finding already; without it there is no region to look in.
    for (const [where, region, part] of parts.filter(([, region]) => region !== undefined)) {
      const refs = secretKeysOf(manifestsOfTree(part));
      findings.push(...(await missingSecretKeys(where, refs, secretsManagerReader(region!))).map((line) => ({ cluster: where, line })));
    }
  }
  for (const f of findings) console.log(f.line);
  if (findings.length) {
    console.log(`bootstrap: ${findings.length} prerequisite(s) missing; nothing applied (docs/prerequisites.md)`);
    return 1;
  }
  if (a['preflight-only']) {
    console.log(`bootstrap: every prerequisite of ${env.name} is in place`);
    return 0;
  }

  for (const cluster of contexts.keys()) {
    const folder = manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster, ARGOCD_COMPONENT)));
    const takeOver = folder.filter(
      (m: Manifest & { spec?: { destination?: { name?: string } } }) =>
        m.kind === 'AppProject' ||
        m.kind === 'ExternalSecret' ||
        (m.kind === 'Application' && m.spec?.destination?.name === env.argocd.hub.name),
    );
    for (const m of takeOver) {
      try {
        await hub.apply(m, { fieldManager: FIELD_MANAGER, strict: true });
      } catch (err) {
        throw new Refusal(`${cluster}: the hub refused ${objectRef(m)}: ${(err as Error).message}`);
      }
      console.log(`applied ${objectRef(m)} to the hub`);
    }
  }
  console.log(
    `bootstrap: Argo CD in the hub now syncs ${env.name} (${[...contexts.keys()].join(', ')}) from ${env.argocd.repoURL}@${env.argocd.targetRevision}`,
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    // Refusals are one line; anything else is a bug, still one line plus where it came from.
    console.error(
      `bootstrap: ${err.message}${err instanceof SecretStoreError ? ' (or pass --skip-secret-check)' : ''}${err instanceof Refusal || err instanceof KubeContextError || err instanceof SecretStoreError ? '' : ` (${err.stack?.split('\n')[1]?.trim()})`}`,
    );
    process.exitCode = 1;
  },
);
