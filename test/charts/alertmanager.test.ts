/** The rendered Alertmanager: real amtool checks of the config, every route proven, HA shape. */
import fs from 'node:fs';
import path from 'node:path';

import { isAlert } from '../../charts/rules/types.js';
import { parse, stringify } from 'yaml';
import { alertmanagerConfig, CREDENTIAL_KEYS, INHIBITIONS, RECEIVERS } from '../../charts/alertmanager-config.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { type Manifest } from '../../lib/synth.js';
import { ruleAreas, synthesize } from '../../charts/index.js';
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

  it('renders every inhibition, and each one can fire: both alerts exist, the source is the graver, and both carry every label they must agree on', () => {
    const cfg = parse(renderedConfig(env.name, cluster.name));
    expect(cfg.inhibit_rules.length).toBe(INHIBITIONS.length);
    const alerts = ruleAreas.flatMap((a) => a.groups.flatMap((g) => g.rules.filter(isAlert)));
    const rank = { critical: 2, warning: 1, info: 0, none: -1 } as const;
    for (const rule of cfg.inhibit_rules) {
      const name = (m: string[]) => /^alertname="(.+)"$/.exec(m[0]!)![1]!;
      const [source, target] = [name(rule.source_matchers), name(rule.target_matchers)];
      const of = (n: string) => alerts.filter((a) => a.alert === n);
      expect({ source, target, exist: of(source).length > 0 && of(target).length > 0 }).toEqual({ source, target, exist: true });
      for (const s of of(source)) for (const t of of(target)) expect(rank[s.severity]).toBeGreaterThan(rank[t.severity]);
      for (const label of rule.equal.filter((l: string) => l !== 'cluster')) {
        for (const a of [...of(source), ...of(target)])
          expect({ alert: a.alert, label, kept: keepsLabel(a.expr, label) }).toEqual({ alert: a.alert, label, kept: true });
      }
    }
    // `cluster` is every alert's external label.
    expect(env.clusters.length).toBeGreaterThan(0);
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

/**
 * Whether an alert's series keep `label`: every aggregation in the expression either groups by
 * it or leaves it (without), and some selector or grouping names it, or the expression does not
 * aggregate at all (the selected series keep their target labels).
 */
function keepsLabel(expr: string, label: string): boolean {
  const groups = [...expr.matchAll(/\b(?:sum|max|min|count|avg|topk|bottomk|quantile)\s+(by|without)\s*\(([^)]*)\)/g)];
  return groups.every(([, how, list]) => {
    const names = list!.split(',').map((x) => x.trim());
    return how === 'by' ? names.includes(label) : !names.includes(label);
  });
}
