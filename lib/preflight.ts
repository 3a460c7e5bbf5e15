/**
 * What must exist before Argo CD can take an environment over, checked against the live clusters
 * (docs/prerequisites.md says how to install each piece). Pure: the caller answers `has` for one
 * cluster at a time; each missing piece becomes one line naming the cluster, the object and the fix.
 */
import type { EnvConfig } from '../envs/schema.js';

/** An object that must exist: `namespace` for namespaced ones. */
export interface Requirement {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** What installs it (one short clause). */
  readonly fix: string;
}

export interface PreflightFinding {
  readonly cluster: string;
  readonly line: string;
}

const crd = (name: string, fix: string): Requirement => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name,
  fix,
});

/**
 * What every workload cluster of `env` needs before its Applications can sync and become healthy;
 * `provisioner` is the CSI driver the StorageClass dist renders provisions through.
 */
export function workloadRequirements(env: EnvConfig, provisioner: string): Requirement[] {
  const eso = 'install External Secrets Operator (docs/prerequisites.md)';
  return [
    crd('externalsecrets.external-secrets.io', eso),
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      name: env.secrets.clusterSecretStore,
      fix: `create the ClusterSecretStore for AWS Secrets Manager named in envs (secrets.clusterSecretStore)`,
    },
    crd('certificates.cert-manager.io', 'install cert-manager (docs/prerequisites.md)'),
    ...(env.tls.issuer.kind === 'ClusterIssuer'
      ? [
          {
            apiVersion: 'cert-manager.io/v1',
            kind: 'ClusterIssuer',
            name: env.tls.issuer.name,
            fix: 'create the issuer named in envs (tls.issuer)',
          },
        ]
      : []),
    ...(env.storageClasses.provision
      ? [
          {
            apiVersion: 'storage.k8s.io/v1',
            kind: 'CSIDriver',
            name: provisioner,
            fix: `install the EBS CSI driver add-on: dist's StorageClass ${env.storageClasses.provision.name} provisions through it`,
          },
        ]
      : []),
    ...env.storageClasses.existing.map((name) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      name,
      fix: 'create it, or let dist render one (storageClasses.provision)',
    })),
  ];
}

/** What the hub needs: Argo CD, and External Secrets for the cluster Secrets. */
export function hubRequirements(env: EnvConfig): Requirement[] {
  const ns = env.argocd.namespace;
  return [
    crd('applications.argoproj.io', 'install Argo CD in the hub (docs/prerequisites.md)'),
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'argocd-cm', namespace: ns, fix: `install Argo CD in namespace ${ns} (argocd.namespace)` },
    crd('externalsecrets.external-secrets.io', 'install External Secrets Operator in the hub too: the cluster Secrets come from it'),
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      name: env.secrets.clusterSecretStore,
      fix: 'create the same ClusterSecretStore in the hub (secrets.clusterSecretStore)',
    },
  ];
}

/** The missing pieces, one line each. */
export async function preflight(
  cluster: string,
  requirements: readonly Requirement[],
  has: (r: Requirement) => Promise<boolean>,
): Promise<PreflightFinding[]> {
  const out: PreflightFinding[] = [];
  for (const r of requirements) {
    if (await has(r)) continue;
    const where = r.namespace ? ` in namespace ${r.namespace}` : '';
    out.push({ cluster, line: `${cluster}: missing ${r.kind} ${r.name}${where}: ${r.fix}` });
  }
  return out;
}

/** The oldest Argo CD whose server-side diff (every Application's compare option) is stable. */
export const MIN_ARGOCD = 'v3.1.0';

/**
 * The Argo CD version the hub runs, from its application controller's image tag, against what
 * dist needs (MIN_ARGOCD) and what the tests replay (`pinned`); undefined when it is fine.
 */
export function argocdVersionFinding(image: string | undefined, pinned: string): string | undefined {
  if (image === undefined) return 'missing StatefulSet argocd-application-controller: install Argo CD in the hub (docs/prerequisites.md)';
  const tag = /:(v?\d+\.\d+\.\d+)(?:@.*)?$/.exec(image)?.[1];
  if (!tag) return `cannot tell the Argo CD version from the application controller image ${image}: use a vMAJOR.MINOR.PATCH tag`;
  const num = (v: string) => v.replace(/^v/, '').split('.').map(Number) as [number, number, number];
  const older = (a: string, b: string) => {
    const [x, y] = [num(a), num(b)];
    return x[0] !== y[0] ? x[0] < y[0] : x[1] !== y[1] ? x[1] < y[1] : x[2] < y[2];
  };
  if (older(tag, MIN_ARGOCD))
    return `Argo CD ${tag} is older than ${MIN_ARGOCD}: server-side diff, which every Application asks for, needs ${MIN_ARGOCD} or later (the tests replay ${pinned})`;
  return undefined;
}
