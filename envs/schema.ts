/**
 * The environment schema: one resolved, validated EnvConfig per environment, or an error that
 * names the environment, the field and the rule. Cross-field rules live here, not in charts.
 */
import { z } from 'zod';
import { cidrContains, cidrsOverlap, isNetworkCidr } from '../lib/cidr.js';
import { gib, parseByteSize, parseDuration, parseQuantity } from '../lib/units.js';
import { awsByClusterSchema } from './terraform.js';
import { versions, type ComponentName } from './versions.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const dnsLabel = z
  .string()
  .max(63, { error: 'must be at most 63 characters (DNS-1123 label)' })
  .regex(DNS_LABEL, { error: 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit' });

const duration = z.string().refine((s) => (parseDuration(s) ?? 0) > 0, {
  error: 'must be a positive Prometheus duration such as 15s, 1h30m or 7d',
});
const byteSize = z.string().refine((s) => parseByteSize(s) !== undefined, {
  error: 'must be a Prometheus byte size such as 42GB or 500MiB (B, KB, MB, GB, TB; all base-2)',
});
const storageQuantity = z.string().refine((s) => (parseQuantity(s) ?? 0) >= 2 ** 20, {
  error: 'must be a Kubernetes quantity of at least 1Mi, such as 50Gi',
});
const cpuQuantity = z.string().refine((s) => (parseQuantity(s) ?? 0) > 0, {
  error: 'must be a positive Kubernetes CPU quantity such as 500m or 2',
});
const memoryQuantity = z.string().refine((s) => (parseQuantity(s) ?? 0) >= 2 ** 20, {
  error: 'must be a Kubernetes memory quantity of at least 1Mi, such as 2Gi',
});

const resources = z.strictObject({
  requests: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
  limits: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
});

const replicas = z.int().min(1, { error: 'must be at least 1' }).max(10, { error: 'must be at most 10' });
const storage = z.strictObject({
  storageClassName: z.string().regex(DNS_SUBDOMAIN, { error: 'must be a DNS-1123 subdomain such as gp3' }),
  size: storageQuantity,
});
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: 'must be host:port' });

const thanos = z.strictObject({
  /** The sidecar in each Prometheus pod (the operator injects it from the Prometheus CR). */
  sidecar: z.strictObject({
    resources,
    /**
     * Go GC target (GOGC) of the sidecar: every query's raw series pass through it, and at the
     * default (100) garbage collection is a third of its CPU. Memory stays bounded: GOMEMLIMIT
     * is set to 90% of the memory limit, so the collector tightens before the limit is reached.
     */
    goGC: z.int().min(50, { error: 'must be at least 50' }).max(1000, { error: 'must be at most 1000' }),
  }),
  /**
   * Per-request limits of the sidecars and store gateways: a Series call that passes them fails
   * with an error naming the limit, bounding what one query loads into thanos-query (the store
   * gateway refuses before reading; the pinned sidecar does not enforce them, see storeLimitFlags).
   */
  storeLimits: z.strictObject({ requestSeries: z.int().min(1000), requestSamples: z.int().min(100_000) }),
  query: z.strictObject({ replicas, resources, maxConcurrent: z.int().min(1), timeout: duration }),
  queryFrontend: z.strictObject({
    replicas,
    resources,
    /** Range queries are split into pieces of this length, each cached on its own. */
    splitInterval: duration,
    maxRetries: z.int().min(0),
    cache: z.strictObject({ maxSize: byteSize, maxSizeItems: z.int().min(1), validity: duration }),
  }),
  store: z.strictObject({
    replicas,
    resources,
    storage,
    indexCacheSize: byteSize,
    /** > 1 splits the blocks across this many StatefulSets by hashmod of __block_id. */
    shards: z.int().min(1).max(16),
  }),
  compactor: z.strictObject({
    replicas: z.int(),
    resources,
    storage,
    retention: z.strictObject({ raw: duration, fiveMinutes: duration, oneHour: duration }),
  }),
  ruler: z.strictObject({ replicas, resources, storage, evaluationInterval: duration }),
  /** A global query in one cluster federating every cluster's query over gRPC. */
  global: z
    .strictObject({
      hostCluster: dnsLabel,
      /** Cluster name -> gRPC address of that cluster's thanos-query, as reachable from the host. */
      endpoints: z.record(dnsLabel, hostPort),
    })
    .optional(),
});

