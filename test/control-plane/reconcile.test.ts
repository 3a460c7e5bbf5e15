/**
 * dist applied for real to a real kube-apiserver, reconciled by the real prometheus-operator
 * (pinned versions, the operator running with the arguments and the RBAC dist renders for it),
 * one fresh control plane per environment and cluster. What the operator generates is then
 * checked with the real tools: promtool on the Prometheus config, amtool on the Alertmanager
 * config, Pod Security admission on every pod template.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse } from 'yaml';
import type { KubeClient } from '../../lib/kube.js';
import { standInNamespaces, standInRootCa, standInSecrets, startOperator } from '../../tools/control-plane.js';
import { toolPath } from '../../tools/binaries.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import { planCluster } from '../../charts/plan.js';
import { GRAFANA_SELECTOR } from '../../charts/flows.js';
import { EMPTY_JOB_ALERT, scrapeJobsOf } from '../../charts/rules/scrape-targets.js';
import type { Running } from '../../tools/proc.js';
import { SIDECAR_CONTAINER } from '../../charts/thanos/sidecar.js';
import { parseQuantity } from '../../lib/units.js';
import {
  applyAll,
  distOf,
  eventually,
  FIELD_MANAGER,
  namespacesFirst,
  ref,
  settledReconciled,
  targets,
  useControlPlane,
} from './cluster.js';
import { TARGETS_OPTIONAL_ANNOTATION } from '../../charts/workloads.js';

const OPERATOR_CRS = ['Prometheus', 'Alertmanager', 'ThanosRuler'] as const;
const CONFIG_KINDS = ['ServiceMonitor', 'PodMonitor', 'Probe', 'ScrapeConfig', 'PrometheusRule'] as const;
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'] as const;
/** The pod template of a workload object (CronJobs nest it one level deeper). */
function podTemplate(w: any, kind: string): { metadata?: { labels?: Record<string, string> }; spec: any } {
  return kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template;
}

/**
 * The Pod a workload's controller would create, through admission (dry run): the StatefulSet
 * controller's volumes for its claim templates are added as it adds them, admission adds the
 * ServiceAccount token volume, Pod Security decides.
 */
async function admittedPod(kube: KubeClient, namespace: string, kind: string, w: any) {
  const t = podTemplate(w, kind);
  const claims = (w.spec.volumeClaimTemplates ?? []).map((c: any) => ({
    name: c.metadata.name,
    persistentVolumeClaim: { claimName: `${c.metadata.name}-${w.metadata.name}-0` },
  }));
  const spec = { ...t.spec, volumes: [...(t.spec.volumes ?? []), ...claims] };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${w.metadata.name}-0`, namespace, labels: t.metadata?.labels ?? {} },
    spec,
  };
  return kube.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All&fieldValidation=Strict&fieldManager=${FIELD_MANAGER}`, {
    body: pod,
  });
}

/** Files a container would see: each mounted Secret/ConfigMap key written under `root` + its mount path. */
async function materializeMounts(kube: KubeClient, ns: string, podSpec: any, container: string, root: string): Promise<string[]> {
  const c = podSpec.containers.find((x: { name: string }) => x.name === container);
  const mountPaths: string[] = [];
  const sources = async (vol: any): Promise<{ data: Record<string, Buffer>; items?: { key: string; path: string }[] }[]> => {
    const secret = async (name: string) => {
      const s = await kube.get('v1', 'Secret', name, ns);
      return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v as string, 'base64')]));
    };
    const configMap = async (name: string) => {
      const cm = await kube.get('v1', 'ConfigMap', name, ns);
      return Object.fromEntries(Object.entries(cm?.data ?? {}).map(([k, v]) => [k, Buffer.from(v as string)]));
    };
    if (!vol) return [{ data: {} }]; // a volumeClaimTemplate (data volume): an empty directory
    if (vol.secret) return [{ data: await secret(vol.secret.secretName), items: vol.secret.items }];
    if (vol.configMap) return [{ data: await configMap(vol.configMap.name), items: vol.configMap.items }];
    if (vol.projected) {
      return Promise.all(
        vol.projected.sources.map(async (s: any) => {
          if (s.secret) return { data: await secret(s.secret.name), items: s.secret.items };
          if (s.configMap) return { data: await configMap(s.configMap.name), items: s.configMap.items };
          // The kubelet would write a fresh ServiceAccount token here.
          if (s.serviceAccountToken) return { data: { [s.serviceAccountToken.path]: Buffer.from('stand-in-token') } };
          return { data: {} };
        }),
      );
    }
    return [{ data: {} }];
  };
  for (const m of c.volumeMounts ?? []) {
    const vol = podSpec.volumes.find((v: { name: string }) => v.name === m.name);
    const dest = path.join(root, m.mountPath);
    mountPaths.push(m.mountPath);
    const files = new Map<string, Buffer>();
    for (const src of await sources(vol)) {
      for (const [k, v] of Object.entries(src.data)) {
        const item = src.items?.find((i) => i.key === k);
        if (src.items && !item) continue;
        files.set(item?.path ?? k, v);
      }
    }
    if (m.subPath) {
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (files.has(m.subPath)) fs.writeFileSync(dest, files.get(m.subPath)!);
    } else {
      fs.mkdirSync(dest, { recursive: true });
      for (const [f, v] of files) {
        fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
        fs.writeFileSync(path.join(dest, f), v);
      }
    }
  }
  return mountPaths;
}

