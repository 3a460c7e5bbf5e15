/**
 * Metric-name audit: every metric a rule or a dashboard panel reads is one the pinned
 * components actually expose. The components run for real (Prometheus with the rendered rules,
 * Alertmanager, PushGateway fed by the Python SDK, Thanos sidecar, query, store and compactor on
 * a filesystem bucket, the blackbox exporter probing an HTTPS endpoint) and their /metrics are collected. What only a Kubernetes cluster exposes
 * is listed below with its source.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { blackboxConfig, HTTPS_MODULE } from '../../charts/blackbox-exporter.js';
import { dashboards } from '../../charts/dashboards/index.js';
import { ruleAreas } from '../../charts/index.js';
import { renderGroups } from '../../charts/rules/index.js';
import { isAlert } from '../../charts/rules/types.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { WEB_TLS_MOUNT, webConfig, webServerName } from '../../lib/web-tls.js';
import { repoRoot } from '../../tools/binaries.js';
import { request } from '../../tools/https.js';
import { makeCerts } from '../helpers/certs.js';
import { freePort, useProcesses, type Running } from '../helpers/proc.js';
import { metricNames } from '../helpers/promql.js';
import { waitFor } from '../helpers/sink.js';
import { tempDir } from '../helpers/tree.js';

/** Series that exist only in a Kubernetes cluster or are synthesized by Prometheus itself. */
const ALLOWLIST: Record<string, string> = {
  up: 'synthesized by Prometheus per target',
  scrape_duration_seconds: 'synthesized by Prometheus per target',
  kubelet_volume_stats_available_bytes: 'kubelet (volume stats of mounted PVCs)',
  kubelet_volume_stats_capacity_bytes: 'kubelet (volume stats of mounted PVCs)',
  container_memory_working_set_bytes: 'cAdvisor, through the kubelet',
  container_spec_memory_limit_bytes: 'cAdvisor, through the kubelet',
};

const env = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const ruleExprs = ruleAreas.flatMap((a) =>
  a.groups.flatMap((g) => g.rules.map((r) => ({ where: isAlert(r) ? r.alert : r.record, expr: r.expr }))),
);
const recorded = new Set(
  ruleAreas.flatMap((a) => a.groups.flatMap((g) => g.rules.filter((r) => !isAlert(r)).map((r) => (r as { record: string }).record))),
);
const panelExprs = dashboards().flatMap((d) =>
  (d.panels ?? []).flatMap((p: any) =>
    (p.targets ?? []).map((t: any) => ({ where: `${d.uid}/${p.title}`, expr: String(t.expr).replaceAll('$cluster', '.*') })),
  ),
);

/** name -> where it is used (recording-rule outputs are checked separately). */
const used = new Map<string, string[]>();
for (const { where, expr } of [...ruleExprs, ...panelExprs]) {
  for (const n of metricNames(expr)) if (!recorded.has(n)) used.set(n, [...(used.get(n) ?? []), where]);
}

function exposedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