const slackChannel = z.string().regex(/^#[a-z0-9][a-z0-9_-]{0,79}$/, { error: 'must be a Slack channel such as #greenlang-alerts' });
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a Prometheus label name' });

const alertmanager = z.strictObject({
  replicas,
  resources,
  storage,
  /**
   * Existing Secret (managed outside dist, e.g. by an ExternalSecret) holding the receiver
   * credentials under the keys in charts/alertmanager-config.ts; mounted, read via *_file.
   */
  credentialsSecret: dnsLabel,
  timing: z.strictObject({ resolveTimeout: duration, groupWait: duration, groupInterval: duration, repeatInterval: duration }),
  groupBy: z.array(labelName).min(1),
  /**
   * The dead man's switch: the always-firing Watchdog goes to the heartbeat service (URL under
   * `heartbeat-url` in the credentials Secret) every repeatInterval; set the service's period to
   * match and its grace to a few intervals.
   */
  heartbeat: z.strictObject({ repeatInterval: duration }),
  /** The longest silence `npm run silence` creates without --allow-long (a forgotten silence hides incidents). */
  maxSilence: duration,
  slack: z.strictObject({ defaultChannel: slackChannel, criticalChannel: slackChannel, warningChannel: slackChannel }),
  /** FR-3.4 weekly summary email. */
  digest: z.strictObject({
    schedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: 'must be a five-field cron schedule' }),
    smtpHost: hostPort,
    from: z.email({ error: 'must be an e-mail address' }),
    to: z.array(z.email({ error: 'must be an e-mail address' })).min(1),
  }),
});

const pushgateway = z.strictObject({
  replicas,
  resources,
  storage,
  /**
   * Existing Secret (ExternalSecret-managed) with `web-config.yml` (bcrypt basic-auth users for
   * --web.config.file) and the plain `username`/`password` that Prometheus, the SDK and the
   * janitor present.
   */
  authSecret: dnsLabel,
  /** Namespaces whose batch jobs may push (NetworkPolicy, issue 10) and where the SDK is used. */
  clientNamespaces: z.array(dnsLabel),
  janitor: z.strictObject({
    schedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: 'must be a five-field cron schedule' }),
    /** FR-4.4: groups not pushed for this long are deleted (job-level groups are exempt). */
    defaultTtl: duration,
  }),
});

/** A GreenLang service scraped through a ServiceMonitor (PRD 8.1, 8.2). */
const monitoredService = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel,
  /** Labels of the Service to scrape. */
  selector: z
    .record(z.string(), z.string())
    .refine((r) => Object.keys(r).length > 0, { error: 'must not be empty (it would select every Service)' }),
  port: dnsLabel,
  path: z.string().regex(/^\//, { error: 'must start with /' }),
  interval: duration.optional(),
  /** Keep only metrics whose name matches this regex (metricRelabelings keep on __name__). */
  keepMetrics: z.string().optional(),
  /** Copy the pod's `app` label to `service` and the pod name to `pod` (PRD 8.1). */
  podLabels: z.boolean(),
  honorLabels: z.boolean(),
});

const argocd = z.strictObject({
  /** Namespace of Argo CD in the hub (where every Application, AppProject and cluster Secret lives). */
  namespace: dnsLabel,
  /**
   * The hub: the cluster the environment's Argo CD runs in, by the name that Argo CD knows it
   * (`in-cluster` for its own cluster). Root Applications are delivered there; the workload
   * clusters are registered with it by dist (a cluster Secret each) and targeted by name.
   */
  hub: z.strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'must be the cluster name Argo CD shows, such as in-cluster' }),
  }),
  /** This repository, as Argo CD clones it. */
  repoURL: z.url({ error: 'must be the repository URL Argo CD clones' }),
  /** Branch (or tag) Argo CD follows: promotion is a PR to this branch. */
  targetRevision: z.string().min(1),
});