/** Point every absolute path under a mount at its materialized copy (one pass: mounts nest). */
function rebase(text: string, mountPaths: readonly string[], root: string): string {
  const alt = [...mountPaths]
    .sort((a, b) => b.length - a.length)
    .map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  return text.replace(new RegExp(`(^|[\\s"'=])(${alt})(?=/|$|[\\s"'])`, 'gm'), (_m, pre: string, mp: string) => pre + path.join(root, mp));
}

function gunzipKey(secret: any, key: string): string {
  return zlib.gunzipSync(Buffer.from(secret.data[key], 'base64')).toString('utf8');
}

describe.each(targets)('$label on a real API server with the real operator', ({ env, cluster, manifests: render }) => {
  const control = useControlPlane(env.release.images.prometheusOperator.tag);
  const manifests = render();
  const plan = planCluster(env, cluster);
  const ns = env.namespace;
  const of = (kind: string) => manifests.filter((m) => m.kind === kind) as any[];
  let operator: Running | undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-reconcile-'));

  afterAll(async () => {
    await operator?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the API server takes every object of dist for real (strict), with stand-ins for what cert-manager and External Secrets create', async () => {
    const kube = control.kube;
    const prereq = [
      ...standInNamespaces([...env.monitoredNamespaces, env.argocd.namespace]),
      ...manifests.filter((m) => m.kind === 'Namespace'),
    ];
    expect((await applyAll(kube, prereq)).refused).toEqual([]);
    const namespaces = prereq.map((n) => n.metadata.name);
    const { refused } = await applyAll(kube, [
      ...standInSecrets(manifests),
      ...standInRootCa(namespaces, fs.readFileSync(control.cp.caFile, 'utf8')),
      ...namespacesFirst(manifests).filter((m) => m.kind !== 'Namespace'),
    ]);
    expect(refused).toEqual([]);
  });

  it('the operator runs with its rendered arguments as its own ServiceAccount, and reconciles every Prometheus, Alertmanager and ThanosRuler', async () => {
    const deployment = of('Deployment').find((d) => d.metadata.name === 'prometheus-operator');
    expect(deployment).toBeDefined();
    const pod = deployment.spec.template.spec;
    operator = await startOperator(control.cp, {
      args: pod.containers[0].args,
      namespace: deployment.metadata.namespace,
      serviceAccount: pod.serviceAccountName,
    });

    const crs = OPERATOR_CRS.flatMap((k) => of(k));
    expect(crs.map(ref).sort()).toEqual(
      expect.arrayContaining([
        `Prometheus/${ns}/prometheus`,
        `Alertmanager/${ns}/alertmanager`,
        ...(plan.thanos ? [`ThanosRuler/${ns}/thanos-ruler`] : []),
      ]),
    );
    const settled = await Promise.all(crs.map(async (cr) => ({ cr, c: await settledReconciled(control.kube, cr) })));
    for (const { cr, c } of settled)
      expect({ object: ref(cr), status: c.status, message: c.message ?? '' }).toEqual({ object: ref(cr), status: 'True', message: '' });
    // The operator's own API calls were all allowed by the rendered ClusterRole.
    expect(operator.log()).not.toMatch(/forbidden/i);
  }, 240_000);

  it('each operator CR has a StatefulSet of its replicas whose selector matches its pod template', async () => {
    for (const cr of OPERATOR_CRS.flatMap((k) => of(k))) {
      // The operator reports Reconciled from its sync loop; the StatefulSet write can land a moment later.
      const owned = await eventually(
        async () => {
          const sets = (await control.kube.list('apps/v1', 'StatefulSet', ns)).filter((s: any) =>
            (s.metadata.ownerReferences ?? []).some((o: any) => o.kind === cr.kind && o.name === cr.metadata.name),
          );
          return sets.length === 1 ? sets : undefined;
        },
        `one StatefulSet owned by ${ref(cr)}`,
        30_000,
      );
      const sts = owned[0];
      expect(sts.spec.replicas).toBe(cr.spec.replicas);
      const labels = sts.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(sts.spec.selector.matchLabels))
        expect({ cr: ref(cr), label: k, value: labels[k] }).toEqual({ cr: ref(cr), label: k, value: v });
      expect(sts.spec.volumeClaimTemplates?.[0]?.spec.storageClassName).toBe(cr.spec.storage.volumeClaimTemplate.spec.storageClassName);
    }
  }, 120_000);

  it("the sidecar the operator injects carries the CR's Go runtime settings (GOGC, GOMEMLIMIT under its memory limit) and keeps the operator's own arguments", async () => {
    for (const cr of of('Prometheus').filter((p) => p.spec.thanos)) {
      const sts = (await control.kube.list('apps/v1', 'StatefulSet', ns)).find((s: any) =>
        (s.metadata.ownerReferences ?? []).some((o: any) => o.kind === 'Prometheus' && o.name === cr.metadata.name),
      );
      const sidecar = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === SIDECAR_CONTAINER);
      const vars = Object.fromEntries((sidecar.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
      expect({ GOGC: vars.GOGC }).toEqual({ GOGC: String(env.thanos.sidecar.goGC) });
      expect(Number(vars.GOMEMLIMIT)).toBeLessThan(parseQuantity(sidecar.resources.limits.memory)!);
      expect(sidecar.args.filter((a: string) => /^--(prometheus\.url|grpc-address|objstore\.config)=/.test(a))).toHaveLength(3);
    }
  });

  it('every monitor, scrape config and rule is accepted by the Prometheus (or ruler) that selects it', async () => {
    for (const kind of CONFIG_KINDS) {
      for (const m of of(kind)) {
        const bindings = await eventually(
          async () => {
            const live = await control.kube.get(m.apiVersion, m.kind, m.metadata.name, m.metadata.namespace);
            return live?.status?.bindings?.length ? live.status.bindings : undefined;
          },
          `${ref(m)} to be bound`,
          30_000,
        );
        for (const b of bindings) {
          const accepted = (b.conditions ?? []).find((c: { type: string }) => c.type === 'Accepted');
          expect({ object: ref(m), by: `${b.resource}/${b.name}`, accepted: accepted?.status, message: accepted?.message ?? '' }).toEqual({
            object: ref(m),
            by: `${b.resource}/${b.name}`,
            accepted: 'True',
            message: '',
          });
        }
      }
    }
    const events = await control.kube.list('events.k8s.io/v1', 'Event');
    expect(events.filter((e: any) => e.reason === 'InvalidConfiguration').map((e: any) => e.note)).toEqual([]);
  }, 120_000);

  it('the ThanosRuler evaluates the rules labelled for it, and Prometheus does not', async () => {
    const rulerRules = of('PrometheusRule').filter((r) => r.metadata.labels?.[RULE_EVALUATOR_LABEL] === THANOS_RULER_EVALUATOR);
    if (!plan.thanos) {
      // No ruler runs, so nothing would evaluate them: none may be rendered.
      expect(rulerRules.map(ref)).toEqual([]);
      return;
    }
    expect(rulerRules.length).toBeGreaterThan(0);
    const ruleFiles = async (prefix: string) =>
      (await control.kube.list('v1', 'ConfigMap', ns))
        .filter((c: any) => c.metadata.name.startsWith(prefix))
        .flatMap((c: any) => Object.values(c.data ?? {}) as string[])
        .join('\n');
    const ruler = await ruleFiles('thanos-ruler-thanos-ruler-rulefiles-');
    const prometheus = await ruleFiles('prometheus-prometheus-rulefiles-');
    for (const r of rulerRules) {
      for (const g of r.spec.groups) {
        for (const rule of g.rules.filter((x: any) => x.alert)) {
          expect({
            alert: rule.alert,
            inRuler: ruler.includes(`alert: ${rule.alert}`),
            inPrometheus: prometheus.includes(`alert: ${rule.alert}`),
          }).toEqual({
            alert: rule.alert,
            inRuler: true,
            inPrometheus: false,
          });
        }
      }
    }
  });

  it('the generated Prometheus config has one scrape job per monitor endpoint and passes promtool check config with its files', async () => {
    const kube = control.kube;
    const secret = await kube.get('v1', 'Secret', 'prometheus-prometheus', ns);
    const configText = gunzipKey(secret, 'prometheus.yaml.gz');
    const config = parse(configText) as { scrape_configs: { job_name: string }[]; rule_files?: string[] };
    const monitors = ['ServiceMonitor', 'PodMonitor', 'Probe', 'ScrapeConfig'].flatMap((k) => of(k));
    const generated = config.scrape_configs.map((j) => j.job_name).sort();
    expect(generated).toEqual(monitors.flatMap(scrapeJobsOf).sort());
    // The scrape expectations name every job the operator generated, except those of monitors marked optional.
    const rule = of('PrometheusRule')
      .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules))
      .find((r: any) => r.alert === EMPTY_JOB_ALERT);
    const named = [...new Set([...String(rule.expr).matchAll(/scrape_job="([^"]+)"/g)].map((m) => m[1]!))].sort();
    const optional = monitors.filter((m) => m.metadata.annotations?.[TARGETS_OPTIONAL_ANNOTATION] === 'true').flatMap(scrapeJobsOf);
    expect(optional.length).toBeGreaterThan(0);
    expect(named).toEqual(generated.filter((j) => !optional.includes(j)));

    const sts = await kube.get('apps/v1', 'StatefulSet', 'prometheus-prometheus', ns);
    const pod = await admittedPod(kube, ns, 'StatefulSet', sts);
    expect(pod.status).toBe(201);
    const root = path.join(work, 'prometheus');
    const mounts = await materializeMounts(kube, ns, pod.body.spec, 'prometheus', root);
    // The config reloader writes the expanded config into config_out; here it is the same text.
    const configOut = mounts.find((m) => m.endsWith('config_out'))!;
    fs.writeFileSync(path.join(root, configOut, 'prometheus.env.yaml'), rebase(configText, mounts, root));
    const out = execFileSync(toolPath('promtool'), ['check', 'config', path.join(root, configOut, 'prometheus.env.yaml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS/);
    // Every rule file the config names exists (the operator's rule ConfigMaps) and was checked.
    expect(config.rule_files?.length).toBeGreaterThan(0);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  }, 60_000);

  it('the generated Alertmanager config passes amtool check-config with its files', async () => {
    const kube = control.kube;
    const secret = await kube.get('v1', 'Secret', 'alertmanager-alertmanager-generated', ns);
    const text = gunzipKey(secret, 'alertmanager.yaml.gz');
    const sts = await kube.get('apps/v1', 'StatefulSet', 'alertmanager-alertmanager', ns);
    const pod = await admittedPod(kube, ns, 'StatefulSet', sts);
    expect(pod.status).toBe(201);
    const root = path.join(work, 'alertmanager');
    const mounts = await materializeMounts(kube, ns, pod.body.spec, 'alertmanager', root);
    const file = path.join(root, 'alertmanager.yaml');
    fs.writeFileSync(file, rebase(text, mounts, root));
    const out = execFileSync(toolPath('amtool'), ['check-config', file], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
    expect(parse(text).receivers.length).toBeGreaterThan(1);
  });

  it("every pod template (ours and the operator's) is admitted as a Pod under its namespace's Pod Security level", async () => {
    const kube = control.kube;
    const problems: { workload: string; error?: string; warnings?: readonly string[] }[] = [];
    let checked = 0;
    for (const kind of WORKLOAD_KINDS) {
      const apiVersion = kind === 'CronJob' || kind === 'Job' ? 'batch/v1' : 'apps/v1';
      for (const namespace of [ns, env.hostNamespace]) {
        for (const w of await kube.list(apiVersion, kind, namespace)) {
          const res = await admittedPod(kube, namespace, kind, w);
          checked++;
          if (res.status !== 201 || res.warnings.length)
            problems.push({
              workload: `${kind}/${namespace}/${w.metadata.name}`,
              error: res.status === 201 ? undefined : res.body?.message,
              warnings: res.warnings,
            });
        }
      }
    }
    expect(problems).toEqual([]);
    // Ours plus the operator's StatefulSets (Prometheus, Alertmanager, ruler).
    expect(checked).toBeGreaterThanOrEqual(WORKLOAD_KINDS.flatMap((k) => of(k)).length + 2);
  }, 60_000);

  it("every monitor of a platform Service names a Service port that reaches a named container port of the pods it selects (the operator's included)", async () => {
    const kube = control.kube;
    const services = await kube.list('v1', 'Service', ns);
    const templates = (
      await Promise.all(
        (['Deployment', 'StatefulSet', 'DaemonSet'] as const).flatMap((k) =>
          [ns, env.hostNamespace].map(async (n) => (await kube.list('apps/v1', k, n)).map((w) => podTemplate(w, k))),
        ),
      )
    ).flat();
    const matches = (sel: Record<string, string>, labels: Record<string, string> = {}) =>
      Object.entries(sel).every(([k, v]) => labels[k] === v);
    const ours = new Set(of('Service').map((s) => s.metadata.name));
    const problems: string[] = [];
    let checked = 0;
    for (const sm of of('ServiceMonitor')) {
      const inNs = sm.spec.namespaceSelector?.matchNames ?? [sm.metadata.namespace];
      if (!inNs.includes(ns)) continue; // kubelet, API server, CoreDNS, GreenLang services: not ours
      const selected = services.filter((s: any) => matches(sm.spec.selector.matchLabels, s.metadata.labels) && ours.has(s.metadata.name));
      if (selected.length === 0) {
        problems.push(`${ref(sm)}: selects no Service of the platform`);
        continue;
      }
      for (const svc of selected) {
        const pods = templates.filter((t) => t.metadata?.labels && matches(svc.spec.selector ?? {}, t.metadata.labels));
        if (pods.length === 0) problems.push(`${ref(sm)}: Service ${svc.metadata.name} selects no pod template`);
        for (const ep of sm.spec.endpoints) {
          checked++;
          const port = svc.spec.ports.find((p: { name?: string }) => p.name === ep.port);
          if (!port) {
            problems.push(
              `${ref(sm)}: Service ${svc.metadata.name} has no port named "${ep.port}" (has ${svc.spec.ports.map((p: { name: string }) => p.name).join(', ')})`,
            );
            continue;
          }
          for (const t of pods) {
            const containerPorts = t.spec.containers.flatMap((c: any) => c.ports ?? []);
            const hit = containerPorts.some((cp: any) =>
              typeof port.targetPort === 'string' ? cp.name === port.targetPort : cp.containerPort === (port.targetPort ?? port.port),
            );
            if (!hit)
              problems.push(
                `${ref(sm)}: Service ${svc.metadata.name} port ${ep.port} -> targetPort ${port.targetPort}, which no container port of its pods is`,
              );
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(3);
  });

  it("every NetworkPolicy selects pods that run here (ours or the operator's) on ports they listen on and admits only peers that run here; every port is admitted", async () => {
    const kube = control.kube;
    // Pod templates in the namespace as the cluster would run them: ours and the operator's StatefulSets.
    const templates = [
      ...(
        await Promise.all(
          (['Deployment', 'StatefulSet', 'DaemonSet'] as const).map(async (k) =>
            (await kube.list('apps/v1', k, ns)).map((w) => podTemplate(w, k)),
          ),
        )
      ).flat(),
      ...(await kube.list('batch/v1', 'CronJob', ns)).map((w) => podTemplate(w, 'CronJob')),
    ];
    const selects = (sel: { matchLabels?: Record<string, string> }, t: { metadata?: { labels?: Record<string, string> } }) =>
      Object.entries(sel.matchLabels ?? {}).every(([k, v]) => t.metadata?.labels?.[k] === v);
    const containerPorts = (t: any) => t.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
    const problems: string[] = [];
    for (const np of of('NetworkPolicy')) {
      if (Object.keys(np.spec.podSelector).length === 0) continue; // default-deny, egress: every pod
      const pods = templates.filter((t) => selects(np.spec.podSelector, t));
      if (pods.length === 0) {
        problems.push(`${ref(np)}: selects no pod that runs here`);
        continue;
      }
      for (const rule of np.spec.ingress ?? []) {
        for (const port of rule.ports ?? []) {
          const missing = pods.filter((t) => !containerPorts(t).includes(port.port));
          if (missing.length > 0)
            problems.push(`${ref(np)}: port ${port.port} is not a container port of ${missing.length} selected pod(s)`);
        }
        for (const peer of rule.from ?? []) {
          if (!peer.podSelector || peer.namespaceSelector) continue; // other namespaces
          const external = Object.entries(GRAFANA_SELECTOR).every(([k, v]) => peer.podSelector.matchLabels?.[k] === v);
          if (!external && !templates.some((t) => selects(peer.podSelector, t)))
            problems.push(`${ref(np)}: admits ${JSON.stringify(peer.podSelector.matchLabels)}, which runs nowhere here`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(templates.length).toBeGreaterThan(3);

    // The other direction: every port a pod here listens on is admitted from somewhere, or it is
    // dead (a port nobody may reach) or a flow is missing.
    const unreachable = templates.flatMap((t) =>
      t.spec.containers.flatMap((c: any) =>
        (c.ports ?? [])
          .filter(
            (p: any) =>
              !of('NetworkPolicy').some(
                (np) =>
                  Object.keys(np.spec.podSelector).length > 0 &&
                  selects(np.spec.podSelector, t) &&
                  (np.spec.ingress ?? []).some(
                    (r: any) =>
                      !r.ports ||
                      r.ports.some((rp: any) => rp.port === p.containerPort && (rp.protocol ?? 'TCP') === (p.protocol ?? 'TCP')),
                  ),
              ),
          )
          .map((p: any) => `${t.metadata?.labels?.['app.kubernetes.io/name']}/${c.name}:${p.containerPort}/${p.protocol ?? 'TCP'}`),
      ),
    );
    // A single cluster (no global view, not dialled by another cluster's) has no caller of its query's StoreAPI.
    const expected = plan.thanos && !plan.globalQuery && plan.queryDialledFrom.length === 0 ? ['thanos-query/thanos-query:10901/TCP'] : [];
    expect([...new Set(unreachable)].sort()).toEqual(expected);
  });
});

describe('the tier fails on what it was built to catch', () => {
  const { env, cluster } = targets[0]!;
  const control = useControlPlane(env.release.images.prometheusOperator.tag);
  const manifests = distOf(env, cluster);
  let operator: Running | undefined;
  afterAll(async () => {
    await operator?.stop();
  });

  const reconciled = (cr: any) => settledReconciled(control.kube, cr);

  beforeAll(async () => {
    const prereq = [
      ...standInNamespaces([...env.monitoredNamespaces, env.argocd.namespace]),
      ...manifests.filter((m) => m.kind === 'Namespace'),
    ];
    await applyAll(control.kube, prereq);
    const { refused } = await applyAll(control.kube, [
      ...standInSecrets(manifests),
      ...namespacesFirst(manifests).filter((m) => m.kind !== 'Namespace'),
    ]);
    expect(refused).toEqual([]);
    const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'prometheus-operator') as any;
    operator = await startOperator(control.cp, {
      args: deployment.spec.template.spec.containers[0].args,
      namespace: deployment.metadata.namespace,
      serviceAccount: deployment.spec.template.spec.serviceAccountName,
    });
  }, 180_000);

  it('a ThanosRuler with the version label in podMetadata (the first round) gets no StatefulSet', async () => {
    const ruler = structuredClone(manifests.find((m) => m.kind === 'ThanosRuler')) as any;
    ruler.metadata.name = 'ruler-with-version-label';
    ruler.spec.podMetadata.labels['app.kubernetes.io/version'] = env.release.images.thanos.tag;
    expect((await applyAll(control.kube, [ruler])).refused).toEqual([]);
    const c = await reconciled(ruler);
    expect(c.status).toBe('False');
    expect(c.message).toMatch(/`selector` does not match template `labels`/);
    expect(
      await control.kube.get('apps/v1', 'StatefulSet', `thanos-ruler-${ruler.metadata.name}`, ruler.metadata.namespace),
    ).toBeUndefined();
  }, 120_000);

  it('a Prometheus whose storage class the cluster lacks (gp3 on a fresh EKS cluster) is not reconciled', async () => {
    const prom = structuredClone(manifests.find((m) => m.kind === 'Prometheus')) as any;
    prom.metadata.name = 'prometheus-missing-class';
    prom.spec.storage.volumeClaimTemplate.spec.storageClassName = 'no-such-class';
    expect((await applyAll(control.kube, [prom])).refused).toEqual([]);
    const c = await reconciled(prom);
    // On a failure, show what the operator said about this object and about storage classes.
    const said = operator!
      .log()
      .split('\n')
      .filter((l) => /storage|prometheus-missing-class/i.test(l));
    expect({ status: c.status, message: c.message, said: c.status === 'False' ? [] : said }).toEqual({
      status: 'False',
      message: expect.stringMatching(/storage class "no-such-class" does not exist/),
      said: [],
    });
  }, 120_000);
});
