/**
 * Discovery: every catalogued service has its monitor, the PRD relabelings are in place, the
 * platform has at least 20 scrape jobs, and the annotation relabelings behave as documented
 * when run by the real Prometheus (pinned version).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NAME_REGEX } from '../../charts/monitors.js';
import { stringify } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { useProcesses } from '../helpers/proc.js';
import { waitFor } from '../helpers/sink.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

describe.each(targets)('discovery in $label', ({ env, cluster }) => {
  const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/`)).map((m) => m.manifest as any);
  const byKind = (k: string) => ms.filter((m) => m.kind === k);

  it('has at least 20 scrape jobs (FR-1.4)', () => {
    const jobs = [
      ...byKind('ServiceMonitor').flatMap((m) => m.spec.endpoints.map((_: unknown, i: number) => `serviceMonitor/${m.metadata.name}/${i}`)),
      ...byKind('PodMonitor').flatMap((m) =>
        m.spec.podMetricsEndpoints.map((_: unknown, i: number) => `podMonitor/${m.metadata.name}/${i}`),
      ),
      ...byKind('ScrapeConfig').map((m) => `scrapeConfig/${m.metadata.name}`),
    ];
    expect(jobs.length).toBeGreaterThanOrEqual(20);
  });

  it('gives every catalogued service its own ServiceMonitor on its namespace (FR-5.2)', () => {
    for (const s of env.services) {
      const sm = byKind('ServiceMonitor').find((m) => m.metadata.name === s.name);
      expect(sm.metadata.namespace).toBe(env.namespace);
      expect(sm.spec.namespaceSelector.matchNames).toEqual([s.namespace]);
      expect(sm.spec.selector.matchLabels).toEqual(s.selector);
      expect(sm.spec.endpoints[0]).toMatchObject({ port: s.port, path: s.path });
    }
  });

  it('keeps the PRD 8.1 and 8.2 specifics', () => {
    const api = byKind('ServiceMonitor').find((m) => m.metadata.name === 'greenlang-api').spec.endpoints[0];
    expect(api.honorLabels).toBe(true);
    expect(api.relabelings).toEqual([
      {
        sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app'],
        separator: ';',
        regex: SERVICE_NAME_REGEX,
        replacement: '$1$2',
        targetLabel: 'service',
        action: 'replace',
      },
      { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod', action: 'replace' },
    ]);
    const factory = byKind('ServiceMonitor').find((m) => m.metadata.name === 'agent-factory').spec.endpoints[0];
    expect(factory.metricRelabelings).toEqual([{ sourceLabels: ['__name__'], regex: 'gl_agent_.*', action: 'keep' }]);
  });

  it('looks for labelled and annotated pods in every GreenLang namespace (FR-5.1, 5.3)', () => {
    expect(byKind('PodMonitor')[0].spec.namespaceSelector.matchNames).toEqual(env.monitoredNamespaces);
    expect(byKind('ScrapeConfig').find((m) => m.metadata.name === 'greenlang-annotated-pods').spec.kubernetesSDConfigs).toEqual([
      { role: 'Pod', namespaces: { names: env.monitoredNamespaces } },
    ]);
  });

  it('monitors every platform component', () => {
    const names = byKind('ServiceMonitor').map((m) => m.metadata.name);
    for (const c of [
      'prometheus',
      'thanos-sidecar',
      'thanos-query',
      'thanos-query-frontend',
      'thanos-ruler',
      'alertmanager',
      'pushgateway',
      'kube-state-metrics',
      'node-exporter',
      'prometheus-operator',
      'kubelet',
    ]) {
      expect(names).toContain(c);
    }
    expect(names.some((n) => n.startsWith('thanos-store'))).toBe(true);
  });
});

/** A real Prometheus with one job of static targets and `relabelConfigs`: its targets API shows what the relabelling keeps. */
function relabelling(procs: ReturnType<typeof useProcesses>, job: string, staticConfigs: unknown[], relabelConfigs: unknown[]) {
  return procs.start({
    tool: 'prometheus',
    args: ({ port, dir }) => {
      const cfg = {
        global: { scrape_interval: '1h' },
        scrape_configs: [{ job_name: job, static_configs: staticConfigs, relabel_configs: relabelConfigs }],
      };
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(cfg));
      return ['--config.file=prometheus.yml', `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`];
    },
  });
}

/** operator camelCase relabelings -> Prometheus relabel_configs. */
function toPrometheus(r: any) {
  return {
    ...(r.sourceLabels ? { source_labels: r.sourceLabels } : {}),
    ...(r.targetLabel ? { target_label: r.targetLabel } : {}),
    ...(r.regex !== undefined ? { regex: r.regex } : {}),
    ...(r.separator !== undefined ? { separator: r.separator } : {}),
    ...(r.replacement !== undefined ? { replacement: r.replacement } : {}),
    action: r.action.toLowerCase(),
  };
}

