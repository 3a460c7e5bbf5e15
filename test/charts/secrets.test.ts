/** Every credential Secret a chart mounts or references is produced by an ExternalSecret with exactly the keys used. */
import { parse } from 'yaml';
import { CREDENTIAL_KEYS } from '../../charts/alertmanager-config.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

describe("one dead man's switch per cluster", () => {
  it("every cluster's Alertmanager reads its own heartbeat URL (the two prod clusters never share one)", () => {
    const heartbeat = (env: (typeof envs)[number], cluster: string) => {
      const x = all.find(
        (m) =>
          m.file.startsWith(`${env.name}/${cluster}/`) &&
          (m.manifest as any).kind === 'ExternalSecret' &&
          m.manifest.metadata.name === env.alertmanager.credentialsSecret,
      )!.manifest as any;
      const d = x.spec.data.find((e: any) => e.secretKey === CREDENTIAL_KEYS.heartbeatUrl);
      return `${d.remoteRef.key}#${d.remoteRef.property}`;
    };
    const refs = targets.map((t) => heartbeat(t.env, t.cluster.name));
    expect(new Set(refs).size).toBe(refs.length);
    const prod = envs.find((e) => e.tier === 'prod')!;
    expect(prod.clusters.length).toBeGreaterThan(1);
    for (const c of prod.clusters) expect(heartbeat(prod, c.name)).toBe(`${prod.secrets.prefix}/prod/alertmanager#heartbeat-url/${c.name}`);
  });
});

describe.each(targets)('credentials in $label', ({ env, cluster }) => {
  const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/`)).map((m) => m.manifest as any);
  const es = (name: string) => ms.find((m) => m.kind === 'ExternalSecret' && m.metadata.name === name);
  /** Keys the ExternalSecret's target Secret will hold. */
  const keysOf = (x: any) =>
    Object.keys(x.spec.target.template?.data ?? Object.fromEntries(x.spec.data.map((d: any) => [d.secretKey, 1]))).sort();

  it('Alertmanager credentials come from Secrets Manager with every key the config reads', () => {
    const x = es(env.alertmanager.credentialsSecret);
    expect(x.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: env.secrets.clusterSecretStore });
    expect(keysOf(x)).toEqual(Object.values(CREDENTIAL_KEYS).sort());
    expect(new Set(x.spec.data.map((d: any) => d.remoteRef.key))).toEqual(new Set([`${env.secrets.prefix}/${env.name}/alertmanager`]));
  });

  it('PushGateway auth provides what the pods, the ServiceMonitor and the janitor mount', () => {
    const x = es(env.pushgateway.authSecret);
    const referenced = new Set<string>();
    for (const m of ms) {
      JSON.stringify(m, (_key, v) => {
        if (v && typeof v === 'object' && v.secretName === env.pushgateway.authSecret) for (const i of v.items ?? []) referenced.add(i.key);
        if (v && typeof v === 'object' && v.name === env.pushgateway.authSecret && typeof v.key === 'string') referenced.add(v.key);
        return v;
      });
    }
    expect([...referenced].sort()).toEqual(keysOf(x));
    // The web config, as the template renders it, is what --web.config.file expects.
    const rendered = x.spec.target.template.data['web-config.yml']
      .replace('{{ .username }}', 'pusher')
      .replace('{{ index . "password-bcrypt" }}', '$2b$04$hash');
    expect(parse(rendered)).toEqual({
      basic_auth_users: { pusher: '$2b$04$hash' },
      tls_server_config: {
        cert_file: '/etc/monitoring/web-tls/tls.crt',
        key_file: '/etc/monitoring/web-tls/tls.key',
        min_version: 'TLS12',
      },
    });
  });
});
