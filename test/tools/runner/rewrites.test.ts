/** Each rewrite the local runner applies, on inputs shaped like what the operator and dist produce. */
import zlib from 'node:zlib';
import { parse } from 'yaml';
import type { Manifest } from '../../../lib/synth.js';
import type { Resolver } from '../../../tools/runner/network.js';
import {
  bindToPod,
  expandVars,
  forLocalTime,
  listenDefaults,
  localArgs,
  localBucket,
  localFile,
  localReceivers,
  rebasePaths,
  resolveInYaml,
  type FileContext,
} from '../../../tools/runner/rewrites.js';

const dns: Resolver = {
  hosts: (n) => (n === 'thanos-query.monitoring.svc' ? ['127.9.9.200'] : undefined),
  endpoints: (a) =>
    a === 'dnssrv+_grpc._tcp.thanos-store.monitoring.svc.cluster.local' ? ['127.9.9.10:10901', '127.9.9.11:10901'] : undefined,
  rewrite: (t) => t.replaceAll('thanos-query.monitoring.svc', '127.9.9.200'),
};
const ctx: FileContext = {
  mounts: [
    { path: '/etc/prometheus/certs', local: '/tmp/pod/volumes/tls-assets' },
    { path: '/etc/prometheus/config_out', local: '/tmp/pod/volumes/config-out' },
  ],
  dns,
  objectStore: '/tmp/object-store',
  sink: 'http://127.0.0.1:5555',
  discovered: () => ({ services: [], pods: [] }),
};

describe('expandVars (the kubelet)', () => {
  it('expands $(VAR) from the container env, keeps unknown names and unescapes $$', () => {
    expect(expandVars('--label=replica="$(POD_NAME)" $(MISSING) $$(POD_NAME)', { POD_NAME: 'p-0' })).toBe(
      '--label=replica="p-0" $(MISSING) $(POD_NAME)',
    );
  });
});

describe('rebasePaths', () => {
  it('points paths under a mount at its local copy, the longest mount first, and leaves look-alikes', () => {
    const mounts = [
      { path: '/etc/thanos', local: '/l/a' },
      { path: '/etc/thanos/grpc-tls', local: '/l/b' },
    ];
    expect(rebasePaths('--cert=/etc/thanos/grpc-tls/tls.crt --x=/etc/thanos/web.yml', mounts)).toBe('--cert=/l/b/tls.crt --x=/l/a/web.yml');
    expect(rebasePaths('/etc/thanosx/y /opt/etc/thanos/z', mounts)).toBe('/etc/thanosx/y /opt/etc/thanos/z');
    expect(rebasePaths('--tsdb.path=/etc/thanos', mounts)).toBe('--tsdb.path=/l/a');
  });
  it('sends a glob over several mounts to the pod root, where each mount is linked at its path', () => {
    const rules = [
      { path: '/etc/thanos/rules/ruler-rulefiles-0', local: '/v/0' },
      { path: '/etc/thanos/rules/ruler-rulefiles-1', local: '/v/1' },
    ];
    expect(rebasePaths('--rule-file=/etc/thanos/rules/*/*.yaml', rules, '/pod/root')).toBe(
      '--rule-file=/pod/root/etc/thanos/rules/*/*.yaml',
    );
    expect(rebasePaths('--x=/etc/other/*.yaml /etc/*', rules, '/pod/root')).toBe('--x=/etc/other/*.yaml /etc/*');
    expect(rebasePaths('/etc/thanos/rules/ruler-rulefiles-0/*.yaml', rules, '/pod/root')).toBe('/v/0/*.yaml');
  });
});

describe('bindToPod', () => {
  it('binds all-interface and loopback listen addresses to the pod address, nothing else', () => {
    expect(bindToPod('--web.listen-address=:9090', '127.1.2.3')).toBe('--web.listen-address=127.1.2.3:9090');
    expect(bindToPod('--http-address=0.0.0.0:10902', '127.1.2.3')).toBe('--http-address=127.1.2.3:10902');
    expect(bindToPod('--reload-url=https://localhost:9090/-/reload', '127.1.2.3')).toBe('--reload-url=https://127.1.2.3:9090/-/reload');
    expect(bindToPod('--storage.tsdb.path=/prometheus', '127.1.2.3')).toBe('--storage.tsdb.path=/prometheus');
  });
});

