/**
 * Which generated scrape jobs run locally and which need a cluster, read from the operator's
 * generated Prometheus config and the targets the running Prometheus found. A job without
 * targets must be explained (its targets live in namespaces or workloads the runner does not
 * run); one that is not is a fault the e2e suite reports.
 */
import zlib from 'node:zlib';
import { parse } from 'yaml';
import type { KubeClient } from '../../lib/kube.js';

export interface JobReport {
  /** Jobs with targets here, and how many. */
  readonly local: readonly { readonly job: string; readonly targets: number }[];
  /** Jobs without targets here, and why that is expected. */
  readonly needsCluster: readonly { readonly job: string; readonly why: string }[];
  /** Jobs without targets and without a reason: something the runner should have run. */
  readonly unexplained: readonly string[];
}

/** The Prometheus config the operator generated for a Prometheus CR (its `prometheus.yaml.gz` Secret). */
export async function generatedPrometheusConfig(kube: KubeClient, namespace: string, prometheus: string): Promise<any> {
  const secret = await kube.get('v1', 'Secret', `prometheus-${prometheus}`, namespace);
  if (!secret?.data?.['prometheus.yaml.gz']) throw new Error(`no generated config Secret prometheus-${prometheus} in ${namespace}`);
  return parse(zlib.gunzipSync(Buffer.from(secret.data['prometheus.yaml.gz'], 'base64')).toString('utf8'));
}

/**
 * @param config the generated config (before the runner's discovery rewrite)
 * @param targets active target count per job, from the running Prometheus
 * @param localNamespaces namespaces whose workloads the runner runs
 * @param notRun workloads there the runner could not run (`Kind/namespace/name: reason`)
 */
export function reportJobs(
  config: { scrape_configs?: any[] },
  targets: Readonly<Record<string, number>>,
  localNamespaces: readonly string[],
  notRun: readonly string[],
): JobReport {
  const local: { job: string; targets: number }[] = [];
  const needsCluster: { job: string; why: string }[] = [];
  const unexplained: string[] = [];
  for (const job of config.scrape_configs ?? []) {
    const name: string = job.job_name;
    const n = targets[name] ?? 0;
    if (n > 0) {
      local.push({ job: name, targets: n });
      continue;
    }
    const namespaces: string[] = (job.kubernetes_sd_configs ?? []).flatMap((sd: any) => sd.namespaces?.names ?? []);
    const elsewhere = namespaces.filter((ns) => !localNamespaces.includes(ns));
    const workload = notRun.find((w) => name.split('/').includes(w.split(':')[0]!.split('/')[2]!));
    if (namespaces.length > 0 && elsewhere.length === namespaces.length)
      needsCluster.push({ job: name, why: `its targets are in ${elsewhere.join(', ')}, which only a cluster has` });
    else if (workload) needsCluster.push({ job: name, why: workload });
    else unexplained.push(name);
  }
  return { local, needsCluster, unexplained };
}
