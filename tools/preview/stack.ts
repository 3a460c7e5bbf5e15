/**
 * The rendered environment running on loopback: Prometheus pair with Thanos sidecars uploading
 * to a FILESYSTEM bucket, Thanos query, query-frontend, store gateway, compactor and ruler, the
 * Alertmanager pair (receivers pointed at a local sink), the PushGateway pair, node_exporter and
 * a demo batch job using the Python SDK. Used by `make preview` and by the e2e tests.
 *
 * Faithful to dist: our own workloads run with their rendered args (addresses and paths
 * rewritten); what the operator derives from our CRs is derived from the same fields
 * (local-config.ts). Local-only changes, all for time: a short TSDB block duration, faster
 * scrape/evaluation intervals, alert `for` capped, Alertmanager group delays of 1s.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ALERTMANAGERS_KEY, RULER_CONFIG_SECRET } from '../../charts/thanos/ruler.js';
import { GRPC_TLS_MOUNT, grpcServerName } from '../../charts/thanos/common.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import type { EnvConfig } from '../../envs/schema.js';
import { repoRoot } from '../../lib/paths.js';
import { synthesize } from '../../charts/index.js';
import { freePort, start, type Running, type StartOptions } from '../proc.js';
import { makeCerts } from './certs.js';
import type { ClientTls } from '../https.js';
import { NODE_EXPORTER_AUTH_SECRET } from '../../charts/secrets.js';
import { WEB_TLS_MOUNT, WEB_TLS_SECRET, webServerName } from '../../lib/web-tls.js';
import {
  containerOf,
  find,
  hostPathArgs,
  fillAuthTemplate,
  grpcServerTlsFlags,
  localAlertmanagerConfig,
  operatorWebConfig,
  prometheusExternalLabels,
  parseManifests,
  prometheusFlags,
  ruleGroups,
  scrapeJobsFromMonitors,
  sidecarArgs,
  tlsConfigFiles,
  type LocalTarget,
  type Rendered,
} from './local-config.js';
import { startSink } from './sink.js';
import { localThanosArgs, servesQueryApi } from './thanos-args.js';

export interface StackOptions {
  readonly env?: string;
  readonly cluster?: string;
  /** Progress lines while starting. */
  readonly progress?: (line: string) => void;
  /** TSDB block duration for local runs (the cluster uses 2h); blocks upload after ~1.5x this. */
  readonly blockDuration?: string;
  /** Scrape and rule evaluation interval for local runs. */
  readonly interval?: string;
  /** Cap on alert `for` durations for local runs. */
  readonly maxFor?: string;
  /** Run the demo batch job (pushes every 10 s). */
  readonly demoJob?: boolean;
  /** Share a bucket and a CA with another stack (the two-cluster global view). */
  readonly bucket?: string;
  readonly certDir?: string;
  /** Only Prometheus, sidecars and query: the remote cluster of a global-view test. */
  readonly minimal?: boolean;
  /** Keep the work dir (data, bucket, logs of config) after stop(); removed by default. */
  readonly keepWork?: boolean;
  /** Rule groups the ruler evaluates in addition to the rendered ones (tests probe its query path). */
  readonly extraRulerGroups?: readonly unknown[];
}

