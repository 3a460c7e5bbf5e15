/**
 * Bad input gets a clear error naming the environment, the field and the rule, and loses
 * nothing: each case runs the whole synth against an existing dist and checks it is untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { deepMerge } from '../../envs/index.js';
import type { EnvOverrides } from '../../envs/schema.js';
import { synthesize } from '../../charts/index.js';
import { runSynth } from '../../cli/synth.js';
import { fixtureOutputsDir, qa } from '../fixtures/envs.js';
import { hashTree, tempDir } from '../helpers/tree.js';

const GL = ['greenlang', 'gl-agents', 'gl-fuel', 'gl-cbam', 'gl-building'];

const cases: [title: string, override: unknown, message: string][] = [
  [
    'a staging pair of one',
    { prometheus: { replicas: 1 } },
    'env "qa": prometheus.replicas: must be at least 2 in a staging environment (HA pair, FR-1.1); got 1',
  ],
  [
    "the PRD's 50GB retentionSize on a 50Gi PVC",
    { prometheus: { retentionSize: '50GB' } },
    'env "qa": prometheus.retentionSize: 50GB (50.0 GiB; Prometheus sizes are base-2) exceeds 85% of prometheus.storage.size 50Gi ' +
      '(42.5 GiB allowed): the WAL, head chunks and compaction need the rest of the volume, and only blocks are deleted. ' +
      'Lower retentionSize or grow the volume',
  ],
  [
    'a size cap (and a compactor disk) that cannot hold the expected ingestion',
    { prometheus: { sizing: { samplesPerSecond: 100000 } } },
    'env "qa": prometheus.retentionSize: 42GB (42.0 GiB) cannot hold prometheus.retention 7d at 100000 samples/s x 1.5 B/sample ' +
      '(84.5 GiB needed): the size cap would silently cut local history short\n' +
      'env "qa": thanos.compactor.storage.size: 150Gi (150.0 GiB) cannot compact a 14-day block at 100000 samples/s x 1.5 B/sample: ' +
      'the block is 169.0 GiB and compacting it needs its sources plus the result on disk (338.0 GiB); grow the volume',
  ],
  [
    'an image pin set in an env file instead of envs/versions.ts',
    { release: { images: { prometheus: { image: 'quay.io/prometheus/prometheus', tag: 'latest' } } } },
    'env "qa": release: cannot be set in an env file: it comes from envs/versions.ts (moved between environments by `npm run promote`)',
  ],
  [
    'a retention that is not a duration',
    { prometheus: { retention: '7days' } },
    'env "qa": prometheus.retention: must be a positive Prometheus duration such as 15s, 1h30m or 7d',
  ],
  [
    'a retentionSize in Kubernetes units',
    { prometheus: { retentionSize: '42Gi' } },
    'env "qa": prometheus.retentionSize: must be a Prometheus byte size such as 42GB or 500MiB (B, KB, MB, GB, TB; all base-2)',
  ],
  [
    'a PVC size in Prometheus units',
    { prometheus: { storage: { size: '50GB' } } },
    'env "qa": prometheus.storage.size: must be a Kubernetes quantity of at least 1Mi, such as 50Gi',
  ],
  [
    'a namespace that is not a DNS label',
    { monitoredNamespaces: [...GL, 'GL_Agents'] },
    'env "qa": monitoredNamespaces[5]: must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  ],
  [
    'a namespace listed twice',
    { monitoredNamespaces: [...GL, 'greenlang'] },
    'env "qa": monitoredNamespaces: namespace "greenlang" is listed twice',
  ],
  [
    'a catalogued service in a namespace Prometheus does not watch',
    { monitoredNamespaces: GL.filter((n) => n !== 'gl-fuel') },
    'env "qa": services[4].namespace: "gl-fuel" is not in monitoredNamespaces: Prometheus has no discovery access there',
  ],
  ['a misspelt field', { prometheus: { replicaz: 3 } }, 'env "qa": prometheus.replicaz: unknown field (not in the schema)'],
  [
    'a region that is not an AWS region',
    { clusters: [{ name: 'qa-1', region: 'useast1', awsAccountId: '444444444444' }] },
    'env "qa": clusters[0].region: must be an AWS region such as us-east-1',
  ],
  [
    'an AWS account id that is not 12 digits',
    { clusters: [{ name: 'qa-1', region: 'eu-central-1', awsAccountId: '1234' }] },
    'env "qa": clusters[0].awsAccountId: must be a 12-digit AWS account id',
  ],
  [
    'two clusters with one name',
    {
      clusters: [
        { name: 'qa-1', region: 'us-east-1', awsAccountId: '444444444444' },
        { name: 'qa-1', region: 'eu-west-1', awsAccountId: '444444444444' },
      ],
    },
    'env "qa": clusters: cluster name "qa-1" is listed twice',
  ],
  [
    'memory requests above the limit',
    { prometheus: { resources: { requests: { memory: '16Gi' } } } },
    'env "qa": prometheus.resources.requests.memory: 16Gi exceeds the limit 8Gi: the API server refuses a pod whose request is above its limit',
  ],
  [
    "a CPU request above the limit in any component's resources (the operator's pods too)",
    { thanos: { sidecar: { resources: { requests: { cpu: '2' } } } }, alertmanager: { resources: { limits: { memory: '128Mi' } } } },
    'env "qa": thanos.sidecar.resources.requests.cpu: 2 exceeds the limit 500m: the API server refuses a pod whose request is above its limit\n' +
      'env "qa": alertmanager.resources.requests.memory: 256Mi exceeds the limit 128Mi: the API server refuses a pod whose request is above its limit',
  ],
  [
    'a fractional replica count',
    { prometheus: { replicas: 1.5 } },
    'env "qa": prometheus.replicas: Invalid input: expected int, received number',
  ],
  ['an unknown tier', { tier: 'production' }, 'env "qa": tier: Invalid option: expected one of "dev"|"staging"|"prod"'],
  [
    'a scrape interval longer than the retention',
    { prometheus: { scrapeInterval: '8d' } },
    'env "qa": prometheus.scrapeInterval: 8d must be shorter than prometheus.retention 7d\n' +
      'env "qa": prometheus.scrapeInterval: 8d is longer than 2.5m: the rules\' 5m rate windows need two samples, and Prometheus marks a series stale after 5m without one',
  ],
  [
    'a volume on a storage class the cluster does not have (the operator would refuse it)',
    { prometheus: { storage: { storageClassName: 'io2-fast', size: '50Gi' } } },
    'env "qa": prometheus.storage.storageClassName: "io2-fast" is neither rendered (storageClasses.provision) nor listed in storageClasses.existing; ' +
      'the operator refuses a storage class the cluster does not have (known: gp3)',
  ],
  [
    'a ScrapeConfig spec with a misspelt field (caught by the CRD model at synth)',
    { prometheus: { additionalScrapeConfigs: [{ name: 'legacy-exporter', spec: { staticConfig: [{ targets: ['10.0.0.1:9100'] }] } }] } },
    'env "qa" cluster "qa-1" chart "prometheus" object ScrapeConfig/monitoring/legacy-exporter: spec.staticConfig: ' +
      'unknown field: the schema has no such property (typo, or wrong nesting)',
  ],
  [
    'a ScrapeConfig spec with a wrongly typed field',
    { prometheus: { additionalScrapeConfigs: [{ name: 'legacy-exporter', spec: { staticConfigs: 'host:9100' } }] } },
    'env "qa" cluster "qa-1" chart "prometheus" object ScrapeConfig/monitoring/legacy-exporter: spec.staticConfigs: must be an array',
  ],
  [
    'the hub named like one of the workload clusters',
    { argocd: { hub: { name: 'qa-1' } } },
    'env "qa": argocd.hub.name: "qa-1" is also a workload cluster: name the hub as its Argo CD knows itself (in-cluster), so the cluster Secret dist renders for the workload cluster does not register the same name twice',
  ],
  [
    'a scrape interval of 10 minutes',
    { prometheus: { scrapeInterval: '10m' } },
    'env "qa": prometheus.scrapeInterval: 10m is longer than 2.5m: the rules\' 5m rate windows need two samples, and Prometheus marks a series stale after 5m without one',
  ],
  [
    'rule evaluation every 5 minutes (recorded series go stale between evaluations)',
    { prometheus: { evaluationInterval: '5m' }, thanos: { ruler: { evaluationInterval: '3m' } } },
    'env "qa": prometheus.evaluationInterval: 5m is longer than 2.5m: the rules\' 5m rate windows need two samples, and Prometheus marks a series stale after 5m without one\n' +
      'env "qa": thanos.ruler.evaluationInterval: 3m is longer than 2.5m: the rules\' 5m rate windows need two samples, and Prometheus marks a series stale after 5m without one',
  ],
  [
    'a local retention of 4h with Thanos (fewer than three 2h blocks kept before upload)',
    { prometheus: { retention: '4h', retentionSize: '1GB' } },
    'env "qa": prometheus.retention: 4h is shorter than 6h: the sidecar uploads 2h blocks, and with fewer than three of them kept locally an object-storage outage of a few hours loses data that was never uploaded',
  ],
  [
    'a frontend split of 5 minutes and a janitor TTL of 1 minute',
    { thanos: { queryFrontend: { splitInterval: '5m' } }, pushgateway: { janitor: { defaultTtl: '1m' } } },
    'env "qa": thanos.queryFrontend.splitInterval: 5m is shorter than 1h: the frontend would split one dashboard\'s 24h range query into more than 24 sub-queries, each a full fan-out to every store\n' +
      'env "qa": pushgateway.janitor.defaultTtl: 1m is shorter than 5m: a pushed group would be deleted before the 5m windows of the batch-job rules can read it',
  ],
  [
    'two Grafana replicas on SQLite, and no way to sign in',
    { grafana: { replicas: 2, auth: { basicLogin: false } } },
    'env "qa": grafana.replicas: 2 replicas need grafana.database: each replica would have its own SQLite file on its own volume, so users, folders and sessions would differ from one request to the next\n' +
      'env "qa": grafana.auth: basicLogin is off and no oidc is set: nobody could sign in',
  ],
  [
    'the monitoring namespace listed as a monitored tenant namespace',
    { monitoredNamespaces: [...GL, 'monitoring'] },
    'env "qa": namespace: "monitoring" is also in monitoredNamespaces: the monitoring namespace is the platform\'s own (its default-deny NetworkPolicies would block the tenant\'s pods)',
  ],
  [
    'node-exporter sharing the restricted monitoring namespace',
    { hostNamespace: 'monitoring' },
    'env "qa": hostNamespace: "monitoring" must be a namespace of its own: it runs privileged pods',
  ],
  [
    'a second compactor on the same bucket',
    { thanos: { compactor: { replicas: 2 } } },
    'env "qa": thanos.compactor.replicas: must be exactly 1; got 2: two compactors on one bucket compact and delete the same blocks concurrently (each cluster runs one, for its own bucket)',
  ],
  [
    'a compactor disk too small for a 14-day block at the expected ingestion',
    { thanos: { compactor: { storage: { size: '100Gi' } } } },
    'env "qa": thanos.compactor.storage.size: 100Gi (100.0 GiB) cannot compact a 14-day block at 40000 samples/s x 1.5 B/sample: ' +
      'the block is 67.6 GiB and compacting it needs its sources plus the result on disk (135.2 GiB); grow the volume',
  ],
  [
    'a raw retention too short to downsample',
    { thanos: { compactor: { retention: { raw: '1d' } } } },
    'env "qa": thanos.compactor.retention.raw: 1d is shorter than 40h: raw blocks would be deleted before they can be downsampled to 5m',
  ],
  [
    'a global view that misses a cluster',
    { thanos: { global: { hostCluster: 'qa-1', endpoints: {} } } },
    'env "qa": thanos.global.endpoints: has no endpoint for cluster "qa-1": the global view would silently miss it',
  ],
  [
    'a store gateway pair of one in staging',
    { thanos: { store: { replicas: 1 } } },
    'env "qa": thanos.store.replicas: must be at least 2 in a staging environment (HA pair, FR-1.1); got 1',
  ],
];

const opts = { terraformOutputsDir: fixtureOutputsDir };

/** Cases where the Terraform outputs file is wrong: each gets its own outputs dir. */
const outputsCases: [title: string, edit: (o: any) => void, message: string][] = [
  [
    'an outputs file missing a role ARN',
    (o) => delete o.thanos_storage.value['qa-1'].role_arns.compactor,
    'env "qa": terraform outputs OUTPUTS: thanos_storage.value.qa-1.role_arns.compactor: missing',
  ],
  [
    'an invalid bucket name',
    (o) => (o.thanos_storage.value['qa-1'].bucket_name = 'GL_Thanos_Metrics'),
    'env "qa": terraform outputs OUTPUTS: thanos_storage.value.qa-1.bucket_name: must be a valid S3 bucket name: 3-63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit',
  ],
  [
    'a role ARN that is not an ARN',
    (o) => (o.thanos_storage.value['qa-1'].role_arns.store = 'gl-thanos-qa-store'),
    'env "qa": terraform outputs OUTPUTS: thanos_storage.value.qa-1.role_arns.store: must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  ],
  [
    "a role from another environment's account",
    (o) => (o.thanos_storage.value['qa-1'].role_arns.ruler = 'arn:aws:iam::999999999999:role/gl-thanos-qa-1-ruler'),
    'env "qa": aws.qa-1.roles.ruler: role arn:aws:iam::999999999999:role/gl-thanos-qa-1-ruler is in account 999999999999, ' +
      'not in cluster "qa-1"\'s account 444444444444: wrong outputs file?',
  ],
  [
    'a bucket key from another region (S3 would refuse it only at apply)',
    (o) => (o.thanos_storage.value['qa-1'].kms_key_arn = 'arn:aws:kms:eu-west-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    'env "qa": terraform outputs OUTPUTS: thanos_storage.value.qa-1.kms_key_arn: kms_key_arn must be a key in the bucket\'s region',
  ],
  [
    'a bucket key given by alias',
    (o) => (o.thanos_storage.value['qa-1'].kms_key_arn = 'alias/thanos'),
    'env "qa": terraform outputs OUTPUTS: thanos_storage.value.qa-1.kms_key_arn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  ],
  [
    'an outputs file without the Argo CD roles',
    (o) => delete o.argocd_cluster_access,
    'env "qa": terraform outputs OUTPUTS: argocd_cluster_access: missing',
  ],
  [
    "Argo CD's deployer role from another account",
    (o) => (o.argocd_cluster_access.value.role_arn = 'arn:aws:iam::999999999999:role/gl-argocd-qa-deployer'),
    'env "qa": aws.qa-1.argocdRoleArn: Argo CD\'s deployer role arn:aws:iam::999999999999:role/gl-argocd-qa-deployer is in account 999999999999, ' +
      'not in cluster "qa-1"\'s account 444444444444: wrong outputs file?',
  ],
  [
    "a bucket in another region than its cluster's",
    (o) => (o.thanos_storage.value['qa-1'].region = 'us-east-1'),
    'env "qa": aws.qa-1.region: bucket gl-thanos-metrics-qa-1 is in us-east-1, but cluster "qa-1" runs in eu-central-1: ' +
      'each cluster writes to a bucket in its own region',
  ],
  [
    'an outputs file without one of the clusters',
    (o) => {
      o.thanos_storage.value['qa-2'] = o.thanos_storage.value['qa-1'];
      delete o.thanos_storage.value['qa-1'];
    },
    'env "qa": aws.qa-1: cluster "qa-1" has no bucket in the Terraform outputs (thanos_storage): add it to ' +
      'terraform/envs/qa.tfvars and apply\n' +
      'env "qa": aws.qa-2: is not one of this environment\'s clusters (qa-1): wrong outputs file?',
  ],
];

describe('invalid environment config', () => {
  let dist: string;
  let before: Map<string, string>;

  beforeAll(async () => {
    dist = path.join(tempDir('invalid'), 'dist');
    await runSynth(synthesize, [qa], dist, opts);
    before = hashTree(dist);
    expect(before.size).toBeGreaterThan(0);
  });

  it.each(cases)('refuses %s, naming env, field and rule, and leaves dist untouched', async (_title, override, message) => {
    const broken = deepMerge(qa, override) as EnvOverrides;
    await expect(runSynth(synthesize, [broken], dist, opts)).rejects.toThrow(new Error(message));
    expect(hashTree(dist)).toEqual(before);
    expect(fs.readdirSync(path.dirname(dist))).toEqual(['dist']);
  });

  it.each(outputsCases)('refuses %s in the Terraform outputs, naming env, file and key', async (_title, edit, message) => {
    const dir = tempDir('outputs');
    const outputs = JSON.parse(fs.readFileSync(path.join(fixtureOutputsDir, 'qa.json'), 'utf8'));
    edit(outputs);
    fs.writeFileSync(path.join(dir, 'qa.json'), JSON.stringify(outputs));
    const shown = path.relative(process.cwd(), path.join(dir, 'qa.json'));
    await expect(runSynth(synthesize, [qa], dist, { terraformOutputsDir: dir })).rejects.toThrow(
      new Error(message.replace('OUTPUTS', shown)),
    );
    expect(hashTree(dist)).toEqual(before);
  });

  it('refuses two clusters sharing one bucket', async () => {
    const dir = tempDir('outputs');
    const outputs = JSON.parse(fs.readFileSync(path.join(fixtureOutputsDir, 'qa.json'), 'utf8'));
    outputs.thanos_storage.value['qa-2'] = outputs.thanos_storage.value['qa-1'];
    fs.writeFileSync(path.join(dir, 'qa.json'), JSON.stringify(outputs));
    const twoClusters = { ...qa, clusters: [...qa.clusters, { name: 'qa-2', region: 'eu-central-1', awsAccountId: '444444444444' }] };
    await expect(runSynth(synthesize, [twoClusters], dist, { terraformOutputsDir: dir })).rejects.toThrow(
      new Error(
        'env "qa": aws.qa-2.bucket: bucket gl-thanos-metrics-qa-1 is also cluster "qa-1"\'s: each cluster needs its own bucket, ' +
          "or its store gateway serves the other's history",
      ),
    );
    expect(hashTree(dist)).toEqual(before);
  });

  it('refuses a missing outputs file and says how to make it', async () => {
    const dir = tempDir('outputs');
    const shown = path.relative(process.cwd(), path.join(dir, 'qa.json'));
    await expect(runSynth(synthesize, [qa], dist, { terraformOutputsDir: dir })).rejects.toThrow(
      new Error(
        `env "qa": terraform outputs: ${shown} is missing: run \`terraform -chdir=terraform/envs workspace select qa && terraform -chdir=terraform/envs output -json > ${shown}\``,
      ),
    );
    expect(hashTree(dist)).toEqual(before);
  });
});
