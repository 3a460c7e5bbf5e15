/**
 * A tenant gets, in its own namespace, everything the SDK needs to push, and the worked example
 * (docs/examples/batch-job.yaml) uses exactly that. (test/e2e/preview.test.ts runs the example.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { clientSettings, MOUNTS, PUSHGATEWAY_CLIENT, PUSHGATEWAY_CLIENT_TLS } from '../../charts/pushgateway-clients.js';
import { pushgatewayReplicaUrls } from '../../charts/pushgateway.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { repoRoot } from '../../lib/paths.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

describe.each(targets)('PushGateway clients in $label', ({ env, cluster }) => {
  const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/pushgateway-clients/`)).map((m) => m.manifest as any);
  const inNs = (ns: string, kind: string, name: string) =>
    ms.find((m) => m.kind === kind && m.metadata.namespace === ns && m.metadata.name === name);

  it.each(env.pushgateway.clientNamespaces)('%s holds the credentials, the CA and the settings', (ns) => {
    const es = inNs(ns, 'ExternalSecret', PUSHGATEWAY_CLIENT);
    expect(es.spec.data.map((d: any) => d.secretKey).sort()).toEqual(['password', 'username']);
    expect(new Set(es.spec.data.map((d: any) => d.remoteRef.key))).toEqual(new Set([`${env.secrets.prefix}/${env.name}/pushgateway`]));
    const cert = inNs(ns, 'Certificate', PUSHGATEWAY_CLIENT);
    expect(cert.spec.secretName).toBe(PUSHGATEWAY_CLIENT_TLS);
    expect(cert.spec.issuerRef).toMatchObject({ kind: env.tls.issuer.kind, name: env.tls.issuer.name });
    const cm = inNs(ns, 'ConfigMap', PUSHGATEWAY_CLIENT);
    expect(cm.data).toEqual(clientSettings(env));
    expect(cm.data.GL_PUSHGATEWAY_URLS.split(',')).toEqual(pushgatewayReplicaUrls(env));
    expect(cm.data.GL_PUSHGATEWAY_URLS.split(',')).toHaveLength(env.pushgateway.replicas);
  });
});

describe('docs/examples/batch-job.yaml', () => {
  const example = parse(fs.readFileSync(path.join(repoRoot, 'docs/examples/batch-job.yaml'), 'utf8'));
  const pod = example.spec.jobTemplate.spec.template.spec;
  const [c] = pod.containers;
  const dev = envs.find((e) => e.tier === 'dev')!;

  it('runs in a client namespace and takes its settings from the ConfigMap dist delivers there', () => {
    expect(dev.pushgateway.clientNamespaces).toContain(example.metadata.namespace);
    expect(c.envFrom).toEqual([{ configMapRef: { name: PUSHGATEWAY_CLIENT } }]);
    expect(c.env).toBeUndefined();
  });

  it('mounts the two Secrets where the settings point', () => {
    const secretAt = Object.fromEntries(
      c.volumeMounts.map((m: any) => [m.mountPath, pod.volumes.find((v: any) => v.name === m.name).secret.secretName]),
    );
    expect(secretAt).toEqual({ [MOUNTS.auth]: PUSHGATEWAY_CLIENT, [MOUNTS.tls]: PUSHGATEWAY_CLIENT_TLS });
    for (const [k, v] of Object.entries(clientSettings(dev)).filter(([k]) => k.endsWith('_FILE')))
      expect({ k, mounted: c.volumeMounts.some((m: any) => v.startsWith(`${m.mountPath}/`)) }).toEqual({ k, mounted: true });
  });
});