/** Where credentials come from: an existing ClusterSecretStore (AWS Secrets Manager) and a key prefix. */
const secrets = z.strictObject({
  clusterSecretStore: dnsLabel,
  /** Secrets Manager names are `<prefix>/alertmanager` and `<prefix>/pushgateway`. */
  prefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/, { error: 'must be a Secrets Manager name prefix' }),
  refreshInterval: duration,
});

/** cert-manager issuer of the in-cluster certificates (Thanos gRPC mTLS). Shared across an environment's clusters. */
const tls = z.strictObject({
  issuer: z.strictObject({ kind: z.enum(['ClusterIssuer', 'Issuer']), name: dnsLabel }),
});

const storageClassName = z.string().regex(DNS_SUBDOMAIN, { error: 'must be a DNS-1123 subdomain such as gp3' });

/**
 * The StorageClasses the platform's volumes may use. The operator refuses a CR whose class the
 * cluster lacks (and EKS has no `gp3` class by default), so every `storageClassName` must be
 * either rendered here (`provision`, EBS CSI) or named in `existing`.
 */
const storageClasses = z.strictObject({
  provision: z
    .strictObject({
      name: storageClassName,
      /** EBS volume type (`type` parameter of ebs.csi.aws.com). */
      volumeType: z.enum(['gp3', 'io2', 'gp2']),
      /** KMS key for EBS encryption; the account's default EBS key when absent. */
      kmsKeyId: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/, { error: 'must be a KMS key ARN' })
        .optional(),
    })
    .optional(),
  existing: z.array(storageClassName),
});

const networkCidr = z.string().refine(isNetworkCidr, { error: 'must be an IPv4 network in CIDR form such as 10.20.0.0/16' });

const cluster = z.strictObject({
  /** Cluster name; also the `cluster` external label and the dist sub-folder. */
  name: dnsLabel,
  region: z.string().regex(AWS_REGION, { error: 'must be an AWS region such as us-east-1' }),
  awsAccountId: z.string().regex(/^[0-9]{12}$/, { error: 'must be a 12-digit AWS account id' }),
  /**
   * Where the cluster's traffic comes from, as other clusters see it; required when a global
   * view federates the environment's clusters (the NetworkPolicies admit peers by address).
   */
  network: z
    .strictObject({
      /** The VPC: pods (VPC CNI) and nodes connect to other clusters from these addresses. */
      vpcCidr: networkCidr,
      /**
       * Subnets of the internal load balancers (tagged kubernetes.io/role/internal-elb): the
       * query's gRPC NLB lives there, and its health checks come from there.
       */
      internalLoadBalancerSubnets: z.array(networkCidr).min(1, { error: 'must list at least one subnet' }),
    })
    .optional(),
});

/** A ScrapeConfig CR (operator v1alpha1) rendered as-is; its spec is checked against the CRD model at synth. */
const additionalScrapeConfig = z.strictObject({
  name: dnsLabel,
  spec: z.record(z.string(), z.unknown()),
});

/** Headroom rule (FR-1.5): retentionSize may use at most this share of the PVC (WAL, head chunks and compaction need the rest). */
export const RETENTION_SIZE_MAX_SHARE = 0.85;

/**
 * The compactor's largest job: Thanos' default compaction levels end at 14-day blocks, and
 * compacting one downloads its source blocks and writes the result next to them, so the disk
 * needs about twice a 14-day block of one cluster's (deduplicated) ingestion.
 */
export const LARGEST_BLOCK_SECONDS = 14 * 86400;
export const COMPACTOR_DISK_BLOCKS = 2;