describe('metric audit against the pinned components', () => {
  const procs = useProcesses();
  const exposed = new Set<string>();
  let missing: string[] = [];

  beforeAll(async () => {
    const bucket = path.join(tempDir('audit'), 'bucket');
    fs.mkdirSync(bucket);
    const objstore = path.join(bucket, '..', 'objstore.yml');
    fs.writeFileSync(objstore, stringify({ type: 'FILESYSTEM', config: { directory: bucket } }));

    const amCluster = await freePort();
    const am = await procs.start({
      tool: 'alertmanager',
      args: ({ port, dir }) => {
        fs.writeFileSync(path.join(dir, 'am.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
        return [
          '--config.file=am.yml',
          `--storage.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--cluster.listen-address=127.0.0.1:${amCluster}`,
        ];
      },
    });
    const pg = await procs.start({ tool: 'pushgateway', args: ({ port }) => [`--web.listen-address=127.0.0.1:${port}`] });

    const prom = await procs.start({
      tool: 'prometheus',
      args: ({ port, dir }) => {
        const groups = ruleAreas.flatMap((a) => renderGroups(env, a));
        fs.writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups }));
        fs.writeFileSync(
          path.join(dir, 'prometheus.yml'),
          stringify({
            global: {
              scrape_interval: '1s',
              evaluation_interval: '1s',
              external_labels: { cluster: 'audit', prometheus_replica: 'audit-0' },
            },
            rule_files: ['rules.yml'],
            alerting: { alertmanagers: [{ static_configs: [{ targets: [am.url.replace('http://', '')] }] }] },
            scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
          }),
        );
        return [
          '--config.file=prometheus.yml',
          `--storage.tsdb.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--storage.tsdb.min-block-duration=2h',
          '--storage.tsdb.max-block-duration=2h',
          '--storage.tsdb.retention.size=1GB',
          '--web.enable-lifecycle',
        ];
      },
    });
    const sidecarGrpc = await freePort();
    const sidecar = await procs.start({
      tool: 'thanos',
      args: ({ port }) => [
        'sidecar',
        `--http-address=127.0.0.1:${port}`,
        `--grpc-address=127.0.0.1:${sidecarGrpc}`,
        `--prometheus.url=${prom.url}`,
        `--tsdb.path=${path.join(prom.dir, 'data')}`,
        `--objstore.config-file=${objstore}`,
      ],
    });
    const queryGrpc = await freePort();
    const query = await procs.start({
      tool: 'thanos',
      args: ({ port }) => [
        'query',
        `--http-address=127.0.0.1:${port}`,
        `--grpc-address=127.0.0.1:${queryGrpc}`,
        `--endpoint=127.0.0.1:${sidecarGrpc}`,
        '--query.replica-label=prometheus_replica',
      ],
    });
    const storeGrpc = await freePort();
    const store = await procs.start({
      tool: 'thanos',
      args: ({ port, dir }) => [
        'store',
        `--http-address=127.0.0.1:${port}`,
        `--grpc-address=127.0.0.1:${storeGrpc}`,
        `--data-dir=${dir}/data`,
        `--objstore.config-file=${objstore}`,
      ],
    });
    const compact = await procs.start({
      tool: 'thanos',
      args: ({ port, dir }) => [
        'compact',
        '--wait',
        `--http-address=127.0.0.1:${port}`,
        `--data-dir=${dir}/data`,
        `--objstore.config-file=${objstore}`,
      ],
    });

    // The prober, serving HTTPS and probing itself with the rendered module (as it probes the platform's Services).
    const certs = makeCerts([webServerName(env.namespace)]);
    const proberTls = { certDir: certs, serverName: webServerName(env.namespace), clientCert: true };
    const prober = await procs.start({
      tool: 'blackbox_exporter',
      tls: proberTls,
      args: ({ port, dir }) => {
        fs.writeFileSync(path.join(dir, 'blackbox.yml'), blackboxConfig(env).replaceAll(WEB_TLS_MOUNT, certs));
        fs.writeFileSync(path.join(dir, 'web.yml'), webConfig().replaceAll(WEB_TLS_MOUNT, certs));
        return ['--config.file=blackbox.yml', '--web.config.file=web.yml', `--web.listen-address=127.0.0.1:${port}`];
      },
    });
    const probeBody = (
      await request(`${prober.url}/probe?module=${HTTPS_MODULE}&target=${encodeURIComponent(`${prober.url}/-/ready`)}`, proberTls)
    ).body;

    // Activity so labelled series exist: a pushed batch job (through the real SDK), queries, a notification cycle.
    const python = path.join(repoRoot, 'sdk/python/.venv/bin/python');
    execFileSync(
      python,
      [
        '-c',
        [
          'import sys',
          'from greenlang.monitoring import BatchJobMetrics',
          'ok = BatchJobMetrics("audit-ok", sys.argv[1], expected_interval=3600)',
          'with ok.track_duration(): ok.job_records_processed.labels(record_type="row").inc(3)',
          'bad = BatchJobMetrics("audit-fail", sys.argv[1], expected_interval=3600)',
          'try:',
          '    with bad.track_duration(): raise ValueError("x")',
          'except ValueError: pass',
        ].join('\n'),
        pg.url,
      ],
      { cwd: path.join(repoRoot, 'sdk/python') },
    );
    const now = Math.floor(Date.now() / 1000);
    await fetch(`${query.url}/api/v1/query_range?query=up&start=${now - 60}&end=${now}&step=15`);
    await fetch(`${query.url}/api/v1/query?query=up`);

    const servers: Running[] = [prom, am, pg, sidecar, query, store, compact];
    await waitFor(
      async () => {
        exposed.clear();
        for (const s of servers) {
          const res = await fetch(`${s.url}/metrics`).catch((e: Error) => {
            fs.writeFileSync('/tmp/audit-fail.log', s.log());
            throw new Error(
              `${s.tool} at ${s.url}: ${e.message}\n${s
                .log()
                .split('\n')
                .filter((l) => /error|level=warn|panic/i.test(l))
                .slice(-8)
                .join('\n')}`,
            );
          });
          for (const n of exposedNames(await res.text())) exposed.add(n);
        }
        for (const n of exposedNames(probeBody)) exposed.add(n);
        for (const n of exposedNames((await request(`${prober.url}/metrics`, proberTls)).body)) exposed.add(n);
        // Prometheus's own series, as scraped (covers what only appears after a scrape or rule evaluation).
        const names = (await (await fetch(`${prom.url}/api/v1/label/__name__/values`)).json()) as { data: string[] };
        for (const n of names.data) exposed.add(n);
        missing = [...used.keys()].filter((n) => !exposed.has(n) && !(n in ALLOWLIST));
        return missing.length === 0;
      },
      30_000,
      1000,
    );
  }, 120_000);

  it('every metric used by a rule or a panel is exposed by a pinned component or allowlisted with its source', () => {
    expect(missing.map((n) => `${n} (used by ${used.get(n)!.join(', ')})`)).toEqual([]);
  });

  it('every recording rule a panel reads is defined', () => {
    const panelNames = new Set(panelExprs.flatMap((p) => metricNames(p.expr)));
    const recordedLike = [...panelNames].filter((n) => n.includes(':'));
    expect(recordedLike.length).toBeGreaterThan(0);
    for (const n of recordedLike) expect(recorded.has(n)).toBe(true);
  });

  it('the allowlist holds only names that are used (no stale exceptions)', () => {
    for (const n of Object.keys(ALLOWLIST)) expect(used.has(n)).toBe(true);
  });
});