describe('annotation discovery relabelings, run by the real Prometheus', () => {
  const procs = useProcesses();
  const sc = all.find((m) => m.manifest.kind === 'ScrapeConfig' && m.manifest.metadata.name === 'greenlang-annotated-pods')!
    .manifest as any;
  const ann = (a: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${a}`;
  const present = (a: string) => `__meta_kubernetes_pod_annotationpresent_prometheus_io_${a}`;
  const pod = (name: string, ip: string, extra: Record<string, string>) => ({
    targets: [`${ip}:80`],
    labels: {
      __meta_kubernetes_namespace: 'greenlang',
      __meta_kubernetes_pod_name: name,
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_container_name: 'app',
      ...extra,
    },
  });

  it('keeps annotated pods with their port, path and scheme, and drops the rest', async () => {
    const staticConfigs = [
      pod('custom', '10.0.0.1', {
        [ann('scrape')]: 'true',
        [ann('port')]: '8080',
        [present('path')]: 'true',
        [ann('path')]: '/custom/metrics',
      }),
      pod('tls', '10.0.0.2', { [ann('scrape')]: 'true', [ann('scheme')]: 'https' }),
      pod('opted-out', '10.0.0.3', { [ann('scrape')]: 'false' }),
      pod('labelled-too', '10.0.0.4', { [ann('scrape')]: 'true', __meta_kubernetes_pod_label_prometheus_io_scrape: 'true' }),
      pod('finished', '10.0.0.5', { [ann('scrape')]: 'true', __meta_kubernetes_pod_phase: 'Succeeded' }),
    ];
    const prom = await relabelling(procs, 'annotated', staticConfigs, sc.spec.relabelings.map(toPrometheus));
    let active: any[] = [];
    expect(
      await waitFor(async () => {
        const body = (await (await fetch(`${prom.url}/api/v1/targets?state=any`)).json()) as any;
        active = body.data.activeTargets;
        return (
          active.length + body.data.droppedTargets.length >= staticConfigs.length ||
          body.data.droppedTargetCounts?.annotated + active.length >= staticConfigs.length
        );
      }, 10_000),
    ).toBe(true);
    const byPod = Object.fromEntries(active.map((t) => [t.labels.pod, t]));
    expect(Object.keys(byPod).sort()).toEqual(['custom', 'tls']);
    expect(byPod.custom.scrapeUrl).toBe('http://10.0.0.1:8080/custom/metrics');
    expect(byPod.tls.scrapeUrl).toBe('https://10.0.0.2:80/metrics');
    expect(byPod.custom.labels).toMatchObject({ namespace: 'greenlang', pod: 'custom', container: 'app' });
  });
});

describe('the service label of a catalogued service, run by the real Prometheus', () => {
  const procs = useProcesses();
  const sm = all.find((m) => m.manifest.kind === 'ServiceMonitor' && m.manifest.metadata.name === 'fuel-service')!.manifest as any;

  it("comes from app.kubernetes.io/name, else from the PRD's app label", async () => {
    const pod = (name: string, ip: string, labels: Record<string, string>) => ({
      targets: [`${ip}:80`],
      labels: { __meta_kubernetes_pod_name: name, ...labels },
    });
    const staticConfigs = [
      pod('recommended', '10.0.0.1', { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'fuel-service' }),
      pod('prd', '10.0.0.2', { __meta_kubernetes_pod_label_app: 'greenlang-api' }),
      pod('both', '10.0.0.3', {
        __meta_kubernetes_pod_label_app_kubernetes_io_name: 'fuel-service',
        __meta_kubernetes_pod_label_app: 'legacy',
      }),
      pod('neither', '10.0.0.4', {}),
    ];
    const prom = await relabelling(procs, 'svc', staticConfigs, sm.spec.endpoints[0].relabelings.map(toPrometheus));
    let active: any[] = [];
    expect(
      await waitFor(async () => {
        active = ((await (await fetch(`${prom.url}/api/v1/targets`)).json()) as any).data.activeTargets;
        return active.length === staticConfigs.length;
      }, 10_000),
    ).toBe(true);
    expect(Object.fromEntries(active.map((t) => [t.labels.pod, t.labels.service ?? '']))).toEqual({
      recommended: 'fuel-service',
      prd: 'greenlang-api',
      both: 'fuel-service',
      neither: '',
    });
    expect(sm.spec.endpoints[0].relabelings[0].regex).toBe(SERVICE_NAME_REGEX);
  });
});
