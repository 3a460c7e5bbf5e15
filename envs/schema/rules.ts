/**
 * Cross-field rules: what each field must be against the fields it interacts with (sizes,
 * durations, replicas per tier, namespaces, buckets, networks). Each problem names the field and
 * the rule, and says what would break.
 */
import { cidrContains, cidrsOverlap, isNetworkCidr } from '../../lib/cidr.js';
import { gib, parseByteSize, parseDuration, parseQuantity } from '../../lib/units.js';
import type { EnvShape } from '../schema.js';
import { AWS_REGION, type resources } from './fields.js';
import { COMPACTOR_DISK_BLOCKS, LARGEST_BLOCK_SECONDS, RETENTION_SIZE_MAX_SHARE } from './prometheus.js';
import type { z } from 'zod';

/** Every volume's class is one the platform renders or one the cluster is said to have. */
function checkStorageClasses(env: EnvShape, issue: Issue): void {
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

/** Every cross-field rule of the env config; each problem names its field. */
export function checkEnv(env: EnvShape, issue: Issue): void {
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
  checkLowerBounds(env, issue);
  checkGrafana(env, issue);
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
}

export type Issue = (path: (string | number)[], message: string) => void;

/**
 * Every container's requests within its limits, wherever the schema has `resources`: the API
 * server refuses a pod template whose request exceeds its limit, and for operator-managed pods
 * that refusal surfaces only in the operator's log, long after the sync looked green.
 */
function checkResources(env: EnvShape, issue: Issue): void {
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

function checkGrafana(env: EnvShape, issue: Issue): void {
  const g = env.grafana;
  if (g.replicas > 1 && !g.database) {
    issue(
      ['grafana', 'replicas'],
      `${g.replicas} replicas need grafana.database: each replica would have its own SQLite file on its own volume, so users, folders and sessions would differ from one request to the next`,
    );
  }
  if (!g.auth.basicLogin && !g.auth.oidc) {
    issue(['grafana', 'auth'], 'basicLogin is off and no oidc is set: nobody could sign in');
  }
}

/** The Prometheus block the sidecar uploads (the operator sets both block durations to it when Thanos runs). */
export const BLOCK_SECONDS = 2 * 3600;

/** Durations that work when long but break the platform when too short. */
function checkLowerBounds(env: EnvShape, issue: Issue): void {
  const bounds: [(string | number)[], string, number, string][] = [
    ...(env.features.enableThanos
      ? [
          [
            ['prometheus', 'retention'],
            env.prometheus.retention,
            3 * BLOCK_SECONDS,
            'the sidecar uploads 2h blocks, and with fewer than three of them kept locally an object-storage outage of a few hours loses data that was never uploaded',
          ] as [(string | number)[], string, number, string],
        ]
      : []),
    [
      ['thanos', 'queryFrontend', 'splitInterval'],
      env.thanos.queryFrontend.splitInterval,
      3600,
      "the frontend would split one dashboard's 24h range query into more than 24 sub-queries, each a full fan-out to every store",
    ],
    [
      ['pushgateway', 'janitor', 'defaultTtl'],
      env.pushgateway.janitor.defaultTtl,
      SHORTEST_RULE_WINDOW_SECONDS,
      `a pushed group would be deleted before the ${SHORTEST_RULE_WINDOW_SECONDS / 60}m windows of the batch-job rules can read it`,
    ],
  ];
  for (const [path, value, min, why] of bounds) {
    const seconds = parseDuration(value);
    if (seconds !== undefined && seconds < min)
      issue(path, `${value} is shorter than ${min >= 3600 ? `${min / 3600}h` : `${min / 60}m`}: ${why}`);
  }
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
function checkStorage(env: EnvShape, issue: Issue): void {
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

function checkThanos(env: EnvShape, issue: Issue): void {
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
function checkPeerNetworks(env: EnvShape, issue: Issue): void {
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

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}