const prometheus = z.strictObject({
  replicas,
  scrapeInterval: duration,
  evaluationInterval: duration,
  /** Local retention; Thanos keeps the long-term copy. */
  retention: duration,
  retentionSize: byteSize,
  /** Expected ingestion, used to check that retentionSize really holds `retention` of data. */
  sizing: z.strictObject({
    samplesPerSecond: z.number().positive({ error: 'must be positive' }),
    bytesPerSample: z.number().positive({ error: 'must be positive' }),
  }),
  storage,
  resources,
  /**
   * Query work Prometheus accepts at once, so queries queue instead of starving ingestion:
   * PromQL evaluated by Prometheus itself, and remote reads (how the Thanos sidecar fetches
   * data for every Thanos query).
   */
  queryLimits: z.strictObject({
    maxConcurrency: z.int().min(1, { error: 'must be at least 1' }),
    remoteReadConcurrency: z.int().min(1, { error: 'must be at least 1' }),
    timeout: duration,
  }),
  additionalScrapeConfigs: z.array(additionalScrapeConfig),
});

// Image tags as OCI allows them. Set by envs/versions.ts pins only.
const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'must be an image tag such as v3.14.0 (pins live in envs/versions.ts)' });
const release = z.strictObject({
  images: z.record(
    z.enum(Object.keys(versions) as [ComponentName, ...ComponentName[]]),
    z.strictObject({ image: z.string().min(1), tag: imageTag }),
  ),
});

/** Feature flags; charts never read them directly (charts/plan.ts turns them into a cluster's plan). */
export const features = z.strictObject({ enableThanos: z.boolean(), enablePushgateway: z.boolean() });
export type Features = z.infer<typeof features>;

const envShape = z.strictObject({
  name: dnsLabel,
  /** Promotion order and the rules that depend on it; never branched on in charts. */
  tier: z.enum(['dev', 'staging', 'prod']),
  clusters: z.array(cluster).min(1, { error: 'must list at least one cluster' }),
  namespace: dnsLabel,
  /**
   * Namespace for the one workload that needs host access (node-exporter), so the monitoring
   * namespace itself can enforce the `restricted` pod security standard.
   */
  hostNamespace: dnsLabel,
  monitoredNamespaces: z.array(dnsLabel).min(1, { error: 'must list at least one namespace' }),
  prometheus,
  /** The catalogue of GreenLang services, each with its own ServiceMonitor (FR-5.2). */
  services: z.array(monitoredService),
  /** Base of every alert's runbook_url; the alert name and `.md` are appended. */
  runbookBaseUrl: z.url({ error: 'must be an absolute URL' }),
  thanos,
  alertmanager,
  pushgateway,
  argocd,
  secrets,
  tls,
  features,
  storageClasses,
  /**
   * HA pairs spread across zones: `required` (a replica stays Pending rather than share a zone
   * with its peer) or `preferred` (the scheduler tries). Node anti-affinity always applies.
   */
  scheduling: z.strictObject({ zoneSpread: z.enum(['required', 'preferred']) }),
  /** Each cluster's bucket and IRSA roles: from the Terraform outputs file, never from env files (see envs/terraform.ts). */
  aws: awsByClusterSchema,
  /** Image tags this environment runs: from envs/versions.ts, never env files. */
  release,
  tags: z.record(
    z.string().regex(/^[\w .:/=+\-@]{1,128}$/, { error: 'tag keys must be 1-128 characters of letters, digits, spaces and _.:/=+-@' }),
    z.string().max(256, { error: 'tag values must be at most 256 characters' }),
  ),
});

/** Every volume's class is one the platform renders or one the cluster is said to have. */
function checkStorageClasses(env: z.infer<typeof envShape>, issue: (path: (string | number)[], message: string) => void): void {
  const known = new Set([...(env.storageClasses.provision ? [env.storageClasses.provision.name] : []), ...env.storageClasses.existing]);
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'storageClassName' && typeof x === 'string' && !known.has(x)) {
          issue(
            [...path, k],
            `"${x}" is neither rendered (storageClasses.provision) nor listed in storageClasses.existing; ` +
              `the operator refuses a storage class the cluster does not have (known: ${[...known].join(', ') || 'none'})`,
          );
        } else if (k !== 'storageClasses') walk(x, [...path, k]);
      }
    }
  };
  walk(env, []);
}