export interface Stack {
  readonly env: EnvConfig;
  readonly cluster: string;
  readonly rendered: readonly Rendered[];
  readonly work: string;
  readonly bucket: string;
  readonly certDir: string;
  readonly sink: Awaited<ReturnType<typeof startSink>>;
  readonly proms: Running[];
  readonly sidecars: Running[];
  readonly ams: Running[];
  readonly pgs: Running[];
  readonly query: Running;
  readonly queryGrpc: number;
  readonly frontend?: Running;
  readonly store?: Running;
  readonly compactor?: Running;
  readonly ruler?: Running;
  readonly nodeExporter?: Running;
  readonly demo?: Running;
  /** Environment for SDK processes pushing to this stack. */
  readonly sdkEnv: Record<string, string>;
  /** Client TLS for the stack's HTTPS endpoints (web: Prometheus, Alertmanager, PushGateway; query: the mTLS query API). */
  readonly tls: { web: ClientTls; query: ClientTls; host: ClientTls };
  /** PushGateway credentials (random per run) and their files. */
  readonly pushAuth: { username: string; password: string; usernameFile: string; passwordFile: string };
  /** ServiceMonitors that need a cluster, with the reason. */
  readonly skippedMonitors: readonly string[];
  /** Stop replica i with `signal` and start it again on the same port and data (WAL replay). */
  restartPrometheus(i: number, signal?: NodeJS.Signals): Promise<Running>;
  /** Every process, for status and logs. */
  all(): Running[];
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const say = opts.progress ?? (() => {});
  const env = resolveAll(envFiles).find((e) => e.name === (opts.env ?? 'dev'));
  if (!env) throw new Error(`unknown environment ${opts.env}`);
  const cluster = opts.cluster ?? env.clusters[0]!.name;
  const clusterCfg = env.clusters.find((c) => c.name === cluster);
  if (!clusterCfg) throw new Error(`environment ${env.name} has no cluster ${cluster}`);
  const tree = await synthesize([{ ...env, clusters: [clusterCfg] }]);
  const rendered: Rendered[] = [...tree.values()].flatMap(parseManifests);
  const interval = opts.interval ?? '2s';
  const blockDuration = opts.blockDuration ?? '1m';

