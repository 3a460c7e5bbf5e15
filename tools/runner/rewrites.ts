/**
 * Every change the local runner makes to what the operator generated and dist renders, one named
 * function each (test/tools/runner/rewrites.test.ts). They touch addresses, paths, service
 * discovery, the bucket and receiver endpoints only; configuration itself (flags, relabelling,
 * rule selection) is never derived here. forLocalTime is the one change to dist's objects, made
 * before the operator sees them, so the operator generates the shorter intervals itself.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import { isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import type { Manifest } from '../../lib/synth.js';
import { parseDuration } from '../../lib/units.js';
import { staticDiscovery, type Discovered } from './discovery.js';
import type { Resolver } from './network.js';

/** The kubelet's `$(VAR)` expansion of command, args and env values (`$$` escapes; unknown names stay). */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => (m === '$$' ? '$' : name! in env ? env[name!]! : m));
}

export interface Mount {
  /** Path in the container. */
  readonly path: string;
  /** Where its content is on this machine. */
  readonly local: string;
}

/**
 * Absolute paths under a container mount pointed at the mount's local copy (longest mount
 * first). A glob whose fixed part is an ancestor of mounts (`/etc/thanos/rules/*\/*.yaml` over
 * one mount per rule ConfigMap) goes to `root`, where each mount is linked at its own path.
 */