export const envSchema = envShape.superRefine((env, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  if (env.tier !== 'dev') {
    const ha: [string[], number][] = [
      [['alertmanager', 'replicas'], env.alertmanager.replicas],
      [['prometheus', 'replicas'], env.prometheus.replicas],
      [['thanos', 'query', 'replicas'], env.thanos.query.replicas],
      [['thanos', 'queryFrontend', 'replicas'], env.thanos.queryFrontend.replicas],
      [['thanos', 'store', 'replicas'], env.thanos.store.replicas],
      [['thanos', 'ruler', 'replicas'], env.thanos.ruler.replicas],
    ];
    for (const [path, n] of ha) {
      if (n < 2) issue(path, `must be at least 2 in a ${env.tier} environment (HA pair, FR-1.1); got ${n}`);
    }
  }
  if (env.tier === 'prod' && env.scheduling.zoneSpread !== 'required') {
    issue(
      ['scheduling', 'zoneSpread'],
      `must be "required" in prod: with "${env.scheduling.zoneSpread}" one zone outage can take both replicas of an HA pair`,
    );
  }
  if (env.hostNamespace === env.namespace || env.monitoredNamespaces.includes(env.hostNamespace)) {
    issue(['hostNamespace'], `"${env.hostNamespace}" must be a namespace of its own: it runs privileged pods`);
  }
  for (const [field, list] of [
    ['monitoredNamespaces', env.monitoredNamespaces],
    ['pushgateway.clientNamespaces', env.pushgateway.clientNamespaces],
  ] as const) {
    if (list.includes(env.namespace)) {
      issue(
        ['namespace'],
        `"${env.namespace}" is also in ${field}: the monitoring namespace is the platform's own (its default-deny NetworkPolicies would block the tenant's pods)`,
      );
    }
  }
  if (env.clusters.some((c) => c.name === env.argocd.hub.name)) {
    issue(
      ['argocd', 'hub', 'name'],
      `"${env.argocd.hub.name}" is also a workload cluster: name the hub as its Argo CD knows itself (in-cluster), so the cluster Secret dist renders for the workload cluster does not register the same name twice`,
    );
  }
  checkThanos(env, issue);
  checkStorageClasses(env, issue);
  checkStorage(env, issue);
  duplicates(env.clusters.map((c) => c.name)).forEach((n) => issue(['clusters'], `cluster name "${n}" is listed twice`));
  duplicates(env.monitoredNamespaces).forEach((n) => issue(['monitoredNamespaces'], `namespace "${n}" is listed twice`));
  duplicates(env.services.map((s) => s.name)).forEach((n) => issue(['services'], `service "${n}" is listed twice`));
  env.services.forEach((s, i) => {
    if (!env.monitoredNamespaces.includes(s.namespace)) {
      issue(['services', i, 'namespace'], `"${s.namespace}" is not in monitoredNamespaces: Prometheus has no discovery access there`);
    }
    if (s.keepMetrics !== undefined) {
      try {
        new RegExp(`^(?:${s.keepMetrics})$`);
      } catch {
        issue(['services', i, 'keepMetrics'], `is not a valid regular expression`);
      }
    }
  });
  duplicates(env.prometheus.additionalScrapeConfigs.map((s) => s.name)).forEach((n) =>
    issue(['prometheus', 'additionalScrapeConfigs'], `scrape config name "${n}" is used twice`),
  );

  const p = env.prometheus;
  const retentionBytes = parseByteSize(p.retentionSize);
  const pvcBytes = parseQuantity(p.storage.size);
  const retentionSeconds = parseDuration(p.retention);
  if (retentionBytes !== undefined && pvcBytes !== undefined) {
    const max = pvcBytes * RETENTION_SIZE_MAX_SHARE;
    if (retentionBytes > max) {
      issue(
        ['prometheus', 'retentionSize'],
        `${p.retentionSize} (${gib(retentionBytes)}; Prometheus sizes are base-2) exceeds ${RETENTION_SIZE_MAX_SHARE * 100}% of ` +
          `prometheus.storage.size ${p.storage.size} (${gib(max)} allowed): the WAL, head chunks and compaction need the rest ` +
          `of the volume, and only blocks are deleted. Lower retentionSize or grow the volume`,
      );
    }
  }
  if (retentionBytes !== undefined && retentionSeconds !== undefined) {
    const needed = retentionSeconds * p.sizing.samplesPerSecond * p.sizing.bytesPerSample;
    if (retentionBytes < needed) {
      issue(
        ['prometheus', 'retentionSize'],
        `${p.retentionSize} (${gib(retentionBytes)}) cannot hold prometheus.retention ${p.retention} at ` +
          `${p.sizing.samplesPerSecond} samples/s x ${p.sizing.bytesPerSample} B/sample (${gib(needed)} needed): ` +
          `the size cap would silently cut local history short`,
      );
    }
  }
  const compactorDisk = parseQuantity(env.thanos.compactor.storage.size);
  const block = LARGEST_BLOCK_SECONDS * p.sizing.samplesPerSecond * p.sizing.bytesPerSample;
  if (compactorDisk !== undefined && compactorDisk < COMPACTOR_DISK_BLOCKS * block) {
    issue(
      ['thanos', 'compactor', 'storage', 'size'],
      `${env.thanos.compactor.storage.size} (${gib(compactorDisk)}) cannot compact a 14-day block at ${p.sizing.samplesPerSecond} ` +
        `samples/s x ${p.sizing.bytesPerSample} B/sample: the block is ${gib(block)} and compacting it needs its sources plus the ` +
        `result on disk (${gib(COMPACTOR_DISK_BLOCKS * block)}); grow the volume`,
    );
  }
  checkResources(env, issue);
  const scrape = parseDuration(p.scrapeInterval);
  if (scrape !== undefined && retentionSeconds !== undefined && scrape >= retentionSeconds) {
    issue(['prometheus', 'scrapeInterval'], `${p.scrapeInterval} must be shorter than prometheus.retention ${p.retention}`);
  }
  const intervals: [(string | number)[], string][] = [
    [['prometheus', 'scrapeInterval'], p.scrapeInterval],
    // Recorded series are samples too: rules and dashboards read them through the same windows.
    [['prometheus', 'evaluationInterval'], p.evaluationInterval],
    [['thanos', 'ruler', 'evaluationInterval'], env.thanos.ruler.evaluationInterval],
    ...env.services.flatMap((s, i): [(string | number)[], string][] => (s.interval ? [[['services', i, 'interval'], s.interval]] : [])),
  ];
  for (const [path, interval] of intervals) {
    const seconds = parseDuration(interval);
    if (seconds !== undefined && seconds > MAX_SCRAPE_INTERVAL_SECONDS) {
      issue(
        path,
        `${interval} is longer than ${MAX_SCRAPE_INTERVAL_SECONDS / 60}m: the rules' ${SHORTEST_RULE_WINDOW_SECONDS / 60}m rate windows need two samples, and Prometheus marks a series stale after 5m without one`,
      );
    }
  }
});

