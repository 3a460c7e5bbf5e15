/**
 * The platform's Grafana as rendered: every file its config, datasources and provider name is
 * mounted from the object that holds it; secrets only as files; offline; HA only with a database.
 * (Grafana itself cannot run here: docs/grafana.md lists what is proven instead.)
 */
import { parse } from 'yaml';
import { synthesize } from '../../charts/index.js';
import { DASHBOARDS_DIR, GRAFANA_SECRET_KEYS, roleAttributePath } from '../../charts/grafana.js';
import { deepMerge, envFiles, resolveAll } from '../../envs/index.js';
import type { EnvOverrides } from '../../envs/schema.js';
import { fixtureOutputsDir, qa } from '../fixtures/envs.js';
import { manifestsOf } from '../helpers/tree.js';

type M = { file: string; manifest: any };
const render = async (files: readonly EnvOverrides[], opts = {}) => manifestsOf(await synthesize(resolveAll(files, opts))) as M[];
const all = await render(envFiles);
const clusters = resolveAll(envFiles).flatMap((env) => env.clusters.map((c) => ({ env, where: `${env.name}/${c.name}` })));

/** INI text to sections of key -> value. */
function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const s = /^\[(.+)\]$/.exec(line);
    if (s) out[(section = s[1]!)] = {};
    else if (line.includes(' = ')) out[section]![line.slice(0, line.indexOf(' = '))] = line.slice(line.indexOf(' = ') + 3);
  }
  return out;
}

/** The mount a path falls under, and the key it names inside the mounted object. */
function mountOf(container: any, file: string): { mount: any; key: string } | undefined {
  const mount = container.volumeMounts
    .filter((m: any) => file === m.mountPath || file.startsWith(`${m.mountPath}/`))
    .sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
  return mount && { mount, key: file.slice(mount.mountPath.length + 1) };
}