describe('listenDefaults', () => {
  it('adds the listen flags a container leaves at their default, per binary and Thanos subcommand', () => {
    expect(listenDefaults('prometheus', ['--config.file=x'], '127.1.2.3')).toEqual([
      '--config.file=x',
      '--web.listen-address=127.1.2.3:9090',
    ]);
    expect(listenDefaults('thanos', ['rule', '--http-address=127.1.2.3:1'], '127.1.2.3')).toEqual([
      'rule',
      '--http-address=127.1.2.3:1',
      '--grpc-address=127.1.2.3:10901',
    ]);
    expect(() => listenDefaults('thanos', ['receive'], '127.1.2.3')).toThrow(/thanos receive/);
  });
});

describe('resolveInYaml', () => {
  it('expands dnssrv+ entries into one per endpoint, resolves names, and keeps TLS server names', () => {
    const out = resolveInYaml(
      {
        endpoints: [{ address: 'dnssrv+_grpc._tcp.thanos-store.monitoring.svc.cluster.local' }],
        static_configs: ['thanos-query.monitoring.svc:10902'],
        tls_config: { server_name: 'thanos-query.monitoring.svc' },
      },
      dns,
    );
    expect(out).toEqual({
      endpoints: [{ address: '127.9.9.10:10901' }, { address: '127.9.9.11:10901' }],
      static_configs: ['127.9.9.200:10902'],
      tls_config: { server_name: 'thanos-query.monitoring.svc' },
    });
  });
});

describe('localBucket and localReceivers', () => {
  it('turns an S3 objstore config into a filesystem bucket named like it and leaves other YAML alone', () => {
    expect(localBucket({ type: 'S3', config: { bucket: 'b' } }, '/tmp/os')).toEqual({
      type: 'FILESYSTEM',
      config: { directory: '/tmp/os/b' },
    });
    expect(() => localBucket({ type: 'S3', config: { bucket: '../x' } }, '/tmp/os')).toThrow(/not a plain name/);
    expect(localBucket({ type: 'IN-MEMORY', config: {} }, '/tmp/b')).toEqual({ type: 'IN-MEMORY', config: {} });
  });
  it('points receivers at the sink and keeps routing', () => {
    const cfg = {
      route: { receiver: 'pd', group_by: ['alertname'] },
      receivers: [
        { name: 'pd', pagerduty_configs: [{ routing_key_file: '/x' }] },
        { name: 'mail', email_configs: [{ to: 'a@b' }] },
      ],
    };
    const out = localReceivers(cfg, 'http://sink') as any;
    expect(out.route).toEqual(cfg.route);
    expect(out.receivers[0].pagerduty_configs[0]).toEqual({ routing_key_file: '/x', url: 'http://sink/pagerduty' });
    expect(out.receivers[1].email_configs[0].smarthost).toBe('127.0.0.1:1');
  });
});

describe('localFile', () => {
  it('rewrites inside the gzip of the generated config and rebases its paths', () => {
    const generated =
      'scrape_configs: []\nglobal:\n  external_labels:\n    prometheus_replica: $(POD_NAME)\nrule_files: [/etc/prometheus/config_out/r.yaml]\n';
    const out = zlib.gunzipSync(localFile('prometheus.yaml.gz', zlib.gzipSync(generated), ctx)).toString();
    expect(parse(out)).toEqual({
      scrape_configs: [],
      global: { external_labels: { prometheus_replica: '$(POD_NAME)' } },
      rule_files: ['/tmp/pod/volumes/config-out/r.yaml'],
    });
  });
  it('leaves certificates and binary content byte for byte', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(localFile('tls.crt', Buffer.from(pem), ctx).toString()).toBe(pem);
    const bin = Buffer.from([0, 1, 2]);
    expect(localFile('x', bin, ctx)).toEqual(bin);
  });
});