type Issue = (path: (string | number)[], message: string) => void;

/**
 * Every container's requests within its limits, wherever the schema has `resources`: the API
 * server refuses a pod template whose request exceeds its limit, and for operator-managed pods
 * that refusal surfaces only in the operator's log, long after the sync looked green.
 */
function checkResources(env: z.infer<typeof envShape>, issue: Issue): void {
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, [...path, i]));
    for (const [k, x] of Object.entries(v)) {
      if (k === 'resources' && x && typeof x === 'object' && 'requests' in x && 'limits' in x) {
        const { requests, limits } = x as z.infer<typeof resources>;
        for (const res of ['cpu', 'memory'] as const) {
          const [req, lim] = [parseQuantity(requests[res]), parseQuantity(limits[res])];
          if (req !== undefined && lim !== undefined && req > lim) {
            issue(
              [...path, k, 'requests', res],
              `${requests[res]} exceeds the limit ${limits[res]}: the API server refuses a pod whose request is above its limit`,
            );
          }
        }
      } else walk(x, [...path, k]);
    }
  };
  walk(env, []);
}

/** The shortest range the platform's rules read (`rate(x[5m])`; test/rules checks it stays so). */
export const SHORTEST_RULE_WINDOW_SECONDS = 300;
/** A rate over that window needs two samples in it. */
export const MAX_SCRAPE_INTERVAL_SECONDS = SHORTEST_RULE_WINDOW_SECONDS / 2;

