/**
 * The rendered manifests of one environment and cluster, turned into what the real binaries
 * need on loopback. What the operator would generate from our CRs (Prometheus, Alertmanager and
 * ThanosRuler flags, scrape configs from ServiceMonitors) is derived here from the same fields;
 * for our own Deployments and StatefulSets the rendered args are used and only addresses and
 * paths are rewritten. Pure functions: no processes, no files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import type { Manifest } from '../../lib/synth.js';
import { parseDuration } from '../../lib/units.js';

export type Rendered = Manifest & { spec?: any; stringData?: Record<string, string>; data?: Record<string, string> };

/** The objects of a rendered manifests.yaml. */
export function parseManifests(yaml: string): Rendered[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Rendered | null)
    .filter((m): m is Rendered => !!m);
}

export function find(rendered: readonly Rendered[], kind: string, name?: string): Rendered {
  const m = rendered.find((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  if (!m) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in the rendered manifests`);
  return m;
}

/** Container args of a rendered Deployment, StatefulSet or DaemonSet. */
export function containerOf(
  rendered: readonly Rendered[],
  name: string,
): { args: string[]; env: any[]; volumeMounts: any[]; volumes: any[] } {
  const w = rendered.find((r) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(r.kind) && r.metadata.name === name);
  if (!w) throw new Error(`no workload ${name} in the rendered manifests`);
  const pod = w.spec.template.spec;
  const c = pod.containers[0];
  return { args: c.args ?? [], env: c.env ?? [], volumeMounts: c.volumeMounts ?? [], volumes: pod.volumes ?? [] };
}

/** Content of a file a rendered workload mounts from a ConfigMap or Secret in the same manifests. */
export function mountedFile(rendered: readonly Rendered[], workload: string, file: string): string {
  const c = containerOf(rendered, workload);
  const m = c.volumeMounts.find((v: any) => file.startsWith(`${v.mountPath}/`));
  if (!m) throw new Error(`${workload} mounts nothing at ${file}`);
  const key = file.slice(m.mountPath.length + 1);
  const vol = c.volumes.find((v: any) => v.name === m.name);
  const ref = vol?.configMap?.name ?? vol?.secret?.secretName;
  const kind = vol?.configMap ? 'ConfigMap' : 'Secret';
  const obj = rendered.find((r) => r.kind === kind && r.metadata.name === ref);
  const content = obj?.data?.[key] ?? obj?.stringData?.[key];
  if (content === undefined)
    throw new Error(`${workload}: ${file} comes from ${kind} ${ref}, which is not rendered here (or has no key ${key})`);
  return content;
}

/** A local target: what a Service's endpoint would resolve to. */
export interface LocalTarget {
  readonly address: string;
  readonly pod: string;
}

export interface LocalScrapeAuth {
  /** Secret name -> key -> local file holding that value. */
  readonly secretFiles: Record<string, Record<string, string>>;
}

export interface ScrapeJobs {
  readonly scrapeConfigs: Record<string, unknown>[];
  /** Monitors that select nothing that runs locally, with the reason. */
  readonly skipped: string[];
}

/**
 * Scrape configs equivalent to what the operator generates from the rendered ServiceMonitors,
 * for the services that run locally: same job label (the Service name), honor_labels, path,
 * scheme, basic auth and interval; kubernetes_sd is replaced by the local targets.
 */
export function scrapeJobsFromMonitors(
  rendered: readonly Rendered[],
  targets: Readonly<Record<string, readonly LocalTarget[]>>,
  auth: LocalScrapeAuth,
  interval?: string,
): ScrapeJobs {
  const scrapeConfigs: Record<string, unknown>[] = [];
  const skipped: string[] = [];
  for (const sm of rendered.filter((r) => r.kind === 'ServiceMonitor')) {
    const service = sm.spec.selector?.matchLabels?.['app.kubernetes.io/name'] as string | undefined;
    const local = service ? targets[service] : undefined;
    if (!local || local.length === 0) {
      skipped.push(
        `${sm.metadata.namespace}/${sm.metadata.name}: selects ${service ?? JSON.stringify(sm.spec.selector)}, which needs a Kubernetes cluster`,
      );
      continue;
    }
    sm.spec.endpoints.forEach((ep: any, i: number) => {
      const basicAuth = ep.basicAuth
        ? { username_file: secretFile(auth, ep.basicAuth.username), password_file: secretFile(auth, ep.basicAuth.password) }
        : undefined;
      const scheme = ep.scheme ?? 'http';
      scrapeConfigs.push({
        job_name: `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/${i}`,
        honor_labels: ep.honorLabels ?? false,
        scrape_interval: interval ?? ep.interval,
        metrics_path: ep.path ?? '/metrics',
        scheme,
        ...(basicAuth ? { basic_auth: basicAuth } : {}),
        ...(ep.tlsConfig ? { tls_config: tlsConfigFiles(ep.tlsConfig, auth.secretFiles) } : {}),
        // What Kubernetes SD would attach to each endpoint, then the operator's own target
        // labels, then the monitor's relabelings as rendered.
        static_configs: local.map((t) => ({
          targets: [t.address],
          labels: {
            __meta_kubernetes_namespace: sm.metadata.namespace,
            __meta_kubernetes_service_name: service,
            __meta_kubernetes_pod_name: t.pod,
          },
        })),
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          { target_label: 'endpoint', replacement: String(ep.port ?? ep.targetPort) },
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' },
          ...(ep.relabelings ?? []).map(snakeRelabel),
        ],
        ...(ep.metricRelabelings?.length ? { metric_relabel_configs: ep.metricRelabelings.map(snakeRelabel) } : {}),
      });
    });
  }
  return { scrapeConfigs, skipped };
}

function secretFile(auth: LocalScrapeAuth, sel: { name: string; key: string }): string {
  const f = auth.secretFiles[sel.name]?.[sel.key];
  if (!f) throw new Error(`no local file for secret ${sel.name} key ${sel.key}`);
  return f;
}

/** A SafeTLSConfig (secret references) as Prometheus tls_config with local files. */
export function tlsConfigFiles(t: any, secretFiles: LocalScrapeAuth['secretFiles']): Record<string, unknown> {
  const file = (sel: { name: string; key: string }) => secretFile({ secretFiles }, sel);
  return {
    ...(t.ca?.secret ? { ca_file: file(t.ca.secret) } : {}),
    ...(t.cert?.secret ? { cert_file: file(t.cert.secret) } : {}),
    ...(t.keySecret ? { key_file: file(t.keySecret) } : {}),
    ...(t.serverName ? { server_name: t.serverName } : {}),
  };
}

function snakeRelabel(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r))
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = k === 'action' ? String(v).toLowerCase() : v;
  return out;
}

/**
 * The rule groups each evaluator loads, selected as the rendered CRs select them, with every
 * `for` capped at `maxFor` so a local run sees alerts fire in seconds (rules otherwise as rendered).
 */
export function ruleGroups(rendered: readonly Rendered[], evaluator: 'prometheus' | 'thanos-ruler', maxFor?: string): unknown[] {
  const cap = maxFor ? parseDuration(maxFor)! : Infinity;
  return rendered
    .filter((r) => r.kind === 'PrometheusRule')
    .filter((r) => ((r.metadata as any).labels?.[RULE_EVALUATOR_LABEL] === THANOS_RULER_EVALUATOR) === (evaluator === 'thanos-ruler'))
    .flatMap((r) => r.spec.groups)
    .map((g: any) => ({
      ...g,
      rules: g.rules.map((rule: any) => (rule.for && parseDuration(rule.for)! > cap ? { ...rule, for: maxFor } : rule)),
    }));
}

/**
 * The storage and web flags the operator derives from a Prometheus CR (block duration: 2h as the
 * operator sets it when a sidecar uploads, or shorter for local runs).
 */
export function prometheusFlags(cr: Rendered, opts: { dataDir: string; listen: string; blockDuration?: string }): string[] {
  const block = opts.blockDuration ?? '2h';
  return [
    `--storage.tsdb.path=${opts.dataDir}`,
    `--storage.tsdb.retention.time=${cr.spec.retention}`,
    ...(cr.spec.retentionSize ? [`--storage.tsdb.retention.size=${cr.spec.retentionSize}`] : []),
    `--storage.tsdb.min-block-duration=${block}`,
    `--storage.tsdb.max-block-duration=${block}`,
    ...(cr.spec.query?.maxConcurrency ? [`--query.max-concurrency=${cr.spec.query.maxConcurrency}`] : []),
    ...(cr.spec.query?.timeout ? [`--query.timeout=${cr.spec.query.timeout}`] : []),
    ...(cr.spec.query?.maxSamples ? [`--query.max-samples=${cr.spec.query.maxSamples}`] : []),
    ...(cr.spec.additionalArgs ?? []).map((a: { name: string; value?: string }) =>
      a.value === undefined ? `--${a.name}` : `--${a.name}=${a.value}`,
    ),
    `--web.listen-address=${opts.listen}`,
    '--web.enable-lifecycle',
    '--web.route-prefix=/',
  ];
}

/** The web config the operator writes for a CR's spec.web.tlsConfig, with local certificate files. */
export function operatorWebConfig(certDir: string): string {
  return stringify({ tls_server_config: { cert_file: `${certDir}/tls.crt`, key_file: `${certDir}/tls.key` } });
}

/** The gRPC server TLS flags the operator derives from a CR's grpcServerTlsConfig, with local files. */
export function grpcServerTlsFlags(tls: { certFile?: string; keyFile?: string; caFile?: string } | undefined, certDir: string): string[] {
  const local = (f: string) => path.join(certDir, path.basename(f));
  return [
    ...(tls?.certFile ? [`--grpc-server-tls-cert=${local(tls.certFile)}`] : []),
    ...(tls?.keyFile ? [`--grpc-server-tls-key=${local(tls.keyFile)}`] : []),
    ...(tls?.caFile ? [`--grpc-server-tls-client-ca=${local(tls.caFile)}`] : []),
  ];
}

/** The sidecar the operator adds for spec.thanos: local Prometheus, its TSDB, optional bucket, server TLS. */
export function sidecarArgs(
  cr: Rendered,
  o: { prometheus: { url: string; tls?: unknown }; tsdbPath: string; grpc: string; http: string; objstore?: string; certDir: string },
): string[] {
  return [
    'sidecar',
    `--prometheus.url=${o.prometheus.url}`,
    // As the operator configures it for a Prometheus with web TLS: localhost, not verified.
    ...(o.prometheus.tls ? ['--prometheus.http-client=tls_config: {insecure_skip_verify: true}'] : []),
    `--tsdb.path=${o.tsdbPath}`,
    `--grpc-address=${o.grpc}`,
    `--http-address=${o.http}`,
    ...(o.objstore ? [`--objstore.config-file=${o.objstore}`] : []),
    ...grpcServerTlsFlags(cr.spec.thanos?.grpcServerTlsConfig, o.certDir),
  ];
}

/** A web config rendered as an ExternalSecret template, filled with local credentials. */
export function fillAuthTemplate(template: string, username: string, bcryptHash: string): string {
  return template.replace('{{ .username }}', username).replace('{{ index . "password-bcrypt" }}', bcryptHash);
}

/** The external labels the operator gives replica `i` of a Prometheus CR. */
export function prometheusExternalLabels(cr: Rendered, i: number): Record<string, string> {
  const replicaLabel = cr.spec.replicaExternalLabelName ?? 'prometheus_replica';
  return {
    ...cr.spec.externalLabels,
    prometheus: `${cr.metadata.namespace}/${cr.metadata.name}`,
    [replicaLabel]: `prometheus-${cr.metadata.name}-${i}`,
  };
}

/**
 * The Alertmanager config as rendered, with receiver endpoints pointed at a local sink through
 * the same *_file mechanism the cluster uses, and grouping delays shortened to 1s.
 */
export function localAlertmanagerConfig(
  rendered: readonly Rendered[],
  sinkUrl: string,
  files: { slackUrl: string; pagerdutyKey: string },
): string {
  const secret = rendered.find((r) => r.kind === 'Secret' && r.stringData?.['alertmanager.yaml']);
  if (!secret) throw new Error('no rendered Alertmanager config Secret');
  const cfg = parse(secret.stringData!['alertmanager.yaml']!);
  fs.writeFileSync(files.slackUrl, `${sinkUrl}/slack`);
  fs.writeFileSync(files.pagerdutyKey, 'preview-routing-key');
  cfg.global.slack_api_url_file = files.slackUrl;
  for (const r of cfg.receivers) {
    for (const pd of r.pagerduty_configs ?? []) Object.assign(pd, { routing_key_file: files.pagerdutyKey, url: `${sinkUrl}/pagerduty` });
    for (const em of r.email_configs ?? []) Object.assign(em, { smarthost: '127.0.0.1:1', require_tls: false });
  }
  Object.assign(cfg.route, { group_wait: '1s', group_interval: '1s' });
  return stringify(cfg);
}

/** Rendered args with the mounted host paths replaced by the host paths they mount (node-exporter). */
export function hostPathArgs(c: ReturnType<typeof containerOf>, listen: string): string[] {
  const mounts = c.volumeMounts
    .map((m: any) => ({
      from: m.mountPath as string,
      to: c.volumes.find((v: any) => v.name === m.name)?.hostPath?.path as string | undefined,
    }))
    .filter((m): m is { from: string; to: string } => !!m.to)
    .sort((a, b) => b.from.length - a.from.length);
  return c.args.map((a) => {
    if (a.startsWith('--web.listen-address=')) return `--web.listen-address=${listen}`;
    for (const m of mounts)
      if (a.includes(`=${m.from}`)) return a.replace(`=${m.from}`, `=${m.to === '/' ? '' : m.to}`).replace(/=$/, '=/');
    return a;
  });
}
