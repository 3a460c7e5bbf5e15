/** The keys dist's ExternalSecrets read, and the lines naming what a store lacks (bootstrap's preflight). */
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { heartbeatProperty } from '../../charts/secrets.js';
import { manifestsOfTree, treeOnDisk } from '../../lib/manifests.js';
import { repoRoot } from '../../lib/paths.js';
import { missingSecretKeys, secretKeysOf, type SecretKeyRef } from '../../lib/secret-keys.js';

const envs = resolveAll(envFiles);

describe.each(envs.flatMap((env) => env.clusters.map((c) => ({ env, cluster: c.name }))))('dist/$env.name/$cluster', ({ env, cluster }) => {
  const refs = secretKeysOf(manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist', env.name, cluster))));

  it("reads this cluster's own heartbeat key, and every key under the environment's prefix", () => {
    expect(refs.filter((r) => r.property?.startsWith('heartbeat-url')).map((r) => r.property)).toEqual([heartbeatProperty(cluster)]);
    expect(refs.filter((r) => !r.key.startsWith(`${env.secrets.prefix}/${env.name}/`))).toEqual([]);
  });

  it('finds every ExternalSecret in dist (the argocd cluster Secret, the credentials, each tenant namespace)', () => {
    const objects = new Set(refs.map((r) => r.externalSecret));
    expect(objects).toContain(`${env.argocd.namespace}/cluster-${cluster}`);
    expect(objects).toContain(`${env.namespace}/${env.alertmanager.credentialsSecret}`);
    for (const ns of env.pushgateway.clientNamespaces) expect([...objects].some((o) => o.startsWith(`${ns}/`))).toBe(true);
  });
});

describe('missingSecretKeys', () => {
  const refs: SecretKeyRef[] = [
    { externalSecret: 'monitoring/am', key: 'p/am', property: 'slack' },
    { externalSecret: 'monitoring/am', key: 'p/am', property: 'heartbeat-url/c1' },
    { externalSecret: 'gl-fuel/push', key: 'p/push', property: 'password' },
    { externalSecret: 'argocd/cluster-c1', key: 'p/argocd', property: 'nested.server' },
    { externalSecret: 'monitoring/raw', key: 'p/raw' },
  ];

  it('is silent when every secret and key exists, and reads each secret once', async () => {
    const reads: string[] = [];
    const store: Record<string, string> = {
      'p/am': JSON.stringify({ slack: 's', 'heartbeat-url/c1': 'h' }),
      'p/push': JSON.stringify({ password: 'x' }),
      'p/argocd': JSON.stringify({ nested: { server: 'https://x' } }),
      'p/raw': 'not json, read whole',
    };
    const lines = await missingSecretKeys('c1', refs, async (n) => (reads.push(n), store[n]));
    expect(lines).toEqual([]);
    expect(reads).toEqual(['p/am', 'p/push', 'p/argocd', 'p/raw']);
  });

  it('names each missing secret, missing key and non-JSON value, once each', async () => {
    const store: Record<string, string> = { 'p/am': JSON.stringify({ slack: 's' }), 'p/argocd': '"a string"' };
    expect(await missingSecretKeys('c1', [...refs, refs[2]!], async (n) => store[n])).toEqual([
      'c1: secret "p/am" has no key "heartbeat-url/c1": ExternalSecret monitoring/am would fail as a whole',
      'c1: missing secret "p/push" in the secret store: ExternalSecret gl-fuel/push would fail as a whole',
      'c1: secret "p/argocd" is not a JSON object of keys, so key "nested.server" cannot be read: ExternalSecret argocd/cluster-c1 would fail as a whole',
      'c1: missing secret "p/raw" in the secret store: ExternalSecret monitoring/raw would fail as a whole',
    ]);
  });
});