export function rebasePaths(text: string, mounts: readonly Mount[], root?: string): string {
  if (mounts.length === 0) return text;
  const sorted = [...mounts].sort((a, b) => b.path.length - a.path.length);
  const alt = sorted.map((m) => m.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const under = text.replace(new RegExp(`(?<![\\w./-])(${alt})(?=/|$|[^\\w.-])`, 'g'), (p) => sorted.find((m) => m.path === p)!.local);
  if (!root) return under;
  return under.replace(/(?<![\w./-])(\/[^\s"'=,*]*)\/[^\s"'=,/]*\*[^\s"'=,]*/g, (whole, fixed: string) =>
    fixed.split('/').length > 2 && sorted.some((m) => m.path.startsWith(`${fixed}/`)) ? path.join(root, whole) : whole,
  );
}

/**
 * A container's listen and loopback addresses bound to its pod's address: `:9090`,
 * `0.0.0.0:9090`, `[::]:9090`, `localhost:9090` and `127.0.0.1:9090` become `<ip>:9090` (the
 * pod's containers share a network namespace, so localhost is the pod).
 */
export function bindToPod(text: string, ip: string): string {
  return text
    .replace(/(^|[=\s/"'])(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::\])(?=:\d)/g, `$1${ip}`)
    .replace(/(^|[=\s"'])(?=:\d+\b)/g, `$1${ip}`);
}

/**
 * Listen flags whose default binds every interface, per binary (and Thanos subcommand): in a pod
 * that is the pod's own network namespace; here the flag is set to the pod's address instead.
 */
const LISTEN_DEFAULTS: Readonly<Record<string, readonly (readonly [flag: string, port: number | null])[]>> = {
  prometheus: [['--web.listen-address', 9090]],
  alertmanager: [
    ['--web.listen-address', 9093],
    ['--cluster.listen-address', 9094],
  ],
  pushgateway: [['--web.listen-address', 9091]],
  node_exporter: [['--web.listen-address', 9100]],
  blackbox_exporter: [['--web.listen-address', 9115]],
  // Host flags without a port (the ports are flags of their own).
  'kube-state-metrics': [
    ['--host', null],
    ['--telemetry-host', null],
  ],
  'prometheus-config-reloader': [['--listen-address', 8080]],
  // The SDK stand-in service (tools/preview/greenlang_service.py, SDK_SERVICE_PORT).
  python: [['--listen-address', 8000]],
  'thanos sidecar': [
    ['--http-address', 10902],
    ['--grpc-address', 10901],
  ],
  'thanos query': [
    ['--http-address', 10902],
    ['--grpc-address', 10901],
  ],
  'thanos store': [
    ['--http-address', 10902],
    ['--grpc-address', 10901],
  ],
  'thanos rule': [
    ['--http-address', 10902],
    ['--grpc-address', 10901],
  ],
  'thanos query-frontend': [['--http-address', 10902]],
  'thanos compact': [['--http-address', 10902]],
};

/** Listen flags a container leaves at their all-interfaces default, set to the pod's address. */
export function listenDefaults(tool: string, args: readonly string[], ip: string): string[] {
  const key = tool === 'thanos' ? `thanos ${args[0]}` : tool;
  const defaults = LISTEN_DEFAULTS[key];
  if (!defaults) throw new Error(`the local runner does not know the listen flags of ${key}`);
  const has = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  return [...args, ...defaults.filter(([flag]) => !has(flag)).map(([flag, port]) => `${flag}=${port === null ? ip : `${ip}:${port}`}`)];
}

const SRV_OR_DNS = /^(dnssrv\+|dns\+)/;
/** Keys whose value names a certificate identity, never an address to resolve. */
const IDENTITY_KEYS = new Set(['server_name', 'serverName']);

/**
 * Cluster DNS names in a parsed YAML value replaced by local addresses: list entries (strings or
 * `{address: ...}`) that are `dnssrv+`/`dns+` names become one entry per endpoint, other names one
 * address each; TLS server names are kept, so certificates are still verified against them.
 */
export function resolveInYaml(value: unknown, dns: Resolver): unknown {
  const expand = (entry: unknown): unknown[] => {
    if (typeof entry === 'string' && SRV_OR_DNS.test(entry)) return dns.endpoints(entry) ?? [];
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && typeof (entry as any).address === 'string') {
      const a = (entry as any).address as string;
      if (SRV_OR_DNS.test(a)) return (dns.endpoints(a) ?? []).map((address) => ({ ...(entry as object), address }));
    }
    return [resolveInYaml(entry, dns)];
  };
  if (Array.isArray(value)) return value.flatMap(expand);
  if (typeof value === 'string') return dns.rewrite(value);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, IDENTITY_KEYS.has(k) ? v : resolveInYaml(v, dns)]));
  return value;
}

/** Object storage config (S3, GCS, ...) as a FILESYSTEM bucket: the directory named like the bucket under `root`; other YAML unchanged. */
export function localBucket<T>(config: T, root: string): T {
  const c = config as any;
  if (c && typeof c === 'object' && typeof c.type === 'string' && c.config && /^(s3|gcs|azure|swift|cos|oss|bos)$/i.test(c.type)) {
    const name = String(c.config.bucket ?? c.config.container ?? 'bucket');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      throw new Error(`objstore config: bucket name ${JSON.stringify(name)} is not a plain name`);
    return { type: 'FILESYSTEM', config: { directory: path.join(root, name) } } as T;
  }
  return config;
}

/**
 * An Alertmanager config's receivers pointed at a local sink: PagerDuty, Slack and webhook URLs
 * to `<sink>/<integration>`, email to an address that refuses (no SMTP server here). Routing,
 * grouping and templates are untouched.
 */
export function localReceivers<T>(config: T, sink: string): T {
  const c = structuredClone(config) as any;
  if (!c?.receivers || !c.route) return config;
  for (const r of c.receivers) {
    for (const x of r.pagerduty_configs ?? []) x.url = `${sink}/pagerduty`;
    for (const x of r.slack_configs ?? []) if (x.api_url) x.api_url = `${sink}/slack`;
    for (const x of r.webhook_configs ?? []) if (x.url) x.url = `${sink}/webhook`;
    for (const x of r.email_configs ?? []) Object.assign(x, { smarthost: '127.0.0.1:1', require_tls: false });
  }
  if (c.global?.slack_api_url) c.global.slack_api_url = `${sink}/slack`;
  return c;
}

export interface FileContext {
  readonly mounts: readonly Mount[];
  /** The pod's file tree: each mount linked at its path (for globs over several mounts). */
  readonly root?: string;
  readonly dns: Resolver;
  /** Root of the local object store (one directory per bucket name). */
  readonly objectStore: string;
  readonly sink: string;
  readonly discovered: () => Discovered;
}

/**
 * A mounted file or env value as the local pod gets it: gzip unwrapped and re-wrapped; YAML
 * documents through discovery, receivers, bucket and DNS rewrites; then paths rebased.
 */
export function localFile(key: string, content: Buffer, ctx: FileContext): Buffer {
  if (key.endsWith('.gz')) return zlib.gzipSync(localFile(key.slice(0, -3), zlib.gunzipSync(content), ctx));
  if (content.includes(0)) return content; // binary
  return Buffer.from(localText(content.toString('utf8'), ctx));
}

export function localText(text: string, ctx: FileContext): string {
  let out = text;
  const doc = /:\s|^-\s/m.test(text) ? parseDocument(text, { uniqueKeys: false }) : undefined;
  if (doc && doc.errors.length === 0 && (isMap(doc.contents) || isSeq(doc.contents))) {
    let value = doc.toJS({ maxAliasCount: -1 });
    if (value?.scrape_configs || value?.alerting) value = staticDiscovery(value, ctx.discovered());
    value = localReceivers(value, ctx.sink);
    value = localBucket(value, ctx.objectStore);
    value = resolveInYaml(value, ctx.dns);
    out = stringify(value, { lineWidth: 0 });
  } else if (!doc || !isScalar(doc.contents)) {
    out = ctx.dns.rewrite(text);
  }
  return rebasePaths(out, ctx.mounts, ctx.root);
}

/**
 * A container's args as the local process takes them: `$(VAR)` expanded (kubelet), addresses
 * bound to the pod, `--flag=dnssrv+...` repeated per endpoint, YAML-valued flags rewritten like
 * files, cluster names resolved, paths rebased.
 */
export function localArgs(args: readonly string[], env: Readonly<Record<string, string>>, ip: string, ctx: FileContext): string[] {
  return args.flatMap((raw) => {
    const a = expandVars(raw, env);
    const eq = a.indexOf('=');
    const [flag, value] = eq > 0 && a.startsWith('-') ? [a.slice(0, eq), a.slice(eq + 1)] : [undefined, a];
    if (flag && SRV_OR_DNS.test(value)) return (ctx.dns.endpoints(value) ?? []).map((e) => `${flag}=${e}`);
    if (flag && value.includes('\n')) return [`${flag}=${localText(value, ctx)}`];
    return [rebasePaths(bindToPod(ctx.dns.rewrite(a), ip), ctx.mounts, ctx.root)];
  });
}

/**
 * dist's objects with the intervals a local run needs to see things happen in seconds: scrape
 * and evaluation intervals, alert `for` durations capped, Prometheus re-sending firing alerts
 * every interval (so they end within seconds of its stop), Alertmanager group delays (every
 * route) and sub-routes' repeat intervals capped like `for`, and TSDB blocks cut every `blockDuration` (so
 * the sidecars upload while a test runs). Applied before the operator reconciles, so everything
 * it generates follows from these objects.
 */
export function forLocalTime(
  manifests: readonly Manifest[],
  o: { interval: string; maxFor: string; blockDuration: string; alertmanagerConfigKey?: string },
): Manifest[] {
  const cap = parseDuration(o.maxFor)!;
  return manifests.map((m) => {
    const x = structuredClone(m) as any;
    switch (m.kind) {
      case 'Prometheus':
        Object.assign(x.spec, { scrapeInterval: o.interval, evaluationInterval: o.interval });
        x.spec.additionalArgs = [
          ...(x.spec.additionalArgs ?? []),
          { name: 'storage.tsdb.min-block-duration', value: o.blockDuration },
          { name: 'storage.tsdb.max-block-duration', value: o.blockDuration },
          { name: 'rules.alert.resend-delay', value: o.interval },
        ];
        break;
      case 'ThanosRuler':
        x.spec.evaluationInterval = o.interval;
        break;
      case 'ServiceMonitor':
        for (const ep of x.spec.endpoints ?? []) if (ep.interval) ep.interval = o.interval;
        break;
      case 'PodMonitor':
        for (const ep of x.spec.podMetricsEndpoints ?? []) if (ep.interval) ep.interval = o.interval;
        break;
      case 'Probe':
      case 'ScrapeConfig':
        if (x.spec.interval) x.spec.interval = o.interval;
        if (x.spec.scrapeInterval) x.spec.scrapeInterval = o.interval;
        break;
      case 'PrometheusRule':
        for (const g of x.spec.groups ?? []) {
          if (g.interval) g.interval = o.interval;
          for (const r of g.rules ?? []) if (r.for && parseDuration(r.for)! > cap) r.for = o.maxFor;
        }
        break;
      case 'Secret': {
        const key = o.alertmanagerConfigKey ?? 'alertmanager.yaml';
        const text = x.stringData?.[key];
        if (typeof text === 'string' && /^route:/m.test(text)) {
          const doc = parseDocument(text);
          const shorten = (route: any, root: boolean) => {
            if (root || route.has('group_wait')) route.set('group_wait', '1s');
            if (root || route.has('group_interval')) route.set('group_interval', '1s');
            // A route's own repeat (the heartbeat's) capped like `for`; the default (root) one stays, so an alert is notified once.
            const repeat = route.get('repeat_interval');
            if (!root && typeof repeat === 'string' && parseDuration(repeat)! > cap) route.set('repeat_interval', o.maxFor);
            for (const child of (route.get('routes') as any)?.items ?? []) shorten(child, false);
          };
          shorten(doc.get('route'), true);
          x.stringData[key] = doc.toString();
        }
        break;
      }
    }
    return x;
  });
}
