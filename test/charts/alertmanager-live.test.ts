/**
 * Two real Alertmanagers (pinned version) clustered on loopback, running the config rendered
 * for dev. Rewritten for the run: receiver endpoints point at a local sink (through the same
 * *_file mechanism the cluster uses), and group_wait/group_interval are shortened to 1s.
 * Proves: exactly one notification per receiver while both replicas get every alert, a
 * silence made with our CLI suppresses delivery on both replicas, and delivery survives the
 * loss of one replica.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { main as silenceCli } from '../../cli/silence.js';
import { freePort, useProcesses, type Running } from '../helpers/proc.js';
import { sleep, startSink, waitFor } from '../helpers/sink.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const rendered = manifestsOf(await synthesize([dev])).find(
  (m) => m.file.endsWith('/alertmanager/manifests.yaml') && m.manifest.kind === 'Secret',
)!;
const renderedConfig: string = (rendered.manifest as any).stringData['alertmanager.yaml'];

/** The rendered config with only endpoints and grouping delays changed. */
function localConfig(sinkUrl: string, dir: string): string {
  const cfg = parse(renderedConfig);
  const slackUrlFile = path.join(dir, 'slack-webhook-url');
  const pdKeyFile = path.join(dir, 'pagerduty-routing-key');
  fs.writeFileSync(slackUrlFile, `${sinkUrl}/slack`);
  fs.writeFileSync(pdKeyFile, 'test-routing-key');
  cfg.global.slack_api_url_file = slackUrlFile;
  for (const r of cfg.receivers) {
    for (const pd of r.pagerduty_configs ?? []) Object.assign(pd, { routing_key_file: pdKeyFile, url: `${sinkUrl}/pagerduty` });
  }
  Object.assign(cfg.route, { group_wait: '1s', group_interval: '1s' });
  return stringify(cfg);
}

const PEER_TIMEOUT_MS = 15_000; // Alertmanager's default --cluster.peer-timeout, as deployed

