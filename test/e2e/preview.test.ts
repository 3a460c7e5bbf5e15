/**
 * End to end on the preview stack (tools/preview/stack.ts): dev as the real operator generates
 * it from dist, every pod run as real processes through the local runner (tools/runner). What
 * it proves, then the fault drills, each asserting that nothing is lost. Ordered: later drills
 * reuse the running stack.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { getJson, request } from '../../tools/https.js';
import { json } from '../helpers/http.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import type { Running } from '../helpers/proc.js';
import { sleep, waitFor } from '../helpers/sink.js';
import { isDeepStrictEqual } from 'node:util';
import { EMPTY_JOB_ALERT } from '../../charts/rules/scrape-targets.js';
import { GROUPS_PER_REPLICA } from '../../charts/rules/batch-jobs.js';
import { metricNames, withGrafanaVariables } from '../helpers/promql.js';
import { ruleAreas } from '../../charts/index.js';
import { isAlert } from '../../charts/rules/types.js';
import { KUBERNETES_AREA } from '../../charts/rules/kubernetes.js';
import { parse } from 'yaml';
import { ingressAllowed, policyCluster } from '../../tools/runner/netpol.js';

const INTERVAL_S = 2;

/** Series only a Kubernetes cluster has (or Prometheus synthesizes per target, or Grafana exports), with their source. */
const CLUSTER_ONLY_METRICS: Record<string, string> = {
  kubelet_volume_stats_available_bytes: 'kubelet (volume stats of mounted PVCs)',
  kubelet_volume_stats_capacity_bytes: 'kubelet (volume stats of mounted PVCs)',
  container_memory_working_set_bytes: 'cAdvisor, through the kubelet',
  container_spec_memory_limit_bytes: 'cAdvisor, through the kubelet',
  grafana_datasource_request_total: 'Grafana, which cannot run here (no build of it is obtainable; docs/grafana.md)',
  grafana_build_info: 'Grafana, which cannot run here (no build of it is obtainable; docs/grafana.md)',
};

/** A rendered dashboard panel query: where it is, the datasource it names, its expression. */
interface PanelQuery {
  readonly where: string;
  readonly datasource: string;
  readonly expr: string;
}
const PEER_TIMEOUT_MS = 15_000; // Alertmanager's default --cluster.peer-timeout: a duplicate would come after this

async function api(p: Running, pathAndQuery: string): Promise<any> {
  const body = await json(p, pathAndQuery);
  if (body.status !== 'success') throw new Error(`${pathAndQuery}: ${JSON.stringify(body)}`);
  return body.data;
}
const instant = (p: Running, q: string, extra = '') => api(p, `/api/v1/query?query=${encodeURIComponent(q)}${extra}`);

/** A PushGateway's pushed groups (its API wants the push credentials). */
async function pushedGroups(stack: Stack, pg: Running): Promise<any[]> {
  const basic = `Basic ${Buffer.from(`${stack.pushAuth.username}:${stack.pushAuth.password}`).toString('base64')}`;
  return (await getJson(`${pg.url}/api/v1/metrics`, pg.tls!, { authorization: basic })).data;
}

/** Push through the real SDK to the given PushGateways, with the stack's credentials. */
function sdkPush(stack: Stack, urls: string[], script: string): string {
  return execFileSync(
    path.join(repoRoot, 'sdk/python/.venv/bin/python'),
    ['-c', `import sys\nfrom greenlang.monitoring import BatchJobMetrics\nurls = sys.argv[1].split(",")\n${script}`, urls.join(',')],
    {
      cwd: path.join(repoRoot, 'sdk/python'),
      encoding: 'utf8',
      env: { ...process.env, ...stack.sdkEnv },
    },
  );
}

interface Meta {
  ulid: string;
  minTime: number;
  maxTime: number;
  thanos: { labels: Record<string, string> };
}
const bucketBlocks = (bucket: string): Meta[] =>
  fs.existsSync(bucket) && fs.statSync(bucket).isDirectory()
    ? fs
        .readdirSync(bucket)
        .filter((d) => fs.existsSync(path.join(bucket, d, 'meta.json')))
        .map((d) => JSON.parse(fs.readFileSync(path.join(bucket, d, 'meta.json'), 'utf8')))
    : [];
const localBlocks = (tsdb: string): string[] =>
  fs.readdirSync(tsdb).filter((d) => /^[0-9A-Z]{26}$/.test(d) && fs.existsSync(path.join(tsdb, d, 'meta.json')));

/** Largest distance between consecutive raw samples of every series of a range selector, in s. */
async function maxGap(
  base: Running,
  selector: string,
  windowS: number,
  dedup: boolean,
): Promise<{ series: number; gap: number; samples: number }> {
  const data = await instant(base, `${selector}[${windowS}s]`, dedup ? '&dedup=true' : '');
  let gap = 0;
  let samples = 0;
  for (const s of data.result) {
    const ts = s.values.map((v: [number, string]) => v[0]);
    samples += ts.length;
    for (let i = 1; i < ts.length; i++) gap = Math.max(gap, ts[i] - ts[i - 1]);
  }
  return { series: data.result.length, gap, samples };
}

