/** The rendered Alertmanager: real amtool checks of the config, every route proven, HA shape. */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { alertmanagerConfig, CREDENTIAL_KEYS, RECEIVERS } from '../../charts/alertmanager-config.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { runTool } from '../helpers/bin.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));

/** The config exactly as rendered into dist for one env/cluster. */
function renderedConfig(env: string, cluster: string): string {
  const secret = all.find((m) => m.file === `${env}/${cluster}/alertmanager/manifests.yaml` && m.manifest.kind === 'Secret')!
    .manifest as Manifest & {
    stringData: Record<string, string>;
  };
  return secret.stringData['alertmanager.yaml']!;
}

const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

describe.each(targets)('Alertmanager config of $label', ({ env, cluster }) => {
  const file = path.join(tempDir('am'), 'alertmanager.yaml');
  fs.writeFileSync(file, renderedConfig(env.name, cluster.name));
  const routes = (...labels: string[]) => runTool('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels]);

  it('passes amtool check-config', () => {
    const r = runTool('amtool', ['check-config', file]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it.each([
    [['severity=critical', 'alertname=PrometheusDown', 'cluster=c'], `${RECEIVERS.pagerduty},${RECEIVERS.slackCritical}`],
    [['severity=warning', 'alertname=PrometheusDown', 'cluster=c'], RECEIVERS.slackWarning],
    [['severity=none', 'alertname=Watchdog', 'cluster=c'], RECEIVERS.heartbeat],
    [['severity=critical', 'alertname=Watchdog', 'cluster=c'], RECEIVERS.heartbeat],
    [['severity=info', 'alertname=SomethingInformational'], RECEIVERS.default],
    [['alertname=NoSeverity'], RECEIVERS.default],
  ])('routes %j to %s (amtool config routes test)', (labels, receivers) => {
    const r = routes(`--verify.receivers=${receivers}`, ...labels);
    expect(r.out.trim()).toBe(receivers);
    expect(r.code).toBe(0);
  });

  it('sends critical alerts to the channel and warnings to the warning channel', () => {
    const cfg = parse(renderedConfig(env.name, cluster.name));
    const channel = (name: string) => cfg.receivers.find((r: any) => r.name === name).slack_configs[0].channel;
    expect(channel(RECEIVERS.slackCritical)).toBe('#greenlang-alerts');
    expect(channel(RECEIVERS.slackWarning)).toBe('#greenlang-alerts-warning');
    expect(channel(RECEIVERS.default)).toBe('#greenlang-alerts');
    expect(cfg.route.group_by).toEqual(['alertname', 'cluster', 'service']);
    expect([cfg.route.group_wait, cfg.route.group_interval, cfg.route.repeat_interval]).toEqual(['30s', '5m', '4h']);
  });

  it('a critical alert inhibits the warning of the same alertname and cluster only', () => {
    const cfg = parse(renderedConfig(env.name, cluster.name));
    expect(cfg.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'cluster'] },
    ]);
  });

  it('carries no credential: every secret is a *_file into the mounted credentials Secret', () => {
    const text = renderedConfig(env.name, cluster.name);
    expect(text).not.toMatch(/hooks\.slack\.com|api_url:|routing_key:|service_key:|auth_password:/);
    const files = [...text.matchAll(/_file: (\S+)/g)].map((m) => m[1]);
    expect(files.sort()).toEqual(
      [CREDENTIAL_KEYS.pagerdutyRoutingKey, CREDENTIAL_KEYS.slackWebhookUrl, CREDENTIAL_KEYS.heartbeatUrl]
        .map((k) => `/etc/alertmanager/secrets/${env.alertmanager.credentialsSecret}/${k}`)
        .sort(),
    );
    const cr = all.find((m) => m.file.startsWith(`${env.name}/${cluster.name}/alertmanager/`) && m.manifest.kind === 'Alertmanager')!
      .manifest as any;
    expect(cr.spec.secrets).toEqual([env.alertmanager.credentialsSecret]);
  });
});

it('amtool rejects a broken config (the check can fail)', () => {
  const broken = alertmanagerConfig(envs[0]!);
  broken.route.routes![0]!.receiver = 'nobody';
  const file = path.join(tempDir('am'), 'broken.yaml');
  fs.writeFileSync(file, stringify(broken));
  const r = runTool('amtool', ['check-config', file]);
  expect(r.code).not.toBe(0);
  expect(r.out).toContain('undefined receiver "nobody"');
});

describe.each(targets)('Alertmanager HA in $label', ({ env, cluster }) => {
  const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/`)).map((m) => m.manifest as any);
  const cr = ms.find((m) => m.kind === 'Alertmanager');

  it('runs the configured replicas with a PDB and hostname anti-affinity over its pods', () => {
    expect(cr.spec.replicas).toBe(env.alertmanager.replicas);
    const pods = { alertmanager: cr.metadata.name };
    const pdbs = ms.filter((m) => m.kind === 'PodDisruptionBudget' && m.spec.selector.matchLabels.alertmanager === cr.metadata.name);
    expect(pdbs).toHaveLength(1);
    expect(cr.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]).toEqual({
      labelSelector: { matchLabels: pods },
      topologyKey: 'kubernetes.io/hostname',
    });
  });

  it('Prometheus and the ruler reach it through the headless operator Service, and drop their replica labels', () => {
    const prom = ms.find((m) => m.kind === 'Prometheus');
    expect(prom.spec.alerting.alertmanagers[0].name).toBe('alertmanager-operated');
    expect(prom.spec.replicaExternalLabelName).toBe('prometheus_replica'); // the operator labeldrops it from alerts
    const ruler = ms.find((m) => m.kind === 'ThanosRuler');
    expect(ruler.spec.alertDropLabels).toEqual(['thanos_ruler_replica']);
  });

  it('keeps the API inside the cluster (ClusterIP only)', () => {
    const svcs = ms.filter((m) => m.kind === 'Service' && m.metadata.name.startsWith('alertmanager'));
    expect(svcs.map((s) => s.spec.type)).toEqual(['ClusterIP']);
  });
});