describe.each(clusters)('$where', ({ where }) => {
  const here = all.filter((m) => m.file.startsWith(`${where}/`));
  const grafana = here.filter((m) => m.file === `${where}/grafana/manifests.yaml`).map((m) => m.manifest);
  const deployment = grafana.find((m) => m.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const volume = (name: string) => pod.volumes.find((v: any) => v.name === name);
  const cfg = ini(grafana.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'grafana-config').data['grafana.ini']);
  const secret = grafana.find((m) => m.kind === 'ExternalSecret');
  const secretKeys = secret.spec.data.map((d: any) => d.secretKey);

  /** Where a file Grafana reads comes from: the Secret or ConfigMap of its mount, and that object's keys. */
  const source = (file: string) => {
    const m = mountOf(container, file);
    const v = m && volume(m.mount.name);
    if (v?.secret?.secretName === secret.spec.target.name) return { ok: secretKeys.includes(m!.key), from: 'grafana-credentials' };
    if (v?.secret?.secretName === 'monitoring-web-tls') return { ok: ['tls.crt', 'tls.key', 'ca.crt'].includes(m!.key), from: 'web-tls' };
    if (v?.configMap) {
      const cm = here.find((x) => x.manifest.kind === 'ConfigMap' && x.manifest.metadata.name === v.configMap.name)?.manifest;
      return { ok: m!.mount.subPath ? cm?.data?.[m!.mount.subPath] !== undefined : cm !== undefined, from: v.configMap.name };
    }
    return { ok: false, from: v ? Object.keys(v).join() : 'nothing' };
  };

  it('reads its config, TLS files and every secret from mounted objects that hold them', () => {
    const files = [
      '/etc/grafana/grafana.ini',
      cfg.server!.cert_file!,
      cfg.server!.cert_key!,
      ...container.env.filter((e: any) => e.name.endsWith('__FILE')).map((e: any) => e.value),
    ];
    expect(files.map((f) => ({ f, ...source(f) })).filter((s) => !s.ok)).toEqual([]);
    expect(container.env.find((e: any) => e.name === 'GF_SECURITY_ADMIN_PASSWORD__FILE')).toBeDefined();
  });

  it('every `$__file{...}` a datasource reads is a key of the Secret mounted there', () => {
    const ds = here.find((m) => m.manifest.metadata.name === 'grafana-datasources')!.manifest;
    const refs = [...ds.data['datasources.yaml'].matchAll(/\$__file\{([^}]+)\}/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.map((f) => ({ f, ...source(f) })).filter((s) => !s.ok)).toEqual([]);
    expect(mountOf(container, `${cfg.paths!.provisioning}/datasources/datasources.yaml`)!.mount.name).toBe('datasources');
  });

  it('the provider reads every dashboard ConfigMap, each in its folder', () => {
    const provider = parse(grafana.find((m) => m.metadata.name === 'grafana-dashboard-providers').data['providers.yaml']).providers[0];
    expect(provider.options).toEqual({ path: DASHBOARDS_DIR, foldersFromFilesStructure: true });
    expect(mountOf(container, `${cfg.paths!.provisioning}/dashboards/providers.yaml`)!.mount.name).toBe('providers');
    expect(mountOf(container, `${DASHBOARDS_DIR}/GreenLang/x.json`)!.mount.name).toBe('dashboards');
    const projected = volume('dashboards')
      .projected.sources.map((s: any) => s.configMap.name)
      .sort();
    const dashboards = here
      .filter((m) => m.manifest.kind === 'ConfigMap' && m.manifest.metadata.labels?.grafana_dashboard === '1')
      .map((m) => m.manifest.metadata.name)
      .sort();
    expect(projected).toEqual(dashboards);
    expect(dashboards.length).toBeGreaterThanOrEqual(5);
  });

  it('keeps secrets out of the pod spec and out of dist: environment variables hold paths only', () => {
    for (const e of container.env) expect(e.name.endsWith('__FILE') || ['GF_PATHS_CONFIG', 'POD_IP'].includes(e.name)).toBe(true);
    expect(secret.spec.data.map((d: any) => d.remoteRef.key)).toEqual(secretKeys.map(() => expect.stringMatching(/\/grafana$/)));
    expect(JSON.stringify(grafana)).not.toMatch(/admin_password|password = /);
  });

  it('restricted and offline: read-only root, writable data and /tmp only, no anonymous access, nothing fetched at start', () => {
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(pod.initContainers).toBeUndefined();
    expect(
      container.volumeMounts
        .filter((m: any) => !m.readOnly)
        .map((m: any) => m.mountPath)
        .sort(),
    ).toEqual(['/tmp', cfg.paths!.data].sort());
    expect(cfg['auth.anonymous']).toEqual({ enabled: 'false' });
    expect(cfg.plugins).toMatchObject({ preinstall_disabled: 'true', preinstall_auto_update: 'false' });
    expect(cfg.analytics).toMatchObject({ reporting_enabled: 'false', check_for_updates: 'false', check_for_plugin_updates: 'false' });
  });

  it("without an ingress, links and redirects point where port-forward puts it (Grafana's default root URL)", () => {
    expect(cfg.server!.root_url).toBeUndefined();
  });

  it('one replica on its volume, replaced (not rolled) so two pods never share it', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(volume('data').persistentVolumeClaim.claimName).toBe('grafana');
    expect(grafana.find((m) => m.kind === 'PersistentVolumeClaim').spec.resources.requests.storage).toBe('10Gi');
    expect(cfg.database).toMatchObject({ type: 'sqlite3' });
  });
});

