/**
 * A cluster's manifests applied to a real kube-apiserver and reconciled by the pinned
 * prometheus-operator (tools/control-plane.ts), so the local runner starts what the operator
 * generated (StatefulSets, config Secrets, rule ConfigMaps) instead of a model of it.
 */
import fs from 'node:fs';
import type { EnvConfig } from '../../envs/schema.js';
import type { KubeClient } from '../../lib/kube.js';
import { applyEach, namespacesFirst } from '../../lib/server-dry-run.js';
import { objectRef, type Manifest } from '../../lib/synth.js';
import {
  installCrds,
  standInNamespaces,
  standInRootCa,
  standInSecrets,
  startControlPlane,
  startOperator,
  vendoredCrds,
  type ControlPlane,
} from '../control-plane.js';
import type { Running } from '../proc.js';

const FIELD_MANAGER = 'gl-local-runner';
const OPERATOR_CRS = ['Prometheus', 'Alertmanager', 'ThanosRuler'];

export interface GeneratedCluster {
  readonly cp: ControlPlane;
  readonly kube: KubeClient;
  readonly operator: Running;
  /** Namespaces whose workloads the runner may start: the platform's and the host namespace. */
  readonly namespaces: readonly string[];
  stop(): Promise<void>;
}

/**
 * Apply `manifests` (one cluster of dist, or a variant rendered in memory) with the stand-ins a
 * cluster's other controllers would create (certificates from `caDir`'s CA, secret values from
 * `secretValue`), run the operator with its rendered args, and wait until every operator CR has
 * its StatefulSet.
 */
export async function generatedCluster(
  env: EnvConfig,
  manifests: readonly Manifest[],
  opts: {
    caDir?: string;
    secretValue?: (externalSecret: Manifest, key: string) => string | undefined;
    /** The operator's pod address: it listens on its container port there (so it can be scraped). */
    operatorIp?: string;
  } = {},
): Promise<GeneratedCluster> {
  const cp = await startControlPlane();
  let operator: Running | undefined;
  try {
    const kube = cp.admin;
    await installCrds(kube, vendoredCrds({ 'prometheus-operator': env.release.images.prometheusOperator.tag }));
    const namespaces = [...new Set([...env.monitoredNamespaces, env.argocd.namespace])];
    const prereq = [...standInNamespaces(namespaces), ...manifests.filter((m) => m.kind === 'Namespace')];
    await mustApply(kube, prereq);
    await mustApply(kube, [
      ...standInSecrets(manifests, opts),
      ...standInRootCa(
        prereq.map((n) => n.metadata.name),
        fs.readFileSync(cp.caFile, 'utf8'),
      ),
      ...namespacesFirst(manifests).filter((m) => m.kind !== 'Namespace'),
    ]);
    const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'prometheus-operator') as any;
    if (!deployment) throw new Error('no prometheus-operator Deployment in the manifests');
    const container = deployment.spec.template.spec.containers[0];
    operator = await startOperator(
      cp,
      { args: container.args, namespace: deployment.metadata.namespace, serviceAccount: deployment.spec.template.spec.serviceAccountName },
      opts.operatorIp ? { host: opts.operatorIp, port: container.ports[0].containerPort } : undefined,
    );
    for (const cr of manifests.filter((m) => OPERATOR_CRS.includes(m.kind))) await ownedStatefulSet(kube, cr, operator);
    const op = operator;
    return {
      cp,
      kube,
      operator: op,
      namespaces: [env.namespace, env.hostNamespace],
      async stop() {
        await op.stop();
        await cp.stop();
      },
    };
  } catch (err) {
    await operator?.stop();
    await cp.stop();
    throw err;
  }
}

async function mustApply(kube: KubeClient, manifests: readonly Manifest[]): Promise<void> {
  const { refused } = await applyEach(kube, manifests, { dryRun: false, fieldManager: FIELD_MANAGER });
  if (refused.length) throw new Error(`the API server refused:\n${refused.map((r) => `  ${r.object}: ${r.error}`).join('\n')}`);
}

/** The StatefulSet the operator generates for a CR, once it exists with the CR's replica count. */
export async function ownedStatefulSet(kube: KubeClient, cr: Manifest, operator?: Running, timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sets = (await kube.list('apps/v1', 'StatefulSet', cr.metadata.namespace)).filter((s: any) =>
      (s.metadata.ownerReferences ?? []).some((o: any) => o.kind === cr.kind && o.name === cr.metadata.name),
    );
    if (sets.length === 1) return sets[0];
    if (Date.now() > deadline)
      throw new Error(
        `the operator generated no StatefulSet for ${objectRef(cr)} in ${timeoutMs} ms${operator ? `:\n${operator.log().slice(-3000)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 300));
  }
}
