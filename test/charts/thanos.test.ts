/**
 * Thanos wiring across the rendered output: replica labels agree everywhere, every query
 * endpoint resolves to a rendered headless Service over the right pods, the bucket and IRSA
 * roles match the Terraform outputs, one compactor per bucket, HA pieces have PDBs.
 */
import { parse } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import type { EnvConfig } from '../../envs/schema.js';
import { REPLICA_LABELS } from '../../lib/replica-labels.js';
import { type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { IRSA_ANNOTATION } from '../../lib/workload.js';
import { fixtureOutputsDir, solo } from '../fixtures/envs.js';
import { manifestsOf } from '../helpers/tree.js';
import { STORE } from '../../charts/workloads.js';

const envs = [...resolveAll(envFiles), ...resolveAll([solo], { terraformOutputsDir: fixtureOutputsDir })];
const all = manifestsOf(await synthesize(envs));
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

type Any = Manifest & { spec: any; metadata: any };
const inCluster = (env: string, cluster: string) =>
  all.filter((m) => m.file.startsWith(`${env}/${cluster}/`)).map((m) => m.manifest as Any);
const containersOf = (ms: Any[], name: string) =>
  ms.filter((m) => m.metadata.name === name && m.spec?.template).flatMap((m) => m.spec.template.spec.containers);
const argsOf = (ms: Any[], workload: string) => containersOf(ms, workload).flatMap((c: any) => c.args as string[]);
const flagValues = (args: string[], flag: string) => args.filter((a) => a.startsWith(`--${flag}=`)).map((a) => a.slice(flag.length + 3));
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Labels the pods of a workload object get (operator-managed CRs add their own). */
function podLabels(m: Any): Record<string, string> {
  if (m.kind === 'Prometheus')
    return { ...m.spec.podMetadata.labels, 'operator.prometheus.io/name': m.metadata.name, prometheus: m.metadata.name };
  if (m.kind === 'ThanosRuler')
    return { ...m.spec.podMetadata.labels, 'app.kubernetes.io/name': 'thanos-ruler', 'thanos-ruler': m.metadata.name };
  return m.spec.template.metadata.labels;
}
const workloadKinds = ['Deployment', 'StatefulSet', 'Prometheus', 'ThanosRuler'];

describe('replica labels have one source', () => {
  // Gather every place a replica label is rendered; they must all name the same set.
  const places = targets.map(({ env, cluster }) => {
    const ms = inCluster(env.name, cluster.name);
    const prom = ms.find((m) => m.kind === 'Prometheus')!;
    const ruler = ms.find((m) => m.kind === 'ThanosRuler')!;
    return {
      label: `${env.name}/${cluster.name}`,
      query: flagValues(argsOf(ms, 'thanos-query'), 'query.replica-label'),
      globalQuery: ms.some((m) => m.metadata.name === 'thanos-query-global')
        ? flagValues(argsOf(ms, 'thanos-query-global'), 'query.replica-label')
        : null,
      compactor: ms.some((m) => m.metadata.name === 'thanos-compactor')
        ? flagValues(argsOf(ms, 'thanos-compactor'), 'deduplication.replica-label')
        : null,
      prometheus: prom.spec.replicaExternalLabelName as string,
      rulerDrop: ruler.spec.alertDropLabels as string[],
      // The label the PushGateway ServiceMonitor sets from the pod name.
      pushgatewayReplica: ms
        .find((m) => m.kind === 'ServiceMonitor' && m.metadata.name === 'pushgateway')!
        .spec.endpoints[0].relabelings.find((r: any) => r.sourceLabels?.includes('__meta_kubernetes_pod_name')).targetLabel as string,
    };
  });

  it.each(places)(
    '$label: query, global query and compactor dedup on exactly the labels Prometheus, the ruler and the PushGateway monitor add',
    (p) => {
      const added = [p.prometheus, REPLICA_LABELS.thanosRuler, p.pushgatewayReplica].sort();
      expect([...p.query].sort()).toEqual(added);
      if (p.globalQuery) expect([...p.globalQuery].sort()).toEqual(added);
      if (p.compactor) expect([...p.compactor].sort()).toEqual(added);
      expect(p.rulerDrop).toEqual([REPLICA_LABELS.thanosRuler]);
    },
  );

  it('the ruler label is the one the operator hard-codes (prometheus-operator v0.93 pkg/thanos)', () => {
    expect(REPLICA_LABELS.thanosRuler).toBe('thanos_ruler_replica');
  });
});

describe.each(targets)('Thanos in $label', ({ env, cluster }) => {
  const ms = inCluster(env.name, cluster.name);
  const services = ms.filter((m) => m.kind === 'Service');

  it('every query endpoint is a DNS SRV name of a rendered headless Service whose grpc port reaches StoreAPI pods', () => {
    const sdConfig = parse(flagValues(argsOf(ms, 'thanos-query'), 'endpoint.sd-config')[0]!) as { endpoints: { address: string }[] };
    expect(sdConfig.endpoints.length).toBe(2 + env.thanos.store.shards);
    for (const { address } of sdConfig.endpoints) {
      const m = /^dnssrv\+_grpc\._tcp\.([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(address);
      expect(m).not.toBeNull();
      const [, svcName, ns] = m!;
      expect(ns).toBe(env.namespace);
      const svc = services.find((s) => s.metadata.name === svcName)!;
      expect(svc).toBeDefined();
      expect(svc.spec.clusterIP).toBe('None');
      expect(svc.spec.ports.find((p: any) => p.name === 'grpc')).toMatchObject({ port: 10901, targetPort: 'grpc' });
      const backends = ms.filter((w) => workloadKinds.includes(w.kind) && matches(svc.spec.selector, podLabels(w)));
      expect(backends.map((b) => b.kind)).toHaveLength(1);
    }
  });

  const bucket = env.aws[cluster.name]!;

  it("the objstore config names the cluster's own Terraform bucket, in its region, with no credentials", () => {
    expect(bucket.region).toBe(cluster.region);
    const secret = ms.find((m) => m.kind === 'Secret' && m.metadata.name === 'thanos-objstore') as any;
    const cfg = parse(secret.stringData['objstore.yml']);
    expect(cfg).toEqual({
      type: 'S3',
      config: { bucket: bucket.bucket, endpoint: `s3.${cluster.region}.amazonaws.com`, region: cluster.region, aws_sdk_auth: true },
    });
  });

  it("every store gateway serves only its own cluster's blocks (and its hashmod share of them)", () => {
    const stores = ms.filter((m) => m.kind === 'StatefulSet' && m.metadata.labels['app.kubernetes.io/component'] === 'store-gateway');
    expect(stores).toHaveLength(env.thanos.store.shards);
    for (const sts of stores) {
      const selector = parse(flagValues(sts.spec.template.spec.containers[0].args, 'selector.relabel-config')[0]!);
      expect(selector[0]).toEqual({ action: 'keep', source_labels: ['cluster'], regex: cluster.name });
      expect(selector).toHaveLength(env.thanos.store.shards > 1 ? 3 : 1);
    }
    // The label it selects on is the one Prometheus and the ruler write.
    const prom = ms.find((m) => m.kind === 'Prometheus')!;
    expect(prom.spec.externalLabels.cluster).toBe(cluster.name);
  });

  it("each component that touches the bucket runs as its own IRSA role, the cluster's, and every cluster compacts its bucket", () => {
    const roleOf = (sa: string) =>
      ms.find((m) => m.kind === 'ServiceAccount' && m.metadata.name === sa)?.metadata.annotations?.[IRSA_ANNOTATION];
    expect(roleOf('prometheus')).toBe(bucket.roles.sidecar);
    expect(roleOf('thanos-store')).toBe(bucket.roles.store);
    expect(roleOf('thanos-ruler')).toBe(bucket.roles.ruler);
    expect(roleOf('thanos-query')).toBeUndefined();
    expect(roleOf('thanos-compactor')).toBe(bucket.roles.compactor);
  });

  it('every workload with more than one replica has a PDB and hostname anti-affinity over its own pods', () => {
    for (const w of ms.filter((m) => workloadKinds.includes(m.kind) && m.spec.replicas > 1)) {
      const labels = podLabels(w);
      const pdbs = ms.filter((m) => m.kind === 'PodDisruptionBudget' && matches(m.spec.selector.matchLabels, labels));
      expect({ workload: w.metadata.name, pdbs: pdbs.length }).toEqual({ workload: w.metadata.name, pdbs: 1 });
      const affinity = w.kind === 'Deployment' || w.kind === 'StatefulSet' ? w.spec.template.spec.affinity : w.spec.affinity;
      const term = affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(matches(term.labelSelector.matchLabels, labels)).toBe(true);
    }
  });

  it('every StoreAPI server that reads raw data (the sidecar in each Prometheus, every store gateway) carries the per-request limits of its env', () => {
    const limits = { series: String(env.thanos.storeLimits.requestSeries), samples: String(env.thanos.storeLimits.requestSamples) };
    const prometheus = ms.filter((m) => m.kind === 'Prometheus');
    const stores = ms.filter((m) => m.kind === 'StatefulSet' && m.metadata.labels?.['app.kubernetes.io/component'] === STORE.component);
    expect(prometheus.length * stores.length).toBeGreaterThan(0);
    for (const p of prometheus) {
      const flags = Object.fromEntries(p.spec.thanos.additionalArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
      expect({ series: flags['store.limits.request-series'], samples: flags['store.limits.request-samples'] }).toEqual(limits);
    }
    for (const st of stores) {
      const args = st.spec.template.spec.containers[0].args as string[];
      expect({
        series: flagValues(args, 'store.limits.request-series')[0],
        samples: flagValues(args, 'store.limits.request-samples')[0],
      }).toEqual(limits);
    }
  });

  it('the query-frontend forwards to the rendered thanos-query Service and caches split range queries', () => {
    const args = argsOf(ms, 'thanos-query-frontend');
    const downstream = new URL(flagValues(args, 'query-frontend.downstream-url')[0]!);
    const svc = services.find((s) => `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local` === downstream.hostname)!;
    expect(svc.metadata.name).toBe('thanos-query');
    expect(svc.spec.ports.map((p: any) => p.port)).toContain(Number(downstream.port));
    expect(flagValues(args, 'query-range.split-interval')).toEqual([env.thanos.queryFrontend.splitInterval]);
    expect(parse(flagValues(args, 'query-range.response-cache-config')[0]!)).toEqual({
      type: 'IN-MEMORY',
      config: { max_size: '512MB', max_size_items: 1000, validity: '5m' },
    });
  });

  it('the ruler queries every Thanos Query pod (SRV, mutual TLS) and alerts every Alertmanager pod (SRV, TLS), never a load-balanced Service', () => {
    const ruler = ms.find((m) => m.kind === 'ThanosRuler')!;
    expect(ruler.spec.queryEndpoints).toBeUndefined();
    const secret = ms.find((m) => m.kind === 'Secret' && m.metadata.name === ruler.spec.alertmanagersConfig.name) as any;
    const web = { ca_file: '/etc/monitoring/web-tls/ca.crt', server_name: `monitoring-web.${env.namespace}.svc` };
    expect(parse(secret.stringData[ruler.spec.queryConfig.key])).toEqual([
      {
        scheme: 'https',
        http_config: { tls_config: { ...web, cert_file: '/etc/monitoring/web-tls/tls.crt', key_file: '/etc/monitoring/web-tls/tls.key' } },
        static_configs: [`dnssrv+_http._tcp.thanos-query.${env.namespace}.svc.cluster.local`],
      },
    ]);
    const cfg = parse(secret.stringData[ruler.spec.alertmanagersConfig.key]);
    expect(cfg.alertmanagers).toEqual([
      expect.objectContaining({
        static_configs: [`dnssrv+_web._tcp.alertmanager-operated.${env.namespace}.svc.cluster.local`],
        api_version: 'v2',
        scheme: 'https',
        http_config: { tls_config: web },
      }),
    ]);
    // The files those paths name are mounted.
    expect(ruler.spec.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/etc/monitoring/web-tls' }));
  });
});

describe.each(envs.map((env) => ({ env, label: env.name })))('compactor of $label', ({ env }: { env: EnvConfig }) => {
  const compactors = all.filter(
    (m) => m.file.startsWith(`${env.name}/`) && m.manifest.kind === 'StatefulSet' && m.manifest.metadata.name === 'thanos-compactor',
  );

  it('runs exactly once per bucket (one per cluster, each with its own bucket), continuously, with the configured retention', () => {
    const bucketIn = (clusterDir: string) => {
      const secret = all.find((m) => m.file.startsWith(`${clusterDir}/`) && m.manifest.metadata.name === 'thanos-objstore')!
        .manifest as Any & { stringData: Record<string, string> };
      return parse(secret.stringData['objstore.yml']).config.bucket as string;
    };
    const buckets = compactors.map((c) => bucketIn(c.file.split('/').slice(0, 2).join('/')));
    expect(compactors.map((c) => c.file.split('/')[1]).sort()).toEqual(env.clusters.map((c) => c.name).sort());
    expect(new Set(buckets).size).toBe(env.clusters.length);
    for (const c of compactors) checkCompactor(c.manifest as Any);
  });

  const checkCompactor = (sts: Any) => {
    expect(sts.spec.replicas).toBe(1);
    const args: string[] = sts.spec.template.spec.containers[0].args;
    expect(args).toContain('--wait');
    expect(flagValues(args, 'retention.resolution-raw')).toEqual([env.thanos.compactor.retention.raw]);
    expect(flagValues(args, 'retention.resolution-5m')).toEqual([env.thanos.compactor.retention.fiveMinutes]);
    expect(flagValues(args, 'retention.resolution-1h')).toEqual([env.thanos.compactor.retention.oneHour]);
    expect(args.some((a) => a.startsWith('--downsampling') && a !== '--downsampling.disable')).toBe(false);
    expect(args).not.toContain('--downsampling.disable');
  };
});

describe('multi-cluster global view (prod)', () => {
  const prod = envs.find((e) => e.name === 'prod')!;
  const globals = all.filter(
    (m) => m.file.startsWith('prod/') && m.manifest.kind === 'Deployment' && m.manifest.metadata.name === 'thanos-query-global',
  );

  it('runs only in the host cluster and federates every cluster, each with its own cluster label', () => {
    expect(globals.map((g) => g.file.split('/')[1])).toEqual([prod.thanos.global!.hostCluster]);
    const args: string[] = (globals[0]!.manifest as Any).spec.template.spec.containers[0].args;
    const cfg = parse(flagValues(args, 'endpoint.sd-config')[0]!);
    expect(cfg.endpoints.map((e: any) => e.address).sort()).toEqual(Object.values(prod.thanos.global!.endpoints).sort());
    expect(cfg.default_client_config.tls_config.enabled).toBe(true);
    const clusterLabels = all
      .filter((m) => m.file.startsWith('prod/') && m.manifest.kind === 'Prometheus')
      .map((m) => (m.manifest as Any).spec.externalLabels.cluster);
    expect(new Set(clusterLabels).size).toBe(prod.clusters.length);
  });
});

describe.each(targets)('Thanos gRPC mutual TLS in $label', ({ env, cluster }) => {
  const ms = inCluster(env.name, cluster.name);
  const cert = ms.find((m) => m.kind === 'Certificate' && m.metadata.name === 'thanos-grpc')!;
  const secretName = cert.spec.secretName;
  const mountsSecret = (volumes: any[] = [], mounts: any[] = [], dir: string) => {
    const vol = volumes.find((v) => v.secret?.secretName === secretName);
    return Boolean(vol && mounts.some((m) => m.name === vol.name && dir.startsWith(m.mountPath)));
  };

  it('every gRPC server presents the certificate and requires client certificates from its CA', () => {
    const serverFlags = (args: string[]) => ({
      cert: flagValues(args, 'grpc-server-tls-cert')[0],
      key: flagValues(args, 'grpc-server-tls-key')[0],
      ca: flagValues(args, 'grpc-server-tls-client-ca')[0],
    });
    for (const name of [
      'thanos-query',
      ...ms.filter((m) => m.kind === 'StatefulSet' && m.metadata.name.startsWith('thanos-store')).map((m) => m.metadata.name),
    ]) {
      const w = ms.find((m) => m.metadata.name === name && m.spec?.template)!;
      const c = w.spec.template.spec.containers[0];
      const f = serverFlags(c.args);
      expect(f.cert && f.key && f.ca).toBeTruthy();
      expect(mountsSecret(w.spec.template.spec.volumes, c.volumeMounts, f.ca!)).toBe(true);
    }
    const prom = ms.find((m) => m.kind === 'Prometheus')!;
    expect(prom.spec.thanos.grpcServerTlsConfig.caFile).toBeTruthy();
    expect(mountsSecret(prom.spec.volumes, prom.spec.thanos.volumeMounts, prom.spec.thanos.grpcServerTlsConfig.caFile)).toBe(true);
    const ruler = ms.find((m) => m.kind === 'ThanosRuler')!;
    expect(mountsSecret(ruler.spec.volumes, ruler.spec.volumeMounts, ruler.spec.grpcServerTlsConfig.caFile)).toBe(true);
  });

  it('every query dials with mutual TLS and verifies the name the certificate carries', () => {
    for (const name of ['thanos-query', 'thanos-query-global']) {
      const w = ms.find((m) => m.metadata.name === name && m.spec?.template);
      if (!w) continue;
      const cfg = parse(flagValues(w.spec.template.spec.containers[0].args, 'endpoint.sd-config')[0]!);
      expect(cfg.default_client_config.tls_config).toMatchObject({ enabled: true });
      expect(cfg.default_client_config.tls_config.cert_file).toBeTruthy();
      expect(cert.spec.dnsNames).toContain(cfg.default_client_config.server_name);
      expect(cfg.endpoints.every((e: any) => !e.client_config)).toBe(true);
    }
    expect(cert.spec.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
    expect(cert.spec.issuerRef).toMatchObject({ kind: env.tls.issuer.kind, name: env.tls.issuer.name });
  });
});