  const work = fs.mkdtempSync(path.join(os.tmpdir(), `gl-preview-${cluster}-`));
  const bucket = opts.bucket ?? path.join(work, 'bucket');
  fs.mkdirSync(bucket, { recursive: true });
  const objstore = path.join(work, 'objstore.yml');
  fs.writeFileSync(objstore, stringify({ type: 'FILESYSTEM', config: { directory: bucket } }));
  // One local CA and certificate for every name the cluster's certificates carry.
  const certDir =
    opts.certDir ??
    makeCerts(
      [grpcServerName(env), webServerName(env.namespace), webServerName(env.hostNamespace)],
      fs.mkdtempSync(path.join(work, 'certs-')),
    );
  const webTls: ClientTls = { certDir, serverName: webServerName(env.namespace) };
  const queryTls: ClientTls = { ...webTls, clientCert: true };
  const hostTls: ClientTls = { certDir, serverName: webServerName(env.hostNamespace) };
  const localCerts = (text: string) => text.replaceAll(WEB_TLS_MOUNT, certDir).replaceAll(GRPC_TLS_MOUNT, certDir);
  /** What the operator writes for a CR's spec.web.tlsConfig: the web config with the namespace's certificate. */
  const webConfigFlag = (dir: string) => {
    const file = path.join(dir, 'web-config.yml');
    fs.writeFileSync(file, operatorWebConfig(certDir));
    return `--web.config.file=${file}`;
  };
  const started: Running[] = [];
  const run = async (o: StartOptions) => {
    const p = await start(o);
    started.push(p);
    return p;
  };
  const dirOf = (name: string) => {
    const d = path.join(work, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };

  const promCr = find(rendered, 'Prometheus');
  const amCr = opts.minimal ? undefined : find(rendered, 'Alertmanager');
  const pgSet = opts.minimal ? undefined : rendered.find((r) => r.kind === 'StatefulSet' && r.metadata.name === 'pushgateway');
  const rulerCr = opts.minimal ? undefined : rendered.find((r) => r.kind === 'ThanosRuler');

  // Every address is chosen first, so each config can name the others.
  const ports = async (n: number) => Promise.all(Array.from({ length: n }, () => freePort()));
  const promPorts = await ports(promCr.spec.replicas);
  const sidecarHttp = await ports(promPorts.length);
  const sidecarGrpc = await ports(promPorts.length);
  const amPorts = await ports(amCr?.spec.replicas ?? 0);
  const amMesh = await ports(amPorts.length);
  const pgPorts = await ports(pgSet?.spec.replicas ?? 0);
  const [queryHttp, queryGrpc, frontendHttp, storeHttp, storeGrpc, compactHttp, rulerHttp, rulerGrpc, nodeHttp] = await ports(9);
  const local = (p: number) => `127.0.0.1:${p}`;

  const sink = await startSink();
  const stopAll = async () => {
    await Promise.all([...started].reverse().map((p) => p.stop()));
    await sink.close();
    if (!opts.keepWork) fs.rmSync(work, { recursive: true, force: true });
  };

  try {
    // Credentials and files the cluster gets from Secrets.
    const username = 'preview';
    const password = crypto.randomBytes(12).toString('hex');
    const secretsDir = dirOf('secrets');
    const usernameFile = path.join(secretsDir, 'pushgateway-username');
    const passwordFile = path.join(secretsDir, 'pushgateway-password');
    fs.writeFileSync(usernameFile, username);
    fs.writeFileSync(passwordFile, password);
    const pushAuth = { username, password, usernameFile, passwordFile };
    const basicAuthHeader = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    const hash = bcrypt(password);

    // Alertmanager pair, meshed.
    const ams: Running[] = [];
    if (amCr) {
      say(`alertmanager x${amPorts.length} (receivers -> local sink ${sink.url})`);
      const amConfig = path.join(dirOf('alertmanager'), 'alertmanager.yaml');
      fs.writeFileSync(
        amConfig,
        localAlertmanagerConfig(rendered, sink.url, {
          slackUrl: path.join(secretsDir, 'slack-webhook-url'),
          pagerdutyKey: path.join(secretsDir, 'pagerduty-routing-key'),
        }),
      );
      ams.push(
        ...(await Promise.all(
          amPorts.map((port, i) =>
            run({
              tool: 'alertmanager',
              port,
              tls: amCr.spec.web?.tlsConfig ? webTls : undefined,
              dir: dirOf(`alertmanager-${i}`),
              args: ({ dir }) => [
                `--config.file=${amConfig}`,
                `--storage.path=${dir}/data`,
                `--web.listen-address=${local(port)}`,
                `--cluster.listen-address=${local(amMesh[i]!)}`,
                ...amMesh.filter((_, j) => j !== i).map((m) => `--cluster.peer=${local(m)}`),
                ...(amCr.spec.retention ? [`--data.retention=${amCr.spec.retention}`] : []),
                ...(amCr.spec.web?.tlsConfig ? [webConfigFlag(dir)] : []),
              ],
            }),
          ),
        )),
      );
    }

    // PushGateway pair: rendered args; web config templated like the ExternalSecret does.
    const pgs: Running[] = [];
    if (pgSet) {
      say(`pushgateway x${pgPorts.length} (basic auth)`);
      const es = rendered.find((r) => r.kind === 'ExternalSecret' && r.spec.target?.template?.data?.['web-config.yml']);
      const template: string = es!.spec.target.template.data['web-config.yml'];
      const webConfig = localCerts(fillAuthTemplate(template, username, hash));
      const c = containerOf(rendered, 'pushgateway');
      pgs.push(
        ...(await Promise.all(
          pgPorts.map((port, i) =>
            run({
              tool: 'pushgateway',
              port,
              dir: dirOf(`pushgateway-${i}`),
              readyHeaders: basicAuthHeader,
              tls: webConfig.includes('tls_server_config') ? webTls : undefined,
              args: ({ dir }) => {
                fs.writeFileSync(path.join(dir, 'web-config.yml'), webConfig);
                return c.args.map((a) =>
                  a.startsWith('--web.listen-address=')
                    ? `--web.listen-address=${local(port)}`
                    : a.startsWith('--web.config.file=')
                      ? `--web.config.file=${path.join(dir, 'web-config.yml')}`
                      : a.startsWith('--persistence.file=')
                        ? `--persistence.file=${path.join(dir, 'pushgateway.db')}`
                        : a,
                );
              },
            }),
          ),
        )),
      );
    }

    // node_exporter with the rendered flags, host paths as the DaemonSet mounts them.
    let nodeExporter: Running | undefined;
    if (!opts.minimal) {
      say('node_exporter');
      const c = containerOf(rendered, 'node-exporter');
      const es = rendered.find(
        (r) =>
          r.kind === 'ExternalSecret' && r.metadata.namespace === env.hostNamespace && r.spec.target?.template?.data?.['web-config.yml'],
      );
      const neWeb = es ? localCerts(fillAuthTemplate(es.spec.target.template.data['web-config.yml'], username, hash)) : undefined;
      const neDir = dirOf('node-exporter');
      nodeExporter = await run({
        tool: 'node_exporter',
        port: nodeHttp,
        dir: neDir,
        readyPath: '/metrics',
        readyHeaders: basicAuthHeader,
        tls: neWeb?.includes('tls_server_config') ? hostTls : undefined,
        args: () =>
          hostPathArgs(c, local(nodeHttp)).map((a) => {
            if (!a.startsWith('--web.config.file=')) return a;
            fs.writeFileSync(path.join(neDir, 'web-config.yml'), neWeb!);
            return `--web.config.file=${path.join(neDir, 'web-config.yml')}`;
          }),
      });
    }

    // Prometheus pair: config as the operator would generate it from the rendered CRs.
    const targets: Record<string, LocalTarget[]> = {
      prometheus: promPorts.map((p, i) => ({ address: local(p), pod: `prometheus-${promCr.metadata.name}-${i}` })),
      'thanos-sidecar': sidecarHttp.map((p, i) => ({ address: local(p), pod: `prometheus-${promCr.metadata.name}-${i}` })),
      'thanos-query': [{ address: local(queryHttp), pod: 'thanos-query-0' }],
      ...(opts.minimal
        ? {}
        : {
            alertmanager: amPorts.map((p, i) => ({ address: local(p), pod: `alertmanager-${amCr!.metadata.name}-${i}` })),
            pushgateway: pgPorts.map((p, i) => ({ address: local(p), pod: `pushgateway-${i}` })),
            'thanos-query-frontend': [{ address: local(frontendHttp), pod: 'thanos-query-frontend-0' }],
            'thanos-store': [{ address: local(storeHttp), pod: 'thanos-store-0' }],
            'thanos-compactor': [{ address: local(compactHttp), pod: 'thanos-compactor-0' }],
            'thanos-ruler': [{ address: local(rulerHttp), pod: 'thanos-ruler-thanos-ruler-0' }],
            'node-exporter': [{ address: local(nodeHttp), pod: 'node-exporter-local' }],
          }),
    };
    const pgSecret = pgSet
      ? (rendered.find((r) => r.kind === 'ExternalSecret' && r.spec.target?.template?.data?.['web-config.yml'])!.metadata.name as string)
      : '';
    const certFiles = { 'ca.crt': `${certDir}/ca.crt`, 'tls.crt': `${certDir}/tls.crt`, 'tls.key': `${certDir}/tls.key` };
    const secretFiles = {
      [pgSecret]: { username: usernameFile, password: passwordFile },
      [NODE_EXPORTER_AUTH_SECRET]: { username: usernameFile, password: passwordFile },
      [WEB_TLS_SECRET]: certFiles,
    };
    const jobs = scrapeJobsFromMonitors(rendered, targets, { secretFiles }, interval);
    const alertTls = promCr.spec.alerting?.alertmanagers?.[0]?.tlsConfig;
    const promRules = path.join(dirOf('prometheus-config'), 'rules.yml');
    fs.writeFileSync(promRules, stringify({ groups: ruleGroups(rendered, 'prometheus', opts.maxFor ?? '10s') }));

    const promDirs = promPorts.map((_, i) => dirOf(`prometheus-${i}`));
    const promStart = (i: number) =>
      run({
        tool: 'prometheus',
        port: promPorts[i],
        dir: promDirs[i],
        timeoutMs: 120_000,
        tls: promCr.spec.web?.tlsConfig ? webTls : undefined,
        args: ({ port, dir }) => {
          fs.writeFileSync(
            path.join(dir, 'prometheus.yml'),
            stringify({
              global: { scrape_interval: interval, evaluation_interval: interval, external_labels: prometheusExternalLabels(promCr, i) },
              rule_files: [promRules],
              // The operator drops the replica label from alerts, so both replicas send the same alert.
              ...(ams.length
                ? {
                    alerting: {
                      alert_relabel_configs: [{ action: 'labeldrop', regex: promCr.spec.replicaExternalLabelName ?? 'prometheus_replica' }],
                      alertmanagers: [
                        {
                          api_version: 'v2',
                          scheme: promCr.spec.alerting.alertmanagers[0].scheme ?? 'http',
                          ...(alertTls ? { tls_config: tlsConfigFiles(alertTls, secretFiles) } : {}),
                          static_configs: [{ targets: amPorts.map(local) }],
                        },
                      ],
                    },
                  }
                : {}),
              scrape_configs: jobs.scrapeConfigs,
            }),
          );
          return [
            '--config.file=prometheus.yml',
            ...prometheusFlags(promCr, { dataDir: `${dir}/data`, listen: local(port), blockDuration }),
            ...(promCr.spec.web?.tlsConfig ? [webConfigFlag(dir)] : []),
          ];
        },
      });
    say(`prometheus x${promPorts.length} (${jobs.scrapeConfigs.length} scrape jobs; ${jobs.skipped.length} monitors need a cluster)`);
    const proms = await Promise.all(promPorts.map((_, i) => promStart(i)));

    say(`thanos sidecar x${proms.length} (uploading ${blockDuration} blocks to ${bucket})`);
    const sidecars = await Promise.all(
      proms.map((p, i) =>
        run({
          tool: 'thanos',
          port: sidecarHttp[i],
          // The flags the operator derives from spec.thanos.
          args: () =>
            sidecarArgs(promCr, {
              prometheus: p,
              tsdbPath: path.join(promDirs[i]!, 'data'),
              grpc: local(sidecarGrpc[i]!),
              http: local(sidecarHttp[i]!),
              objstore,
              certDir,
            }),
        }),
      ),
    );

    let store: Running | undefined;
    let ruler: Running | undefined;
    if (!opts.minimal) {
      say('thanos store gateway');
      store = await run({
        tool: 'thanos',
        port: storeHttp,
        timeoutMs: 60_000,
        args: ({ port, dir }) => localThanosArgs(rendered, 'thanos-store', certDir, { port, dir, grpc: storeGrpc, bucket }),
      });
    }

    say('thanos query');
    const endpoints = [...sidecarGrpc, ...(store ? [storeGrpc] : []), ...(rulerCr ? [rulerGrpc] : [])].map(local);
    const query = await run({
      tool: 'thanos',
      port: queryHttp,
      tls: servesQueryApi(rendered, 'thanos-query') ? queryTls : undefined,
      args: ({ port, dir }) => localThanosArgs(rendered, 'thanos-query', certDir, { port, dir, grpc: queryGrpc, endpoints }),
    });

    let frontend: Running | undefined;
    let compactor: Running | undefined;
    if (!opts.minimal) {
      say('thanos query-frontend');
      frontend = await run({
        tool: 'thanos',
        port: frontendHttp,
        tls: servesQueryApi(rendered, 'thanos-query-frontend') ? queryTls : undefined,
        args: ({ port, dir }) => localThanosArgs(rendered, 'thanos-query-frontend', certDir, { port, dir, grpc: 0, downstream: query.url }),
      });
      if (rendered.some((r) => r.metadata.name === 'thanos-compactor' && r.kind === 'StatefulSet')) {
        say('thanos compactor');
        compactor = await run({
          tool: 'thanos',
          port: compactHttp,
          args: ({ port, dir }) => localThanosArgs(rendered, 'thanos-compactor', certDir, { port, dir, grpc: 0, bucket }),
        });
      }
    }

    if (rulerCr) {
      say('thanos ruler');
      const rulerRules = path.join(dirOf('ruler-config'), 'rules.yml');
      fs.writeFileSync(
        rulerRules,
        stringify({ groups: [...ruleGroups(rendered, 'thanos-ruler', opts.maxFor ?? '10s'), ...(opts.extraRulerGroups ?? [])] }),
      );
      const amSecret = rendered.find((r) => r.kind === 'Secret' && r.metadata.name === RULER_CONFIG_SECRET)!;
      const amCfg = parse(amSecret.stringData![ALERTMANAGERS_KEY]!);
      for (const a of amCfg.alertmanagers) a.static_configs = amPorts.map(local);
      const amCfgFile = path.join(dirOf('ruler-config'), 'alertmanagers.yaml');
      fs.writeFileSync(amCfgFile, localCerts(stringify(amCfg)));
      // The query endpoints as rendered (TLS client settings included), resolved to the local query.
      const queryKey = rulerCr.spec.queryConfig?.key;
      const queryCfg = queryKey ? parse(amSecret.stringData![queryKey]!) : undefined;
      for (const q of queryCfg ?? []) q.static_configs = [local(queryHttp)];
      ruler = await run({
        tool: 'thanos',
        port: rulerHttp,
        args: ({ port, dir }) => [
          'rule',
          `--data-dir=${dir}/data`,
          `--eval-interval=${interval}`,
          ...Object.entries(rulerCr.spec.labels ?? {}).map(([k, v]) => `--label=${k}="${v}"`),
          '--label=thanos_ruler_replica="thanos-ruler-thanos-ruler-0"',
          ...(rulerCr.spec.alertDropLabels ?? []).map((l: string) => `--alert.label-drop=${l}`),
          ...(queryCfg ? [`--query.config=${localCerts(stringify(queryCfg))}`] : [`--query=${local(queryHttp)}`]),
          `--alertmanagers.config-file=${amCfgFile}`,
          `--rule-file=${rulerRules}`,
          `--objstore.config-file=${objstore}`,
          `--grpc-address=${local(rulerGrpc)}`,
          `--http-address=${local(port)}`,
          ...grpcServerTlsFlags(rulerCr.spec.grpcServerTlsConfig, certDir),
        ],
      });
    }

    // What a batch job's pod gets: credentials, and the CA and name to verify the replicas with.
    const sdkEnv = {
      GL_PUSHGATEWAY_USERNAME: username,
      GL_PUSHGATEWAY_PASSWORD_FILE: passwordFile,
      ...(pgs[0]?.tls ? { GL_PUSHGATEWAY_CA_FILE: `${certDir}/ca.crt`, GL_PUSHGATEWAY_SERVER_NAME: webServerName(env.namespace) } : {}),
    };
    let demo: Running | undefined;
    if (pgs.length && (opts.demoJob ?? true)) {
      say('demo batch job (Python SDK, every 10 s)');
      demo = await run({
        tool: 'python',
        command: path.join(repoRoot, 'sdk/python/.venv/bin/python'),
        readyPath: null,
        env: { ...process.env, ...sdkEnv },
        args: () => ['-c', DEMO_JOB, pgs.map((p) => p.url).join(',')],
      });
    }

    const stack: Stack = {
      env,
      cluster,
      rendered,
      work,
      bucket,
      certDir,
      sink,
      proms,
      sidecars,
      ams,
      pgs,
      query,
      queryGrpc,
      frontend,
      store,
      compactor,
      ruler,
      nodeExporter,
      demo,
      pushAuth,
      sdkEnv,
      tls: { web: webTls, query: queryTls, host: hostTls },
      skippedMonitors: jobs.skipped,
      async restartPrometheus(i, signal = 'SIGKILL') {
        await proms[i]!.stop(signal);
        proms[i] = await promStart(i);
        return proms[i]!;
      },
      all: () => [...started],
      stop: stopAll,
    };
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const DEMO_JOB = `
import random, sys, time
from greenlang.monitoring import BatchJobMetrics
m = BatchJobMetrics("preview-demo", sys.argv[1].split(","), expected_interval=60, ttl=3600)
while True:
    with m.track_duration():
        m.job_records_processed.labels(record_type="row").set(random.randint(100, 200))
    time.sleep(10)
`;

function bcrypt(password: string): string {
  const python = path.join(repoRoot, 'sdk/python/.venv/bin/python');
  return execFileSync(
    python,
    ['-c', 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=10)).decode())', password],
    { encoding: 'utf8' },
  ).trim();
}