describe('preview stack: dev as the operator generates it, on loopback', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      interval: `${INTERVAL_S}s`,
      demoJob: false,
      // A recording rule for the ruler (a PrometheusRule it selects) proves its generated query path (mutual TLS to Thanos query).
      extraRulerGroups: [
        {
          name: 'e2e-ruler-probe',
          rules: [
            { record: 'e2e:prometheus_up:count', expr: 'count(up{job="prometheus"})' },
            // Fires once both Prometheus replicas are seen through the query the ruler asks.
            {
              alert: 'E2eRulerAlert',
              expr: 'count(up{job="prometheus"}) >= 2',
              labels: { severity: 'warning' },
              annotations: { summary: 'e2e', runbook_url: 'https://example.invalid/runbook' },
            },
          ],
        },
      ],
    });
  }, 180_000);
  afterAll(async () => stack?.stop(), 60_000);

  it('every generated scrape job whose targets run here has targets, and every target is up', async () => {
    const jobs = new Set<string>();
    const pools = new Set<string>();
    let down: string[] = [];
    const ok = await waitFor(
      async () => {
        down = [];
        for (const p of stack.proms) {
          const data = await api(p, '/api/v1/targets?state=active');
          for (const t of data.activeTargets) {
            jobs.add(t.labels.job);
            pools.add(t.scrapePool);
            if (t.health !== 'up')
              down.push(`${p.url} ${t.labels.job}/${t.labels.pod ?? t.labels.pushgateway_replica}: ${t.health} ${t.lastError}`);
          }
        }
        return down.length === 0 && jobs.size > 0;
      },
      30_000,
      1000,
    );
    expect({ ok, down }).toEqual({ ok: true, down: [] });
    expect([...jobs].sort()).toEqual(
      [
        'alertmanager',
        'blackbox-exporter',
        'kube-state-metrics',
        'node-exporter',
        'platform-endpoints',
        'prometheus',
        'prometheus-operator',
        'pushgateway',
        'thanos-compactor',
        'thanos-query',
        'thanos-query-frontend',
        'thanos-ruler',
        'thanos-sidecar',
        'thanos-store',
        // GreenLang's stand-ins (tools/preview/greenlang-services.ts): every catalogued service, and both ways to opt in.
        ...stack.env.services.map((s) => s.name),
        `${stack.env.namespace}/greenlang-pods`,
        `scrapeConfig/${stack.env.namespace}/greenlang-annotated-pods`,
      ].sort(),
    );
    // From the generated config: a job without targets here must be one only a cluster can fill.
    const report = await stack.jobs();
    expect(report.unexplained).toEqual([]);
    expect(report.needsCluster.map((j) => j.job)).toEqual(expect.arrayContaining(['serviceMonitor/monitoring/kubelet/0']));
    expect(report.local.map((j) => j.job).sort()).toEqual([...pools].sort());
  });

  it('every catalogued service that asks for pod labels has its `service` label, whichever label its pods carry', async () => {
    const wanted = stack.env.services.filter((s) => s.podLabels);
    let seen: Record<string, string[]> = {};
    const ok = await waitFor(
      async () => {
        const r = await instant(stack.proms[0]!, 'count by (namespace, service) (up{service!=""})');
        seen = {};
        for (const x of r.result as any[]) (seen[x.metric.namespace] ??= []).push(x.metric.service);
        return wanted.every((s) => seen[s.namespace]?.includes(s.name));
      },
      60_000,
      1000,
    );
    expect({ ok, missing: wanted.filter((s) => !seen[s.namespace]?.includes(s.name)).map((s) => s.name) }).toEqual({
      ok: true,
      missing: [],
    });
  }, 90_000);

  it('every job without targets here raises PrometheusJobWithoutTargets (except optional discovery); no job with targets does', async () => {
    const report = await stack.jobs();
    const rule = (await stack.local.generated.kube.list('monitoring.coreos.com/v1', 'PrometheusRule', stack.env.namespace))
      .flatMap((r: any) => r.spec.groups.flatMap((g: any) => g.rules))
      .find((r: any) => r.alert === EMPTY_JOB_ALERT);
    const expected = new Set([...String(rule.expr).matchAll(/scrape_job="([^"]+)"/g)].map((m) => m[1]!));
    const want = report.needsCluster
      .map((j) => j.job)
      .filter((j) => expected.has(j))
      .sort();
    expect(want).toEqual(expect.arrayContaining(['serviceMonitor/monitoring/kubelet/0']));
    let firing: string[] = [];
    const ok = await waitFor(
      async () => {
        const r = await instant(stack.proms[0]!, `ALERTS{alertname="${EMPTY_JOB_ALERT}",alertstate="firing"}`);
        firing = r.result.map((x: any) => x.metric.scrape_job).sort();
        return isDeepStrictEqual(firing, want);
      },
      60_000,
      1000,
    );
    expect({ ok, firing }).toEqual({ ok: true, firing: want });
  }, 90_000);

  it('refuses unauthenticated access: a push without credentials, a query without a client certificate, plain HTTP', async () => {
    const pg = stack.pgs[0]!;
    const body = 'gl_unauth_probe 1\n';
    // PushGateway: TLS + basic auth. No credentials -> 401; the right ones -> accepted.
    const anonymous = await request(`${pg.url}/metrics/job/unauth-probe`, stack.tls.web, { method: 'POST', body });
    expect(anonymous.status).toBe(401);
    const basic = `Basic ${Buffer.from(`${stack.pushAuth.username}:${stack.pushAuth.password}`).toString('base64')}`;
    expect(
      (await request(`${pg.url}/metrics/job/unauth-probe`, stack.tls.web, { method: 'POST', body, headers: { authorization: basic } }))
        .status,
    ).toBe(200);
    await request(`${pg.url}/metrics/job/unauth-probe`, stack.tls.web, { method: 'DELETE', headers: { authorization: basic } });
    // Plain HTTP is not served at all.
    await expect(fetch(pg.url.replace('https:', 'http:') + '/metrics')).resolves.toMatchObject({ status: 400 });

    // The query API (frontend and query): a client with the CA but without a certificate is refused in the handshake.
    for (const p of [stack.frontend!, stack.query]) {
      await expect(request(`${p.url}/api/v1/query?query=up`, { ...stack.tls.query, clientCert: false })).rejects.toThrow(
        /certificate|handshake|socket hang up|ECONNRESET/i,
      );
      expect((await request(`${p.url}/api/v1/query?query=up`, stack.tls.query)).status).toBe(200);
    }
    // node-exporter (host network, outside NetworkPolicies): basic auth over TLS.
    expect((await request(`${stack.nodeExporter!.url}/metrics`, stack.tls.host)).status).toBe(401);
    // Prometheus and Alertmanager: TLS only (the operator's own clients send no credentials; the
    // NetworkPolicies decide who reaches them): plain HTTP is refused.
    for (const p of [stack.proms[0]!, stack.ams[0]!]) {
      expect(p.url.startsWith('https://')).toBe(true);
      expect((await fetch(p.url.replace('https:', 'http:') + '/-/ready')).status).toBe(400);
    }
  });

  it('the ruler evaluates through Thanos Query with its rendered query config (mutual TLS), and its results are queryable', async () => {
    let result: any[] = [];
    await waitFor(
      async () => {
        result = (await instant(stack.frontend!, 'e2e:prometheus_up:count')).result;
        // The first evaluations can precede the first scrape of the second replica: wait for both.
        return result.length > 0 && result[0].value[1] !== '1';
      },
      30_000,
      1000,
    );
    // Deduplicated by the query the ruler asked: 2 Prometheus targets, not 4 (2 per replica).
    expect(result.map((r) => [r.metric.cluster, r.value[1]])).toEqual([['greenlang-dev', '2']]);
  });

  it("the ruler's alerts (both replicas) reach both Alertmanagers as one alert, and the receiver once", async () => {
    const hits = () => stack.sink.received.filter((r) => JSON.stringify(r.body).includes('E2eRulerAlert'));
    expect(await waitFor(() => hits().length >= 1, 60_000, 500)).toBe(true);
    await sleep(PEER_TIMEOUT_MS + 5_000);
    expect(hits()).toHaveLength(1);
    for (const am of stack.ams) {
      const alerts = (await json(am, '/api/v2/alerts?filter=alertname%3D%22E2eRulerAlert%22')) as any[];
      // One alert per Alertmanager: the ruler replica label is dropped, so both replicas' copies merge.
      expect(alerts.map((a) => a.labels.thanos_ruler_replica)).toEqual([undefined]);
    }
  }, 90_000);

  it('a metric pushed by the SDK shows exactly once through the query-frontend (2 Prometheus x 2 PushGateways deduplicated)', async () => {
    const out = sdkPush(
      stack,
      stack.pgs.map((p) => p.url),
      'm = BatchJobMetrics("e2e-once", urls, expected_interval=3600)\nwith m.track_duration():\n    m.job_records_processed.labels(record_type="row").set(42)\nprint(m.last_push_ok)',
    );
    expect(out.trim()).toBe('True');
    const q = 'gl_batch_job_records_processed{job="e2e-once"}';
    // Raw: each Prometheus holds it once per PushGateway replica.
    expect(await waitFor(async () => (await instant(stack.proms[0]!, q)).result.length === 2, 20_000)).toBe(true);
    let result: any[] = [];
    await waitFor(async () => {
      result = (await instant(stack.frontend!, q)).result;
      return result.length > 0;
    }, 20_000);
    expect(result).toHaveLength(1);
    expect(result[0].value[1]).toBe('42');
    expect(result[0].metric).toMatchObject({ cluster: 'greenlang-dev', environment: 'dev', job: 'e2e-once', record_type: 'row' });
    expect(result[0].metric).not.toHaveProperty('pushgateway_replica');
    expect(result[0].metric).not.toHaveProperty('prometheus_replica');
  });

  it('a batch job in a tenant namespace pushes with only what dist delivers there (docs/examples/batch-job.yaml), and is scraped with its labels', async () => {
    const example = parse(fs.readFileSync(path.join(repoRoot, 'docs/examples/batch-job.yaml'), 'utf8'));
    const ns: string = example.metadata.namespace;
    expect(stack.env.pushgateway.clientNamespaces).toContain(ns);
    const template = example.spec.jobTemplate.spec.template;
    const [c] = template.spec.containers;
    const kube = stack.local.generated.kube;
    // What the kubelet gives the container, from its own namespace only: its Secret volumes and its envFrom.
    const root = fs.mkdtempSync(path.join(stack.work, 'tenant-job-'));
    for (const m of c.volumeMounts) {
      const vol = template.spec.volumes.find((v: any) => v.name === m.name);
      const secret = await kube.get('v1', 'Secret', vol.secret.secretName, ns);
      expect({ volume: m.name, found: secret !== undefined }).toEqual({ volume: m.name, found: true });
      const items: { key: string; path: string }[] = vol.secret.items ?? Object.keys(secret.data).map((key) => ({ key, path: key }));
      fs.mkdirSync(path.join(root, m.mountPath), { recursive: true });
      for (const { key, path: p } of items) fs.writeFileSync(path.join(root, m.mountPath, p), Buffer.from(secret.data[key], 'base64'));
    }
    const settings: Record<string, string> = {};
    for (const from of c.envFrom) Object.assign(settings, (await kube.get('v1', 'ConfigMap', from.configMapRef.name, ns)).data);
    // As the runner does for pods: paths under the job's root, cluster DNS names to the replicas'
    // local addresses; the certificate is still verified against the cluster name.
    const replicaUrls = settings.GL_PUSHGATEWAY_URLS!.split(',');
    const dns = stack.local.dns(ns);
    const jobEnv: Record<string, string> = {
      PATH: process.env.PATH!,
      ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, k.endsWith('_FILE') ? path.join(root, v) : v])),
      GL_PUSHGATEWAY_URLS: replicaUrls.map((u) => dns.rewrite(u)).join(','),
      GL_PUSHGATEWAY_SERVER_NAME: new URL(replicaUrls[0]!).hostname,
    };
    // The platform's NetworkPolicies admit the job's pod into every replica.
    const policies = policyCluster([
      ...(await kube.list('networking.k8s.io/v1', 'NetworkPolicy', stack.env.namespace)).map((p: any) => ({ ...p, kind: 'NetworkPolicy' })),
      ...(await kube.list('v1', 'Namespace')).map((n: any) => ({ ...n, kind: 'Namespace' })),
    ]);
    const jobPod = { namespace: ns, labels: template.metadata.labels, ip: '10.1.0.9' };
    for (const pg of stack.local.podsOf('StatefulSet', 'pushgateway')) {
      const v = ingressAllowed(
        policies,
        { namespace: pg.pod.namespace, labels: pg.pod.labels, ip: pg.pod.ip },
        { pod: jobPod },
        { port: 9091 },
      );
      expect({ replica: pg.pod.name, allowed: v.allowed }).toEqual({ replica: pg.pod.name, allowed: true });
    }
    const out = execFileSync(path.join(repoRoot, 'sdk/python/.venv/bin/python'), c.command.slice(1), { encoding: 'utf8', env: jobEnv });
    expect(out).toBe('');
    // Both replicas hold the group, with a TTL its freshness alerts can fire within.
    for (const pg of stack.pgs) {
      const g = (await pushedGroups(stack, pg)).find((x) => x.labels.job === 'emissions-nightly' && x.labels.tenant === 'acme');
      expect(g).toBeDefined();
      expect(Number(g.gl_batch_job_ttl_seconds.metrics[0].value)).toBeGreaterThan(2 * 86400);
    }
    // Scraped from both replicas, with the job's own job and grouping labels.
    let result: any[] = [];
    const ok = await waitFor(async () => {
      result = (await instant(stack.proms[0]!, 'gl_batch_job_records_processed{job="emissions-nightly"}')).result;
      return result.length === 2;
    }, 30_000);
    expect(ok).toBe(true);
    for (const r of result) expect(r.metric).toMatchObject({ job: 'emissions-nightly', tenant: 'acme', record_type: 'invoice' });
    expect(result.map((r) => r.value[1])).toEqual(['42', '42']);
  }, 90_000);

  it('a job that stops succeeding: BatchJobNoRecentSuccess reaches the warning channel, a janitor sweep keeps its group, the next success resolves it', async () => {
    const job = 'e2e-stops-succeeding';
    const urls = stack.pgs.map((p) => p.url);
    // A compressed schedule: a success is due every 20 s. One success, then a failed run. Its own
    // `service` grouping label keeps its notifications out of the other tests' Alertmanager groups.
    const run = (body: string) =>
      sdkPush(
        stack,
        urls,
        `m = BatchJobMetrics("${job}", urls, grouping_key={"service": "${job}"}, expected_interval=20)\n${body}\nprint(m.last_push_ok)`,
      );
    expect(run('with m.track_duration():\n    pass').trim()).toBe('True');
    expect(run('try:\n    with m.track_duration():\n        raise RuntimeError("boom")\nexcept RuntimeError:\n    pass').trim()).toBe(
      'True',
    );

    // The janitor, as its CronJob runs it, with a default TTL that would expire any group without its own.
    const usernameFile = path.join(stack.work, 'janitor-username');
    fs.writeFileSync(usernameFile, stack.pushAuth.username);
    const sweep = execFileSync(
      path.join(repoRoot, 'sdk/python/.venv/bin/python'),
      [
        '-m',
        'greenlang.monitoring.janitor',
        ...urls.map((u) => `--url=${u}`),
        '--default-ttl=1',
        '--dry-run',
        `--username-file=${usernameFile}`,
        `--password-file=${stack.pushAuth.passwordFile}`,
        `--ca-file=${stack.sdkEnv.GL_PUSHGATEWAY_CA_FILE}`,
        `--server-name=${stack.sdkEnv.GL_PUSHGATEWAY_SERVER_NAME}`,
      ],
      { cwd: path.join(repoRoot, 'sdk/python'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(sweep).toBe('');
    for (const pg of stack.pgs) {
      expect((await pushedGroups(stack, pg)).some((g) => g.labels.job === job)).toBe(true);
    }

    const alert = async () =>
      ((await json(stack.ams[0]!, '/api/v2/alerts?filter=alertname%3D%22BatchJobNoRecentSuccess%22')) as any[]).find(
        (a) => a.labels.job === job,
      );
    expect(await waitFor(async () => (await alert())?.status?.state === 'active', 90_000, 1000)).toBe(true);
    const delivered = () =>
      stack.sink.received.filter(
        (r) => r.path === '/slack' && JSON.stringify(r.body).includes('BatchJobNoRecentSuccess') && JSON.stringify(r.body).includes(job),
      );
    expect(await waitFor(() => delivered().length >= 1, 30_000, 500)).toBe(true);
    expect(delivered()[0]!.body.channel).toBe(stack.env.alertmanager.slack.warningChannel);

    // It succeeds again: the alert resolves.
    expect(run('with m.track_duration():\n    pass').trim()).toBe('True');
    expect(await waitFor(async () => (await alert()) === undefined, 60_000, 1000)).toBe(true);
  }, 240_000);

  it("the batch-jobs dashboard's groups-per-replica query shows each PushGateway replica through Thanos, with equal counts", async () => {
    let byPod: Record<string, string> = {};
    const ok = await waitFor(
      async () => {
        const r = await instant(stack.frontend!, `max by (pushgateway_pod) (${GROUPS_PER_REPLICA})`);
        byPod = Object.fromEntries(r.result.map((x: any) => [x.metric.pushgateway_pod, x.value[1]]));
        return Object.keys(byPod).length === 2 && new Set(Object.values(byPod)).size === 1;
      },
      30_000,
      1000,
    );
    expect({ ok, byPod }).toEqual({ ok: true, byPod: { 'pushgateway-0': expect.any(String), 'pushgateway-1': expect.any(String) } });
  });

  it('an alert flows rule -> both Prometheus -> Alertmanager pair -> receiver exactly once', async () => {
    // A job that expects a success every second: BatchJobNoRecentSuccess fires (for: capped to 10s).
    sdkPush(
      stack,
      stack.pgs.map((p) => p.url),
      'm = BatchJobMetrics("e2e-alert", urls, expected_interval=1)\nwith m.track_duration():\n    pass',
    );
    const hits = () =>
      stack.sink.received.filter(
        (r) =>
          r.path === '/slack' && JSON.stringify(r.body).includes('BatchJobNoRecentSuccess') && JSON.stringify(r.body).includes('e2e-alert'),
      );
    expect(await waitFor(() => hits().length >= 1, 90_000, 500)).toBe(true);
    // Both Prometheus replicas send it to both Alertmanagers; wait past the peer timeout for any duplicate.
    await sleep(PEER_TIMEOUT_MS + 5_000);
    expect(hits()).toHaveLength(1);
    // Both replicas' copies are one alert in Alertmanager (the replica label is dropped), on both peers.
    for (const am of stack.ams) {
      const alerts = (await json(am, '/api/v2/alerts?filter=alertname%3D%22BatchJobNoRecentSuccess%22')) as any[];
      expect(alerts.filter((a) => a.labels.job === 'e2e-alert')).toHaveLength(1);
    }
  }, 150_000);

  it('drill: one Prometheus killed for 20 s leaves no gap in the deduplicated data', async () => {
    const selector = 'up{job="node-exporter"}';
    await stack.proms[1]!.stop('SIGKILL');
    await sleep(20_000);
    await stack.restartPrometheus(1); // restart tested in the next drill; here it only has to come back
    await sleep(4 * INTERVAL_S * 1000);
    const deduped = await maxGap(stack.query, selector, 40, true);
    expect(deduped.series).toBe(1);
    // Penalty dedup skips ahead on the other replica by twice the last step before it switches, then takes that
    // replica's next sample: at most three steps. A step is the interval, or longer when 2 busy cores delay a
    // scrape, so the bound uses the survivor's own longest step in the same window.
    const survivor = await maxGap(stack.proms[0]!, selector, 40, false);
    expect(deduped.gap).toBeLessThanOrEqual(3 * Math.max(INTERVAL_S, survivor.gap) + 1);
    // The killed replica alone does have the hole, so the checks above can fail.
    const killed = await maxGap(stack.proms[1]!, selector, 40, false);
    expect(killed.gap).toBeGreaterThanOrEqual(15);
    expect(deduped.gap).toBeLessThan(killed.gap / 2);
  }, 90_000);

  it('drill: SIGKILL and restart of a Prometheus replays its WAL (samples from before the kill survive)', async () => {
    const p = stack.proms[0]!;
    const t = Date.now() / 1000 - 1;
    const count = async (r: Running) =>
      Number((await instant(r, 'sum(count_over_time(up{job="prometheus"}[60s]))', `&time=${t}`)).result[0]?.value[1] ?? 0);
    const before = await count(p);
    expect(before).toBeGreaterThan(20);
    const restarted = await stack.restartPrometheus(0, 'SIGKILL');
    expect(restarted.log()).toMatch(/WAL replay completed/);
    // Everything scraped in the minute before the kill is back after the restart.
    expect(await count(restarted)).toBe(before);
  }, 120_000);

  it('drill: one Alertmanager killed, the next alert is still delivered exactly once', async () => {
    await stack.ams[0]!.stop('SIGKILL');
    sdkPush(
      stack,
      stack.pgs.map((p) => p.url),
      'm = BatchJobMetrics("e2e-am-down", urls, expected_interval=1)\nwith m.track_duration():\n    pass',
    );
    const hits = () =>
      stack.sink.received.filter(
        (r) =>
          r.path === '/slack' &&
          JSON.stringify(r.body).includes('[FIRING') &&
          JSON.stringify(r.body).includes('BatchJobNoRecentSuccess') &&
          JSON.stringify(r.body).includes('e2e-am-down'),
      );
    expect(await waitFor(() => hits().length >= 1, 90_000, 500)).toBe(true);
    await sleep(PEER_TIMEOUT_MS + 5_000);
    expect(hits()).toHaveLength(1);
  }, 150_000);

  it('drill: one PushGateway killed, the SDK push still succeeds and the metric still shows once', async () => {
    await stack.pgs[0]!.stop('SIGKILL');
    const out = sdkPush(
      stack,
      stack.pgs.map((p) => p.url),
      'm = BatchJobMetrics("e2e-pg-down", urls, budget=5)\nwith m.track_duration():\n    m.job_records_processed.labels(record_type="row").set(7)\nprint(m.last_push_ok, m.push_failures)',
    );
    const [ok, failures] = out.trim().split(' ');
    expect(ok).toBe('True');
    expect(Number(failures)).toBeGreaterThanOrEqual(1); // the dead replica was tried and counted
    let result: any[] = [];
    await waitFor(async () => {
      result = (await instant(stack.frontend!, 'gl_batch_job_records_processed{job="e2e-pg-down"}')).result;
      return result.length > 0;
    }, 20_000);
    expect(result.map((r) => r.value[1])).toEqual(['7']);
  }, 60_000);

  it('blocks reach the bucket from both sidecars and a store gateway serves them alone', async () => {
    // Blocks are cut after ~1.5x the local block duration (1m) and uploaded by the sidecars.
    const byReplica = () => new Set(bucketBlocks(stack.bucket).map((m) => m.thanos.labels.prometheus_replica));
    expect(await waitFor(() => byReplica().size === 2, 240_000, 2000)).toBe(true);
    const block = bucketBlocks(stack.bucket)[0]!;
    // A fresh store gateway pod (it loads the bucket's blocks as it starts) and one more pod of the
    // generated query whose endpoint lookups find only that store: whatever it answers comes from the bucket.
    const store = await stack.local.runExtra('StatefulSet', 'thanos-store', 'thanos-store-fresh', () => undefined);
    const grpc = store.pod.containers[0]!.ports.find((p) => p.name === 'grpc')!.containerPort;
    const onlyStore = (address: string) =>
      address.includes('thanos-store') ? [`${store.pod.ip}:${grpc}`] : /^dns(srv)?\+/.test(address) ? [] : undefined;
    const pod = await stack.local.runExtra('Deployment', 'thanos-query', 'thanos-query-stores-only', onlyStore);
    const q: Running = stack.client(pod, 'thanos-query', stack.tls.query);
    const mid = (block.minTime + block.maxTime) / 2000;
    let n = 0;
    await waitFor(
      async () => {
        // Any scrape: the first block may end before the self-scrape's first sample.
        n = (await instant(q, 'up', `&time=${mid}`)).result.length;
        return n > 0;
      },
      60_000,
      1000,
    );
    expect({ found: n > 0, store: n > 0 ? '' : store.log().slice(-3000) }).toEqual({ found: true, store: '' });
  }, 300_000);

  const DEFAULT_DATASOURCE = '(default)';
  /** Every panel query of every dashboard ConfigMap the API server holds, and the datasources' URLs by uid. */
  async function renderedDashboards(): Promise<{ panels: PanelQuery[]; datasources: Record<string, string> }> {
    const maps = await stack.local.generated.kube.list('v1', 'ConfigMap', stack.env.namespace);
    const datasources: Record<string, string> = {};
    const panels: PanelQuery[] = [];
    let byDefault = '';
    for (const cm of maps) {
      for (const [key, text] of Object.entries<string>(cm.data ?? {})) {
        if (key === 'datasources.yaml')
          for (const d of parse(text).datasources) {
            datasources[d.uid] = d.url;
            if (d.isDefault) byDefault = d.uid;
          }
        if (!key.endsWith('.json')) continue;
        const d = JSON.parse(text);
        // A datasource variable (the team's dashboards) starts at the default datasource, as in Grafana.
        const variables = new Set<string>(
          (d.templating?.list ?? []).filter((v: any) => v.type === 'datasource').map((v: any) => '${' + v.name + '}'),
        );
        for (const panel of d.panels ?? [])
          for (const t of panel.targets ?? []) {
            const uid = (t.datasource ?? panel.datasource)?.uid;
            panels.push({ where: `${d.uid}/${panel.title}`, datasource: variables.has(uid) ? DEFAULT_DATASOURCE : uid, expr: t.expr });
          }
      }
    }
    return { panels, datasources: { ...datasources, [DEFAULT_DATASOURCE]: datasources[byDefault]! } };
  }
  /** A panel query as Grafana sends it (template variables at "all"), to its datasource as resolved in the cluster. */
  async function runPanel(q: PanelQuery, datasources: Record<string, string>): Promise<number> {
    const url = stack.local.dns(stack.env.namespace).rewrite(datasources[q.datasource] ?? `no datasource ${q.datasource}`);
    const expr = withGrafanaVariables(q.expr);
    const res = await request(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, stack.tls.query);
    const body = JSON.parse(res.body);
    if (body.status !== 'success') throw new Error(`${q.where}: ${res.body.slice(0, 300)}`);
    return body.data.result.length;
  }

  // After the drills and the first uploads, so every panel has had its data (the last upload's age needs one).
  it('every metric a rule or a dashboard panel reads is in the running stack, or only a cluster has it', async () => {
    const { panels } = await renderedDashboards();
    expect(panels.length).toBeGreaterThan(10);
    const recorded = new Set(
      ruleAreas.flatMap((a) => a.groups.flatMap((g) => g.rules.filter((r) => !isAlert(r)).map((r: any) => r.record))),
    );
    const used = new Map<string, string[]>();
    // The Kubernetes area reads objects this stack does not have (pods, nodes, failed Jobs) and the API
    // server: test/e2e/cluster-health.test.ts audits it against the real exporters with such objects.
    const reads = [
      ...ruleAreas
        .filter((a) => a.area !== KUBERNETES_AREA)
        .flatMap((a) => a.groups.flatMap((g) => g.rules.map((r) => ({ where: isAlert(r) ? r.alert : r.record, expr: r.expr })))),
      ...panels,
    ];
    for (const { where, expr } of reads)
      for (const n of metricNames(withGrafanaVariables(expr))) if (!recorded.has(n)) used.set(n, [...(used.get(n) ?? []), where]);
    // Every panel's recording rule is defined; every exception is used (none stale).
    for (const n of panels.flatMap((p) => metricNames(withGrafanaVariables(p.expr))).filter((x) => x.includes(':')))
      expect({ n, defined: recorded.has(n) }).toEqual({ n, defined: true });
    for (const n of Object.keys(CLUSTER_ONLY_METRICS)) expect({ n, used: used.has(n) }).toEqual({ n, used: true });
    // A failed run too: error series exist only once a job has failed.
    sdkPush(
      stack,
      stack.pgs.map((p) => p.url),
      'bad = BatchJobMetrics("e2e-fail", urls, expected_interval=3600)\ntry:\n    with bad.track_duration():\n        raise ValueError("x")\nexcept ValueError:\n    pass',
    );
    let missing: string[] = [];
    await waitFor(
      async () => {
        const names = new Set<string>((await api(stack.frontend!, '/api/v1/label/__name__/values')) as string[]);
        missing = [...used.keys()].filter((n) => !names.has(n) && !(n in CLUSTER_ONLY_METRICS) && n !== 'up');
        return missing.length === 0;
      },
      30_000,
      2000,
    );
    expect(missing.map((n) => `${n} (read by ${used.get(n)!.join(', ')})`)).toEqual([]);
  });

  it('every panel of every rendered dashboard returns series through the datasource it names, except those only a cluster fills', async () => {
    const { panels, datasources } = await renderedDashboards();
    const clusterOnly = (q: PanelQuery) => metricNames(withGrafanaVariables(q.expr)).some((n) => n in CLUSTER_ONLY_METRICS);
    let empty: string[] = [];
    await waitFor(
      async () => {
        empty = [];
        for (const q of panels.filter((x) => !clusterOnly(x)))
          if ((await runPanel(q, datasources)) === 0) empty.push(`${q.where}: ${q.expr}`);
        return empty.length === 0;
      },
      60_000,
      5000,
    );
    expect(empty).toEqual([]);
    // The exceptions do need a cluster: here they are empty.
    for (const q of panels.filter(clusterOnly))
      expect({ panel: q.where, series: await runPanel(q, datasources) }).toEqual({ panel: q.where, series: 0 });
  }, 120_000);

  it('drill: bucket unwritable, then writable again: every block is uploaded after recovery', async () => {
    const moved = `${stack.bucket}.away`;
    fs.renameSync(stack.bucket, moved);
    fs.writeFileSync(stack.bucket, 'not a directory'); // as root, permissions would not stop writes; a file does
    // A failed existence check aborts the sync (dir_sync_failures); a failed upload counts itself.
    const failures = async () =>
      Number(
        (
          await instant(
            stack.proms[0]!,
            'sum(thanos_shipper_dir_sync_failures_total{job="thanos-sidecar"}) + sum(thanos_shipper_upload_failures_total{job="thanos-sidecar"})',
          )
        ).result[0]?.value[1] ?? 0,
      );
    const before = await failures();
    const promDir = stack.tsdbDirs[0]!;
    const blocksBefore = localBlocks(promDir).length;
    // A new block is cut while the bucket is broken, and its upload fails.
    expect(await waitFor(async () => localBlocks(promDir).length > blocksBefore && (await failures()) > before, 180_000, 2000)).toBe(true);
    fs.rmSync(stack.bucket);
    fs.renameSync(moved, stack.bucket);
    const uploaded = () =>
      new Set(
        bucketBlocks(stack.bucket)
          .filter((m) => m.thanos.labels.prometheus_replica.endsWith('-0'))
          .map((m) => m.ulid),
      );
    const missing = () => localBlocks(promDir).filter((u) => !uploaded().has(u));
    expect(await waitFor(() => missing().length === 0, 120_000, 2000)).toBe(true);
  }, 330_000);
  it('the Watchdog heartbeat arrives every repeat interval, and stops when Prometheus stops', async () => {
    // Locally the heartbeat route repeats every 10 s (its 1m capped like `for`), Prometheus re-sends every 2 s.
    const beats = () => stack.sink.received.filter((r) => r.path === '/heartbeat');
    const from = beats().length;
    await sleep(35_000);
    const seen = beats().slice(from);
    const gaps = seen.slice(1).map((b, i) => (b.at - seen[i]!.at) / 1000);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? NaN;
    expect({ count: seen.length >= 3, median: median > 7 && median < 14 }).toEqual({ count: true, median: true });
    // Every one is the Watchdog alone, firing.
    expect(seen.map((b) => [b.body.status, b.body.alerts.map((a: any) => a.labels.alertname)])).toEqual(
      seen.map(() => ['firing', ['Watchdog']]),
    );

    const pods = stack.local.podsOf('StatefulSet', 'prometheus-prometheus');
    await Promise.all(pods.map((p) => p.stop()));
    try {
      // The last alert Prometheus sent ends 4 resend intervals later (8 s); then nothing is sent, not even "resolved".
      await sleep(20_000);
      const quietFrom = beats().length;
      await sleep(25_000);
      expect(beats().slice(quietFrom)).toEqual([]);
    } finally {
      for (let i = 0; i < pods.length; i++) await stack.restartPrometheus(i);
    }
  }, 150_000);
});
