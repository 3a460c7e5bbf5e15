/**
 * The environment schema: one resolved, validated EnvConfig per environment, or an error that
 * names the environment, the field and the rule. It composes the component slices (schema/*.ts)
 * and the cross-field rules (schema/rules.ts); none of it lives in charts.
 */
import { z } from 'zod';
import { awsByClusterSchema } from './terraform.js';
import { versions, type ComponentName } from './versions.js';
import { alertmanager } from './schema/alertmanager.js';
import { cluster, argocd, secrets, storageClasses, tls } from './schema/delivery.js';
import { dnsLabel } from './schema/fields.js';
import { grafana } from './schema/grafana.js';
import { monitoredService } from './schema/monitors.js';
import { prometheus } from './schema/prometheus.js';
import { pushgateway } from './schema/pushgateway.js';
import { checkEnv } from './schema/rules.js';
import { thanos } from './schema/thanos.js';

export { dnsLabel } from './schema/fields.js';
export { COMPACTOR_DISK_BLOCKS, LARGEST_BLOCK_SECONDS, RETENTION_SIZE_MAX_SHARE } from './schema/prometheus.js';
export { MAX_SCRAPE_INTERVAL_SECONDS, SHORTEST_RULE_WINDOW_SECONDS } from './schema/rules.js';

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
export const features = z.strictObject({
  enableThanos: z.boolean(),
  enablePushgateway: z.boolean(),
  /** Off: bring your own Grafana; dist still renders the datasources and dashboards for it (docs/grafana.md). */
  enableGrafana: z.boolean(),
});
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
  grafana,
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

/** The env config as the field types read it, before the cross-field rules. */
export type EnvShape = z.infer<typeof envShape>;

export const envSchema = envShape.superRefine((env, ctx) =>
  checkEnv(env, (path, message) => ctx.addIssue({ code: 'custom', path, message })),
);

export type EnvConfig = z.infer<typeof envSchema>;
export type ClusterConfig = EnvConfig['clusters'][number];

/** What an env file may set: any subset of the schema's input, nested. Arrays replace. */
export type EnvOverrides = DeepPartial<Omit<z.input<typeof envSchema>, 'aws' | 'release'>> & Pick<EnvConfig, 'name' | 'tier' | 'clusters'>;

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