/**
 * The bucket layout: every cluster has its own bucket, in its own region, and roles in its own
 * account. A shared bucket would make each store gateway serve the other clusters' history
 * (and the global view fetch it twice); a bucket in another region pays cross-region traffic.
 */
function checkStorage(env: z.infer<typeof envShape>, issue: Issue): void {
  const names = env.clusters.map((c) => c.name);
  // Malformed or duplicated clusters are reported on their own fields; compare only sound ones.
  if (duplicates(names).length > 0) return;
  const owner = new Map<string, string>();
  for (const c of env.clusters) {
    const s = env.aws[c.name];
    if (!s) {
      issue(
        ['aws', c.name],
        `cluster "${c.name}" has no bucket in the Terraform outputs (thanos_storage): add it to terraform/envs/${env.name}.tfvars and apply`,
      );
      continue;
    }
    if (s.region !== c.region && AWS_REGION.test(c.region)) {
      issue(
        ['aws', c.name, 'region'],
        `bucket ${s.bucket} is in ${s.region}, but cluster "${c.name}" runs in ${c.region}: each cluster writes to a bucket in its own region`,
      );
    }
    const other = owner.get(s.bucket);
    if (other) {
      issue(
        ['aws', c.name, 'bucket'],
        `bucket ${s.bucket} is also cluster "${other}"'s: each cluster needs its own bucket, or its store gateway serves the other's history`,
      );
    }
    owner.set(s.bucket, c.name);
    for (const [component, arn] of /^[0-9]{12}$/.test(c.awsAccountId) ? Object.entries(s.roles) : []) {
      const account = arn.split(':')[4];
      if (account !== c.awsAccountId) {
        issue(
          ['aws', c.name, 'roles', component],
          `role ${arn} is in account ${account}, not in cluster "${c.name}"'s account ${c.awsAccountId}: wrong outputs file?`,
        );
      }
    }
    // The EKS access entry that admits the deployer is made by Terraform in the cluster's account.
    const deployerAccount = s.argocdRoleArn.split(':')[4];
    if (/^[0-9]{12}$/.test(c.awsAccountId) && deployerAccount !== c.awsAccountId) {
      issue(
        ['aws', c.name, 'argocdRoleArn'],
        `Argo CD's deployer role ${s.argocdRoleArn} is in account ${deployerAccount}, not in cluster "${c.name}"'s account ${c.awsAccountId}: wrong outputs file?`,
      );
    }
  }
  for (const extra of Object.keys(env.aws).filter((n) => !names.includes(n))) {
    issue(['aws', extra], `is not one of this environment's clusters (${names.join(', ')}): wrong outputs file?`);
  }
}

