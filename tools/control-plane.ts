/**
 * A real Kubernetes control plane on loopback for the control-plane test tier: the pinned etcd
 * and kube-apiserver (`make tools`), TLS with a throwaway CA, RBAC and the default admission
 * plugins (Pod Security included), the vendored CRDs installed; and the pinned
 * prometheus-operator run against it with the arguments dist renders for it.
 *
 * No kubelet, scheduler or controller-manager: objects are stored and admitted, the operator
 * reconciles its CRs into StatefulSets, Secrets and ConfigMaps, but no pod ever runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { apiSources, type ApiSourceName } from '../envs/versions.js';
import { KubeClient } from '../lib/kube.js';
import type { Manifest } from '../lib/synth.js';
import { crdDir, repoRoot } from '../lib/paths.js';
import { issueCert, makeCa, makeCerts } from './preview/certs.js';
import { freePort, start, type Running } from './proc.js';

/** A client identity: certificate and key files signed by the control plane's CA. */
export interface Identity {
  readonly cert: string;
  readonly key: string;
}

export interface ControlPlane {
  readonly url: string;
  readonly dir: string;
  /** CA of the API server (and of client certificates). */
  readonly caFile: string;
  /** Cluster admin (group system:masters). */
  readonly admin: KubeClient;
  readonly adminIdentity: Identity;
  /** A client certificate for a ServiceAccount, so its RBAC is what decides (as in-cluster). */
  identityOf(namespace: string, serviceAccount: string): Identity;
  clientFor(id: Identity): KubeClient;
  /** A kubeconfig file (context `local`) that connects as `id`, for tools that take one. */
  kubeconfigFor(id: Identity): string;
  log(): string;
  stop(): Promise<void>;
}