describe('localArgs', () => {
  it('expands, resolves, repeats per endpoint, binds and rebases', () => {
    expect(
      localArgs(
        [
          '--endpoint=dnssrv+_grpc._tcp.thanos-store.monitoring.svc.cluster.local',
          '--query=thanos-query.monitoring.svc:10902',
          '--label=replica="$(POD_NAME)"',
          '--grpc-address=:10901',
          '--tls=/etc/prometheus/certs/ca.crt',
        ],
        { POD_NAME: 'r-0' },
        '127.1.2.3',
        ctx,
      ),
    ).toEqual([
      '--endpoint=127.9.9.10:10901',
      '--endpoint=127.9.9.11:10901',
      '--query=127.9.9.200:10902',
      '--label=replica="r-0"',
      '--grpc-address=127.1.2.3:10901',
      '--tls=/tmp/pod/volumes/tls-assets/ca.crt',
    ]);
  });
});

describe('forLocalTime', () => {
  const m = (kind: string, spec: unknown, extra: object = {}): Manifest =>
    ({ apiVersion: 'v1', kind, metadata: { name: 'x' }, spec, ...extra }) as Manifest;
  it('shortens the intervals on the objects the operator reads, and nothing else', () => {
    const out = forLocalTime(
      [
        m('Prometheus', { scrapeInterval: '30s', replicas: 2 }),
        m('PrometheusRule', {
          groups: [
            {
              name: 'g',
              rules: [
                { alert: 'A', expr: '1', for: '15m' },
                { alert: 'B', expr: '1', for: '5s' },
              ],
            },
          ],
        }),
        m('ServiceMonitor', { endpoints: [{ port: 'web', interval: '30s' }, { port: 'x' }] }),
        m('Secret', undefined, {
          stringData: {
            'alertmanager.yaml':
              'route:\n  receiver: r\n  group_wait: 30s\n  repeat_interval: 4h\n  routes:\n' +
              '    - {receiver: h, group_wait: 0s, group_interval: 1m, repeat_interval: 1m}\n    - {receiver: r, repeat_interval: 5s}\n' +
              'receivers: [{name: r}, {name: h}]\n',
          },
        }),
      ],
      { interval: '2s', maxFor: '10s', blockDuration: '1m' },
    ) as any[];
    expect(out[0].spec).toEqual({
      scrapeInterval: '2s',
      evaluationInterval: '2s',
      replicas: 2,
      additionalArgs: [
        { name: 'storage.tsdb.min-block-duration', value: '1m' },
        { name: 'storage.tsdb.max-block-duration', value: '1m' },
        { name: 'rules.alert.resend-delay', value: '2s' },
      ],
    });
    expect(out[1].spec.groups[0].rules.map((r: any) => r.for)).toEqual(['10s', '5s']);
    expect(out[2].spec.endpoints).toEqual([{ port: 'web', interval: '2s' }, { port: 'x' }]);
    // Every route's delays shortened where set (the root's always); sub-routes' repeat intervals capped like `for`.
    expect(parse(out[3].stringData['alertmanager.yaml']).route).toEqual({
      receiver: 'r',
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '4h',
      routes: [
        { receiver: 'h', group_wait: '1s', group_interval: '1s', repeat_interval: '10s' },
        { receiver: 'r', repeat_interval: '5s' },
      ],
    });
  });
});

describe('inClusterConnection', () => {
  it("gives the binaries that talk to the API server the pod's token and CA as a kubeconfig, and leaves the others", async () => {
    const { inClusterConnection } = await import('../../../tools/runner/kubelet.js');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(`${os.tmpdir()}/gl-incluster-`);
    const mounts = [{ path: '/var/run/secrets/kubernetes.io/serviceaccount', local: '/pod/volumes/kube-api-access' }];
    const api = { host: '127.0.0.1', port: 6443 };
    expect(inClusterConnection('prometheus', ['--x'], mounts, dir, api)).toEqual(['--x']);
    const args = inClusterConnection('kube-state-metrics', ['--port=8080'], mounts, dir, api);
    expect(args).toEqual(['--port=8080', `--kubeconfig=${dir}/in-cluster.kubeconfig`]);
    const cfg = JSON.parse(fs.readFileSync(`${dir}/in-cluster.kubeconfig`, 'utf8'));
    expect(cfg.clusters[0].cluster).toEqual({
      server: 'https://127.0.0.1:6443',
      'certificate-authority': '/pod/volumes/kube-api-access/ca.crt',
    });
    expect(cfg.users[0].user).toEqual({ tokenFile: '/pod/volumes/kube-api-access/token' });
    expect(() => inClusterConnection('kube-state-metrics', [], [], dir, api)).toThrow(/no ServiceAccount token/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