describe('configured otherwise', () => {
  const oidc = {
    name: 'Corporate SSO',
    authUrl: 'https://idp.example.com/oauth2/authorize',
    tokenUrl: 'https://idp.example.com/oauth2/token',
    apiUrl: 'https://idp.example.com/oauth2/userinfo',
    clientId: 'grafana',
    scopes: ['openid', 'email', 'groups'],
    groupsClaim: 'groups',
    adminGroups: ['platform-admins'],
    editorGroups: ['sre', "o'brien-team"],
  };
  const ha = deepMerge(qa, {
    grafana: {
      replicas: 2,
      database: { type: 'postgres', host: 'grafana-db.example.internal:5432', name: 'grafana', user: 'grafana', sslMode: 'verify-full' },
      auth: { basicLogin: false, oidc },
      ingress: { host: 'grafana.qa.example.com', className: 'alb', annotations: { 'alb.ingress.kubernetes.io/scheme': 'internal' } },
      allowFrom: { namespaces: [], cidrs: ['10.40.0.0/24'] },
    },
  }) as EnvOverrides;
  let objs: any[] = [];
  let cfg: Record<string, Record<string, string>> = {};
  beforeAll(async () => {
    objs = (await render([ha], { terraformOutputsDir: fixtureOutputsDir })).map((m) => m.manifest);
    cfg = ini(objs.find((m) => m.metadata.name === 'grafana-config').data['grafana.ini']);
  });
  const of = (kind: string, name: string) => objs.find((m) => m.kind === kind && m.metadata.name === name);

  it('more replicas with a database: no volume, a PDB, rolling updates, alerting peers on a headless Service', () => {
    const d = of('Deployment', 'grafana');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy.type).toBe('RollingUpdate');
    expect(of('PersistentVolumeClaim', 'grafana')).toBeUndefined();
    expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
    expect(of('PodDisruptionBudget', 'grafana')).toBeDefined();
    expect(of('Service', 'grafana-alerting').spec.clusterIP).toBe('None');
    expect(cfg.unified_alerting!.ha_peers).toBe('grafana-alerting.monitoring.svc.cluster.local:9094');
    expect(cfg.database).toMatchObject({ type: 'postgres', host: 'grafana-db.example.internal:5432', ssl_mode: 'verify-full' });
    const egress = of('NetworkPolicy', 'allow-grafana-database');
    expect(egress.spec.egress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    expect(of('NetworkPolicy', 'allow-grafana-alerting').spec.ingress[0].ports).toEqual([
      { port: 9094, protocol: 'TCP' },
      { port: 9094, protocol: 'UDP' },
    ]);
  });

  it('SSO only: the form off, generic OAuth on, the client secret and database password from the secret store', () => {
    expect(cfg.auth).toEqual({ disable_login_form: 'true' });
    expect(cfg['auth.generic_oauth']).toMatchObject({
      enabled: 'true',
      client_id: 'grafana',
      scopes: 'openid email groups',
      use_pkce: 'true',
    });
    expect(cfg['auth.generic_oauth']!.role_attribute_path).toBe(
      "(contains(groups[*], 'platform-admins')) && 'Admin' || (contains(groups[*], 'sre') || contains(groups[*], 'o\\'brien-team')) && 'Editor' || 'Viewer'",
    );
    const keys = of('ExternalSecret', 'grafana-credentials').spec.data.map((d: any) => d.secretKey);
    expect(keys).toEqual(Object.values(GRAFANA_SECRET_KEYS));
  });

  it('an Ingress to the HTTPS port, and the policy admits the load balancer subnets only', () => {
    const ingress = of('Ingress', 'grafana');
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'grafana', port: { name: 'https' } });
    expect(cfg.server!.root_url).toBe('https://grafana.qa.example.com/');
    const web = of('NetworkPolicy', 'allow-grafana-web');
    expect(web.spec.ingress[0].from).toEqual([
      { ipBlock: { cidr: '10.40.0.0/24' } },
      { podSelector: { matchLabels: { 'operator.prometheus.io/name': 'prometheus' } } },
    ]);
  });

  it('roleAttributePath: Viewer alone when no group is mapped', () => {
    expect(roleAttributePath('groups', [], [])).toBe("'Viewer'");
  });
});