function makePki(dir: string): { admin: Identity; serving: Identity } {
  makeCa(dir, 'gl-control-plane-ca');
  const serving = issueCert(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  const admin = issueCert(dir, 'admin', '/O=system:masters/CN=gl-test-admin', 'extendedKeyUsage=clientAuth\n');
  // ServiceAccount token signing key pair (the API server insists on one).
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('genrsa', '-out', 'sa.key', '2048');
  openssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  return { admin, serving };
}

const read = (f: string) => fs.readFileSync(f);

/** Start etcd and kube-apiserver; resolves once /readyz answers. Call stop() when done. */
export async function startControlPlane(): Promise<ControlPlane> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-control-plane-'));
  const { admin, serving } = makePki(dir);
  const caFile = path.join(dir, 'ca.crt');

  const peer = await freePort();
  const etcd = await start({
    tool: 'etcd',
    readyPath: '/health',
    args: ({ port, dir: d }) => [
      '--name=default',
      `--data-dir=${d}/data`,
      `--listen-client-urls=http://127.0.0.1:${port}`,
      `--advertise-client-urls=http://127.0.0.1:${port}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=default=http://127.0.0.1:${peer}`,
      '--log-level=warn',
      // A throwaway store: durability buys nothing here and fsync dominates on this disk.
      '--unsafe-no-fsync',
    ],
  });

  // /readyz answers only once the API server's post-start hooks (RBAC bootstrap roles) are done.
  const certDir = path.join(dir, 'admin-client');
  fs.mkdirSync(certDir);
  fs.copyFileSync(caFile, path.join(certDir, 'ca.crt'));
  fs.copyFileSync(admin.cert, path.join(certDir, 'tls.crt'));
  fs.copyFileSync(admin.key, path.join(certDir, 'tls.key'));
  let apiserver: Running;
  try {
    apiserver = await start({
      tool: 'kube-apiserver',
      readyPath: '/readyz',
      tls: { certDir, serverName: 'localhost', clientCert: true },
      timeoutMs: 60_000,
      args: ({ port, dir: d }) => [
        `--etcd-servers=${etcd.url}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${d}`,
        `--tls-cert-file=${serving.cert}`,
        `--tls-private-key-file=${serving.key}`,
        `--client-ca-file=${caFile}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${dir}/sa.pub`,
        `--service-account-signing-key-file=${dir}/sa.key`,
        '--api-audiences=https://kubernetes.default.svc',
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/12',
        // Endpoints may not hold loopback addresses, so the API server cannot publish itself.
        '--endpoint-reconciler-type=none',
        // node-exporter runs in a privileged namespace; Pod Security admission still decides.
        '--allow-privileged=true',
        '--profiling=false',
      ],
    });
  } catch (err) {
    await etcd.stop();
    throw err;
  }

  const clientFor = (id: Identity) => new KubeClient({ server: apiserver.url, ca: read(caFile), cert: read(id.cert), key: read(id.key) });
  return {
    url: apiserver.url,
    dir,
    caFile,
    admin: clientFor(admin),
    adminIdentity: admin,
    identityOf: (namespace, sa) =>
      issueCert(
        dir,
        `sa-${namespace}-${sa}`,
        `/O=system:serviceaccounts/O=system:serviceaccounts:${namespace}/CN=system:serviceaccount:${namespace}:${sa}`,
        'extendedKeyUsage=clientAuth\n',
      ),
    clientFor,
    kubeconfigFor: (id) => {
      const file = path.join(dir, `kubeconfig-${path.basename(id.cert)}`);
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: apiserver.url, 'certificate-authority': caFile } }],
        users: [{ name: 'u', user: { 'client-certificate': id.cert, 'client-key': id.key } }],
        contexts: [{ name: 'local', context: { cluster: 'local', user: 'u' } }],
        'current-context': 'local',
      };
      fs.writeFileSync(file, JSON.stringify(config));
      return file;
    },
    log: () => `--- kube-apiserver ---\n${apiserver.log()}\n--- etcd ---\n${etcd.log()}`,
    async stop() {
      await apiserver.stop();
      await etcd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every vendored CRD (imports/crds) of the given sources at their pinned versions, parsed. */
export function vendoredCrds(versionsBySource: Partial<Record<ApiSourceName, string>> = {}): Manifest[] {
  const out: Manifest[] = [];
  for (const name of Object.keys(apiSources) as ApiSourceName[]) {
    const version = versionsBySource[name] ?? apiSources[name].module.version;
    const dir = path.join(repoRoot, crdDir(name, version));
    if (!fs.existsSync(dir)) throw new Error(`${path.relative(repoRoot, dir)} is missing: run \`make import\``);
    for (const f of fs.readdirSync(dir).sort()) {
      for (const d of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
        const m = d.toJS() as Manifest | null;
        if (m?.kind === 'CustomResourceDefinition') out.push(m);
      }
    }
  }
  return out;
}

/** Apply CRDs (server-side, as Argo CD does) and wait until the API server serves every one. */
export async function installCrds(kube: KubeClient, crds: readonly Manifest[], timeoutMs = 120_000): Promise<void> {
  for (const crd of crds) await kube.apply(crd, { fieldManager: 'gl-control-plane-tier', strict: true });
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd.metadata.name);
      const established = (live?.status?.conditions ?? []).some(
        (c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True',
      );
      if (established) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Run the pinned operator against the control plane with the arguments dist renders for it,
 * as its own ServiceAccount (so the rendered ClusterRole is what it may do). Only the
 * in-cluster connection and the listen address are replaced.
 */
export async function startOperator(
  cp: ControlPlane,
  rendered: { args: readonly string[]; namespace: string; serviceAccount: string },
  /** Where it listens (a pod address of the local runner); a free port on 127.0.0.1 by default. */
  listen?: { host: string; port: number },
): Promise<Running> {
  const id = cp.identityOf(rendered.namespace, rendered.serviceAccount);
  // The operator decides at start-up what it may do (e.g. validate storage classes only if it may
  // read them); wait until the API server's RBAC cache has the bindings just applied.
  await waitForAccess(cp.clientFor(id), [
    { verb: 'get', group: 'storage.k8s.io', resource: 'storageclasses' },
    { verb: 'list', group: 'monitoring.coreos.com', resource: 'prometheuses' },
    { verb: 'create', group: 'apps', resource: 'statefulsets' },
  ]);
  const args = rendered.args.filter((a) => !a.startsWith('--web.listen-address='));
  const operator = await start({
    tool: 'prometheus-operator',
    readyPath: '/healthz',
    timeoutMs: 60_000,
    host: listen?.host,
    port: listen?.port,
    args: ({ port }) => [
      ...args,
      `--web.listen-address=${listen?.host ?? '127.0.0.1'}:${port}`,
      `--apiserver=${cp.url}`,
      `--ca-file=${cp.caFile}`,
      `--cert-file=${id.cert}`,
      `--key-file=${id.key}`,
    ],
  });
  // Its start-up checks log a warning for each capability it turns off (a permission the rendered
  // ClusterRole lacks, an API it did not find): in a cluster that would silently weaken it.
  const disabled = startupWarnings(operator.log());
  if (disabled.length > 0) {
    await operator.stop();
    throw new Error(`the operator turned off capabilities at start-up:\n${disabled.join('\n')}`);
  }
  return operator;
}

/** The operator's start-up warnings that turn a capability off (missing permission, API not installed). */
export function startupWarnings(log: string): string[] {
  return log.split('\n').filter((l) => /missing permission|not installed in the cluster/.test(l));
}

/** Poll SelfSubjectAccessReviews until every access is allowed (RBAC changes take a moment to apply). */
export async function waitForAccess(
  kube: KubeClient,
  accesses: readonly { verb: string; group: string; resource: string }[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const a of accesses) {
    for (;;) {
      const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: a } };
      const res = await kube.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review });
      if (res.body?.status?.allowed) break;
      if (Date.now() > deadline)
        throw new Error(`not allowed to ${a.verb} ${a.resource}.${a.group} after ${timeoutMs} ms: ${JSON.stringify(res.body?.status)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * What the controllers this tier does not run would create, with the same names and keys:
 * for each cert-manager Certificate its Secret (a real certificate for its DNS names, in
 * cert-manager's layout tls.crt/tls.key/ca.crt), for each ExternalSecret its target Secret
 * (a value under every key it would write, templated keys included). Workloads mount these,
 * and the operator reads some of them (web TLS, Alertmanager credentials) while reconciling,
 * so they must exist as in a cluster where both controllers run.
 *
 * `caDir` holds the CA every certificate is signed by (as one cert-manager issuer would; made
 * there if missing); without it each certificate gets its own throwaway CA. `secretValue` gives
 * the value of an ExternalSecret's key (e.g. a real webhook URL for a local run); a placeholder
 * otherwise.
 */
export function standInSecrets(
  manifests: readonly Manifest[],
  opts: { caDir?: string; secretValue?: (externalSecret: Manifest, key: string) => string | undefined } = {},
): Manifest[] {
  const out: Manifest[] = [];
  const secret = (namespace: string, name: string, stringData: Record<string, string>, from: string): Manifest => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'greenlang.io/stand-in-for': from } } as Manifest['metadata'],
    type: 'Opaque',
    stringData,
  });
  if (opts.caDir && !fs.existsSync(path.join(opts.caDir, 'ca.crt'))) makeCa(opts.caDir, 'gl-stand-in-issuer');
  for (const m of manifests as any[]) {
    if (m.kind === 'Certificate' && m.apiVersion.startsWith('cert-manager.io/')) {
      const names: string[] = [m.spec.commonName, ...(m.spec.dnsNames ?? [])].filter(Boolean);
      const dir = opts.caDir ?? makeCerts(names);
      const leaf = opts.caDir
        ? issueCert(
            dir,
            `${m.metadata.namespace}-${m.spec.secretName}`,
            `/CN=${names[0]}`,
            `subjectAltName=${[...new Set(names)].map((n) => `DNS:${n}`).join(',')}\n${certificateUsages(m.spec.usages)}`,
          )
        : { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
      const file = (f: string) => fs.readFileSync(f, 'utf8');
      out.push(
        secret(
          m.metadata.namespace,
          m.spec.secretName,
          { 'tls.crt': file(leaf.cert), 'tls.key': file(leaf.key), 'ca.crt': file(path.join(dir, 'ca.crt')) },
          'cert-manager',
        ),
      );
      if (!opts.caDir) fs.rmSync(dir, { recursive: true, force: true });
    }
    if (m.kind === 'ExternalSecret' && m.apiVersion.startsWith('external-secrets.io/')) {
      const name = m.spec.target?.name ?? m.metadata.name;
      const values = Object.fromEntries(
        (m.spec.data ?? []).map((d: { secretKey: string }) => [
          d.secretKey,
          opts.secretValue?.(m, d.secretKey) ?? `stand-in-${d.secretKey}`,
        ]),
      );
      // With a template, the Secret holds the rendered keys (and the fetched ones only when merged).
      const template: Record<string, string> | undefined = m.spec.target?.template?.data;
      const merge = m.spec.target?.template?.mergePolicy === 'Merge';
      const data = template
        ? {
            ...(merge ? values : {}),
            ...Object.fromEntries(
              Object.entries(template).map(([k, t]) => [k, renderSecretTemplate(t, values, `${m.metadata.name}/${k}`)]),
            ),
          }
        : values;
      out.push(secret(m.metadata.namespace, name, data, 'external-secrets'));
    }
  }
  return out;
}

/**
 * A Certificate's `usages` as openssl extension lines, so a stand-in certificate can do exactly
 * what cert-manager's would (cert-manager's default without usages: digital signature, key
 * encipherment, server auth).
 */
export function certificateUsages(usages: readonly string[] = ['digital signature', 'key encipherment', 'server auth']): string {
  const key: Record<string, string> = { 'digital signature': 'digitalSignature', 'key encipherment': 'keyEncipherment' };
  const ext: Record<string, string> = { 'server auth': 'serverAuth', 'client auth': 'clientAuth' };
  const unknown = usages.filter((u) => !(u in key) && !(u in ext));
  if (unknown.length) throw new Error(`certificate usages the stand-in issuer does not know: ${unknown.join(', ')}`);
  const k = usages.filter((u) => u in key).map((u) => key[u]);
  const e = usages.filter((u) => u in ext).map((u) => ext[u]);
  return `${k.length ? `keyUsage=critical,${k.join(',')}\n` : ''}${e.length ? `extendedKeyUsage=${e.join(',')}\n` : ''}`;
}

/**
 * External Secrets' template rendering (engine v2, Go templates) for the forms our templates use:
 * `{{ .key }}` and `{{ index . "key" }}`. Anything else is refused rather than rendered wrong.
 */
export function renderSecretTemplate(template: string, values: Readonly<Record<string, string>>, what: string): string {
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => {
    const key = /^\.([A-Za-z_][\w]*)$/.exec(expr)?.[1] ?? /^index \. "([^"]+)"$/.exec(expr)?.[1];
    if (key === undefined) throw new Error(`${what}: template expression {{ ${expr} }} is not supported by the stand-in`);
    if (!(key in values)) throw new Error(`${what}: template uses ${key}, which the ExternalSecret does not fetch`);
    return values[key]!;
  });
}

/** Namespaces a cluster already has before the platform arrives: the workloads' and Argo CD's. */
export function standInNamespaces(names: readonly string[]): Manifest[] {
  return [...new Set(names)].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

/**
 * The `kube-root-ca.crt` ConfigMap kube-controller-manager publishes in every namespace (the
 * CA half of every ServiceAccount token volume), which this control plane does not run.
 */
export function standInRootCa(namespaces: readonly string[], caPem: string): Manifest[] {
  return [...new Set(namespaces)].map((namespace) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'kube-root-ca.crt',
      namespace,
      labels: { 'greenlang.io/stand-in-for': 'kube-controller-manager' },
    } as Manifest['metadata'],
    data: { 'ca.crt': caPem },
  }));
}