describe('Alertmanager pair on loopback with the rendered config', () => {
  const procs = useProcesses();
  let sink: Awaited<ReturnType<typeof startSink>>;
  let ams: Running[] = [];

  beforeAll(async () => {
    sink = await startSink();
    const dir = tempDir('am-live');
    const configFile = path.join(dir, 'alertmanager.yaml');
    fs.writeFileSync(configFile, localConfig(sink.url, dir));
    const mesh = [await freePort(), await freePort()];
    ams = await Promise.all(
      mesh.map((own, i) =>
        procs.start({
          tool: 'alertmanager',
          args: ({ port, dir: own_dir }) => [
            `--config.file=${configFile}`,
            `--storage.path=${own_dir}/data`,
            `--web.listen-address=127.0.0.1:${port}`,
            `--cluster.listen-address=127.0.0.1:${own}`,
            `--cluster.peer=127.0.0.1:${mesh[1 - i]}`,
          ],
        }),
      ),
    );
    const meshed = await waitFor(async () => {
      const peers = await Promise.all(
        ams.map(async (a) => ((await (await fetch(`${a.url}/api/v2/status`)).json()) as any).cluster.peers.length),
      );
      return peers.every((n) => n === 2);
    }, 30_000);
    expect(meshed).toBe(true);
  }, 60_000);
  afterAll(async () => sink?.close());

  /** What Prometheus does: the same alert to every replica. */
  async function fire(targets: Running[], labels: Record<string, string>) {
    const alert = [
      { labels, annotations: { summary: `${labels.alertname} test`, description: 'd', runbook_url: 'https://example.invalid/rb' } },
    ];
    for (const am of targets) {
      const res = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alert),
      });
      expect(res.status).toBe(200);
    }
  }
  const deliveries = (alertname: string) => ({
    slack: sink.received.filter((r) => r.path === '/slack' && JSON.stringify(r.body).includes(alertname)),
    pagerduty: sink.received.filter((r) => r.path === '/pagerduty' && JSON.stringify(r.body).includes(alertname)),
  });

  it('inhibits each warning its critical source explains, and only while they agree on the equal labels', async () => {
    const cfg = parse(renderedConfig);
    expect(cfg.inhibit_rules.length).toBeGreaterThan(0);
    const name = (m: string[]) => /^alertname="(.+)"$/.exec(m[0]!)![1]!;
    for (const [i, rule] of (cfg.inhibit_rules as any[]).entries()) {
      const common = Object.fromEntries(rule.equal.map((l: string) => [l, `v${i}`]));
      await fire(ams, { alertname: name(rule.source_matchers), severity: 'critical', ...common });
      await fire(ams, { alertname: name(rule.target_matchers), severity: 'warning', ...common });
      // The same warning about something else (one equal label differs) stays active.
      await fire(ams, { alertname: name(rule.target_matchers), severity: 'warning', ...common, [rule.equal.at(-1)]: 'other' });
    }
    const states = async () =>
      ((await (await fetch(`${ams[0]!.url}/api/v2/alerts`)).json()) as any[]).map((a) => ({
        alertname: a.labels.alertname,
        other: Object.values(a.labels).includes('other'),
        state: a.status.state,
      }));
    const want = (cfg.inhibit_rules as any[]).flatMap((rule) => [
      { alertname: name(rule.source_matchers), other: false, state: 'active' },
      { alertname: name(rule.target_matchers), other: false, state: 'suppressed' },
      { alertname: name(rule.target_matchers), other: true, state: 'active' },
    ]);
    const key = (x: { alertname: string; other: boolean }) => `${x.alertname}/${x.other}`;
    let got: any[] = [];
    const ok = await waitFor(async () => {
      got = (await states()).filter((s) => want.some((w) => key(w) === key(s)));
      return got.length === want.length && want.every((w) => got.some((g) => key(g) === key(w) && g.state === w.state));
    }, 15_000);
    expect({ ok, got: got.sort((a, b) => key(a).localeCompare(key(b))) }).toEqual({
      ok: true,
      got: want.sort((a, b) => key(a).localeCompare(key(b))),
    });
  }, 60_000);

  it('delivers a critical alert sent to both replicas exactly once per receiver; a CLI silence suppresses another on both', async () => {
    const lines: string[] = [];
    const code = await silenceCli(
      [
        'add',
        '--alertmanager',
        ams[0]!.url,
        '--matcher',
        'alertname="SilencedByCli"',
        '--duration',
        '1h',
        '--comment',
        'e2e test',
        '--author',
        'jest',
      ],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    const silenceId = lines[0]!;
    // The silence reaches the other replica over the mesh before anything is sent there.
    expect(
      await waitFor(async () => JSON.stringify(await (await fetch(`${ams[1]!.url}/api/v2/silences`)).json()).includes(silenceId), 10_000),
    ).toBe(true);

    await fire(ams, { alertname: 'PairDeliveryTest', severity: 'critical', cluster: 'greenlang-dev', service: 'api' });
    await fire(ams, { alertname: 'SilencedByCli', severity: 'warning', cluster: 'greenlang-dev', service: 'api' });

    expect(
      await waitFor(() => deliveries('PairDeliveryTest').slack.length >= 1 && deliveries('PairDeliveryTest').pagerduty.length >= 1, 30_000),
    ).toBe(true);
    await sleep(PEER_TIMEOUT_MS + 5_000); // the second replica's turn has passed: a duplicate would be here now

    const d = deliveries('PairDeliveryTest');
    expect(d.pagerduty).toHaveLength(1);
    expect(d.slack).toHaveLength(1);
    expect(d.slack[0]!.body.channel).toBe(dev.alertmanager.slack.criticalChannel);
    expect(d.pagerduty[0]!.body.routing_key).toBe('test-routing-key');
    expect(deliveries('SilencedByCli')).toEqual({ slack: [], pagerduty: [] });

    const listed: string[] = [];
    await silenceCli(['list', '--alertmanager', ams[1]!.url], (l) => listed.push(l));
    expect(listed.join('\n')).toContain(silenceId);
  }, 120_000);

  it('still delivers exactly once after one replica is killed', async () => {
    await ams[0]!.stop('SIGKILL');
    await fire([ams[1]!], { alertname: 'AfterReplicaLoss', severity: 'warning', cluster: 'greenlang-dev', service: 'api' });
    expect(await waitFor(() => deliveries('AfterReplicaLoss').slack.length >= 1, PEER_TIMEOUT_MS + 20_000)).toBe(true);
    await sleep(5_000);
    const d = deliveries('AfterReplicaLoss');
    expect(d.slack).toHaveLength(1);
    expect(d.slack[0]!.body.channel).toBe(dev.alertmanager.slack.warningChannel);
    expect(d.pagerduty).toHaveLength(0);
  }, 60_000);
});