function checkThanos(env: z.infer<typeof envShape>, issue: Issue): void {
  const t = env.thanos;
  const clusterNames = env.clusters.map((c) => c.name);
  if (t.compactor.replicas !== 1) {
    issue(
      ['thanos', 'compactor', 'replicas'],
      `must be exactly 1; got ${t.compactor.replicas}: two compactors on one bucket compact and delete the same blocks concurrently (each cluster runs one, for its own bucket)`,
    );
  }
  const r = t.compactor.retention;
  const [raw, m5, h1] = [r.raw, r.fiveMinutes, r.oneHour].map((d) => parseDuration(d) ?? 0) as [number, number, number];
  if (raw < 40 * 3600) {
    issue(
      ['thanos', 'compactor', 'retention', 'raw'],
      `${r.raw} is shorter than 40h: raw blocks would be deleted before they can be downsampled to 5m`,
    );
  }
  if (m5 < 10 * 86400) {
    issue(
      ['thanos', 'compactor', 'retention', 'fiveMinutes'],
      `${r.fiveMinutes} is shorter than 10d: 5m blocks would be deleted before they can be downsampled to 1h`,
    );
  }
  if (!(raw <= m5 && m5 <= h1)) {
    issue(
      ['thanos', 'compactor', 'retention'],
      `must not shrink with coarser resolution: raw ${r.raw} <= 5m ${r.fiveMinutes} <= 1h ${r.oneHour}`,
    );
  }
  if (t.global) {
    if (!clusterNames.includes(t.global.hostCluster)) {
      issue(
        ['thanos', 'global', 'hostCluster'],
        `"${t.global.hostCluster}" is not one of this environment's clusters (${clusterNames.join(', ')})`,
      );
    }
    for (const c of clusterNames.filter((n) => !(n in t.global!.endpoints))) {
      issue(['thanos', 'global', 'endpoints'], `has no endpoint for cluster "${c}": the global view would silently miss it`);
    }
    for (const c of Object.keys(t.global.endpoints).filter((n) => !clusterNames.includes(n))) {
      issue(['thanos', 'global', 'endpoints', c], `is not one of this environment's clusters (${clusterNames.join(', ')})`);
    }
    for (const [c, endpoint] of Object.entries(t.global.endpoints)) {
      const inCluster = /\.svc(\.cluster\.local)?:[0-9]+$/.test(endpoint);
      if (c === t.global.hostCluster && !inCluster) {
        issue(
          ['thanos', 'global', 'endpoints', c],
          `${endpoint}: the host cluster's own query is dialled in-cluster (<service>.<namespace>.svc...:port)`,
        );
      }
      if (c !== t.global.hostCluster && inCluster) {
        issue(
          ['thanos', 'global', 'endpoints', c],
          `${endpoint} is an in-cluster name, which the host cluster cannot resolve: name the DNS record of ${c}'s internal load balancer`,
        );
      }
    }
    checkPeerNetworks(env, issue);
  }
}

/** The global view admits peers by address: every cluster says where it connects from, and the ranges are routable. */
function checkPeerNetworks(env: z.infer<typeof envShape>, issue: Issue): void {
  const withNetwork = env.clusters.flatMap((c, i) => (c.network ? [{ c, i, n: c.network }] : []));
  env.clusters.forEach((c, i) => {
    if (!c.network && env.clusters.length > 1) {
      issue(
        ['clusters', i, 'network'],
        `is required for "${c.name}" because thanos.global federates this environment's clusters: the NetworkPolicies ` +
          `admit the other cluster's query by its VPC CIDR`,
      );
    }
  });
  for (const { c, i, n } of withNetwork) {
    n.internalLoadBalancerSubnets.forEach((subnet, j) => {
      if (isNetworkCidr(subnet) && isNetworkCidr(n.vpcCidr) && !cidrContains(n.vpcCidr, subnet)) {
        issue(['clusters', i, 'network', 'internalLoadBalancerSubnets', j], `${subnet} is outside ${c.name}'s VPC ${n.vpcCidr}`);
      }
    });
  }
  withNetwork.forEach((a, k) => {
    for (const b of withNetwork.slice(k + 1)) {
      if (isNetworkCidr(a.n.vpcCidr) && isNetworkCidr(b.n.vpcCidr) && cidrsOverlap(a.n.vpcCidr, b.n.vpcCidr)) {
        issue(
          ['clusters', b.i, 'network', 'vpcCidr'],
          `${b.n.vpcCidr} overlaps ${a.c.name}'s VPC ${a.n.vpcCidr}: peered VPCs cannot route overlapping ranges, ` +
            `and a NetworkPolicy could not tell the clusters apart`,
        );
      }
    }
  });
}

export type EnvConfig = z.infer<typeof envSchema>;
export type ClusterConfig = EnvConfig['clusters'][number];

/** What an env file may set: any subset of the schema's input, nested. Arrays replace. */
export type EnvOverrides = DeepPartial<Omit<z.input<typeof envSchema>, 'aws' | 'release'>> & Pick<EnvConfig, 'name' | 'tier' | 'clusters'>;

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}
