/**
 * What a kubelet does for one pod, with local processes: the pod spec as admission leaves it
 * (dry-run create, so defaults and the ServiceAccount token volume are there), volumes
 * materialized from the API server's Secrets and ConfigMaps, init containers run to completion,
 * then every container started from the pinned binary its image names, ready when its
 * readinessProbe passes. Files, env values and args go through the named rewrites only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { versions } from '../../envs/versions.js';
import type { KubeClient } from '../../lib/kube.js';
import { pinOf } from '../../envs/versions.js';
import { toolPath, toolSpec, type ToolName } from '../binaries.js';
import { start, tail, type Running } from '../proc.js';
import type { LocalPod } from './discovery.js';
import { repoRoot } from '../../lib/paths.js';
import { listenDefaults, localArgs, localFile, type FileContext, type Mount } from './rewrites.js';

/** Image repositories the runner has a pinned binary for. */
const IMAGE_TOOLS: Readonly<Record<string, ToolName>> = {
  [versions.prometheus.image]: 'prometheus',
  [versions.thanos.image]: 'thanos',
  [versions.alertmanager.image]: 'alertmanager',
  [versions.pushgateway.image]: 'pushgateway',
  [versions.nodeExporter.image]: 'node_exporter',
  [versions.blackboxExporter.image]: 'blackbox_exporter',
  [versions.kubeStateMetrics.image]: 'kube-state-metrics',
  // The operator picks the reloader image of its own release.
  'quay.io/prometheus-operator/prometheus-config-reloader': 'prometheus-config-reloader',
};

/**
 * The image of the preview's stand-in GreenLang workloads (tools/preview/greenlang-services.ts):
 * run as tools/preview/greenlang_service.py with the SDK's Python, so what they export is the SDK's.
 */
export const SDK_SERVICE_IMAGE = 'greenlang.local/sdk-service:preview';
export const SDK_SERVICE_PORT = 8000;

/** What runs a container of an image: a pinned binary, or a script with the SDK's Python. */
export type ImageCommand = { tool: ToolName } | { tool: 'python'; command: string; script: string };

/** The pinned binary for an image, or why there is none (then the pod needs a cluster). */
export function toolForImage(image: string): ImageCommand | { missing: string } {
  if (image === SDK_SERVICE_IMAGE)
    return {
      tool: 'python',
      command: path.join(repoRoot, 'sdk/python/.venv/bin/python'),
      script: path.join(repoRoot, 'tools/preview/greenlang_service.py'),
    };
  const at = image.lastIndexOf(':');
  const [repo, tag] = [image.slice(0, at), image.slice(at + 1)];
  const tool = IMAGE_TOOLS[repo];
  if (!tool) return { missing: `no local binary for ${repo}` };
  const built = pinOf(toolSpec(tool).component).tag;
  if (built !== tag) throw new Error(`${image}: the local ${tool} is built at ${built}; pin both in envs/versions.ts`);
  return { tool };
}

export interface PodContext {
  readonly kube: KubeClient;
  /** Directory for this pod's volumes and container dirs. */
  readonly dir: string;
  readonly files: Omit<FileContext, 'mounts'>;
  /** Signs the ServiceAccount token the kubelet would project. */
  readonly token: (namespace: string, serviceAccount: string, audience?: string) => Promise<string>;
  /** The API server, as the kubelet tells every container (KUBERNETES_SERVICE_HOST/PORT). */
  readonly apiServer: { readonly host: string; readonly port: number };
  /** CPUs its containers run on (see StartOptions.cpus); any when absent. */
  readonly cpus?: string;
}

/** Where the kubelet mounts a pod's ServiceAccount token and CA (client-go's in-cluster paths). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * client-go's in-cluster configuration reads fixed paths, which a local process cannot have: for
 * the binaries that talk to the API server, the same connection (server, the pod's projected
 * token and CA) as a kubeconfig flag.
 */
export function inClusterConnection(
  tool: ImageCommand['tool'],
  args: readonly string[],
  mounts: readonly Mount[],
  dir: string,
  api: PodContext['apiServer'],
): string[] {
  if (tool !== 'kube-state-metrics') return [...args];
  const sa = mounts.find((m) => m.path === SERVICE_ACCOUNT_DIR);
  if (!sa) throw new Error(`${tool} talks to the API server but its pod has no ServiceAccount token mounted`);
  const file = path.join(dir, 'in-cluster.kubeconfig');
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'in-cluster',
          cluster: { server: `https://${api.host}:${api.port}`, 'certificate-authority': path.join(sa.local, 'ca.crt') },
        },
      ],
      users: [{ name: 'sa', user: { tokenFile: path.join(sa.local, 'token') } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'sa' } }],
      'current-context': 'in-cluster',
    }),
  );
  return [...args, `--kubeconfig=${file}`];
}

export interface RunningPod {
  readonly pod: LocalPod;
  readonly containers: ReadonlyMap<string, Running>;
  /** Stop every container (`signal`, then SIGKILL after a grace period). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Secret and ConfigMap volumes written again from the API server (what the kubelet does when they change). */
  syncVolumes(): Promise<void>;
  /** The containers again on the same volumes (a restarted pod keeps its PVC, as a StatefulSet pod does). */
  restart(signal?: NodeJS.Signals): Promise<RunningPod>;
  log(): string;
}

/** The spec a pod of this workload gets through admission (dry-run create). */
export async function admittedSpec(kube: KubeClient, pod: LocalPod, template: any, claims: readonly string[] = []): Promise<any> {
  // The StatefulSet controller adds a volume per claim template, claim `<template>-<pod>`.
  const volumes = [
    ...(template.spec.volumes ?? []),
    ...claims.map((name) => ({ name, persistentVolumeClaim: { claimName: `${name}-${pod.name}` } })),
  ];
  const res = await kube.request('POST', `/api/v1/namespaces/${pod.namespace}/pods?dryRun=All`, {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations,
      },
      spec: { ...template.spec, volumes },
    },
  });
  if (res.status !== 201) throw new Error(`${pod.namespace}/${pod.name}: admission refused the pod: ${res.body?.message}`);
  return res.body.spec;
}

/** Where each volume of the pod is: `dir/volumes/<name>`, or the host path itself. */
function volumeDirs(ctx: PodContext, spec: any): Map<string, string> {
  return new Map((spec.volumes ?? []).map((v: any) => [v.name, v.hostPath ? v.hostPath.path : path.join(ctx.dir, 'volumes', v.name)]));
}

/**
 * Write every Secret, ConfigMap and projected volume from the API server through `transform`
 * (each file replaced atomically, so a watcher never reads half a rewrite); create the others.
 */
async function materializeVolumes(
  ctx: PodContext,
  pod: LocalPod,
  spec: any,
  transform: (key: string, content: Buffer) => Buffer,
): Promise<void> {
  const dirs = volumeDirs(ctx, spec);
  const ns = pod.namespace;
  const secretData = async (name: string, optional?: boolean) => {
    const s = await ctx.kube.get('v1', 'Secret', name, ns);
    if (!s && !optional) throw new Error(`${ns}/${pod.name}: Secret ${name} does not exist`);
    return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v as string, 'base64')]));
  };
  const configMapData = async (name: string, optional?: boolean) => {
    const c = await ctx.kube.get('v1', 'ConfigMap', name, ns);
    if (!c && !optional) throw new Error(`${ns}/${pod.name}: ConfigMap ${name} does not exist`);
    return Object.fromEntries(Object.entries(c?.data ?? {}).map(([k, v]) => [k, Buffer.from(v as string)]));
  };
  const pick = (data: Record<string, Buffer>, items?: { key: string; path: string }[]) =>
    items ? Object.fromEntries(items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]!])) : data;

  for (const v of spec.volumes ?? []) {
    if (v.hostPath) continue;
    const dir = dirs.get(v.name)!;
    if (fs.existsSync(dir) && (v.emptyDir || v.persistentVolumeClaim)) continue; // kept across restarts (a PVC for good)
    fs.mkdirSync(dir, { recursive: true });
    let files: Record<string, Buffer> = {};
    if (v.secret) files = pick(await secretData(v.secret.secretName, v.secret.optional), v.secret.items);
    else if (v.configMap) files = pick(await configMapData(v.configMap.name, v.configMap.optional), v.configMap.items);
    else if (v.projected) {
      for (const src of v.projected.sources) {
        if (src.secret) Object.assign(files, pick(await secretData(src.secret.name, src.secret.optional), src.secret.items));
        if (src.configMap) Object.assign(files, pick(await configMapData(src.configMap.name, src.configMap.optional), src.configMap.items));
        if (src.serviceAccountToken)
          files[src.serviceAccountToken.path] = Buffer.from(
            await ctx.token(ns, spec.serviceAccountName ?? 'default', src.serviceAccountToken.audience),
          );
        if (src.downwardAPI)
          for (const i of src.downwardAPI.items ?? []) files[i.path] = Buffer.from(fieldOf(pod, i.fieldRef?.fieldPath ?? ''));
      }
    }
    for (const [f, content] of Object.entries(files)) {
      const to = path.join(dir, f);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(`${to}.tmp`, transform(path.basename(f), content));
      fs.renameSync(`${to}.tmp`, to);
    }
  }
}

function fieldOf(pod: LocalPod, fieldPath: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.uid;
    case 'status.podIP':
      return pod.ip;
    case 'status.hostIP':
      return pod.hostIP;
    case 'spec.nodeName':
      return pod.node;
    default: {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
      if (label) return pod.labels[label[1]!] ?? '';
      throw new Error(`${pod.name}: downward API field ${fieldPath} is not supported by the local runner`);
    }
  }
}

/** Start a pod: volumes, init containers in order, then all containers; resolves when every container is ready. */
export async function runPod(ctx: PodContext, pod: LocalPod, spec: any): Promise<RunningPod> {
  fs.mkdirSync(ctx.dir, { recursive: true });
  const volumes = volumeDirs(ctx, spec);
  const mountsOf = (c: any): Mount[] =>
    (c.volumeMounts ?? []).map((m: any) => ({ path: m.mountPath, local: path.join(volumes.get(m.name)!, m.subPath ?? '') }));
  // Files are shared by the pod's containers: rewrite them once with every container's mounts.
  const allMounts = [...(spec.initContainers ?? []), ...spec.containers].flatMap(mountsOf);
  const root = path.join(ctx.dir, 'rootfs');
  const fileCtx: FileContext = { ...ctx.files, mounts: allMounts, root };
  const transform = (key: string, content: Buffer) => localFile(key, content, fileCtx);
  await materializeVolumes(ctx, pod, spec, transform);
  // A subPath of a volume exists once mounted.
  for (const m of allMounts) if (m.local.startsWith(ctx.dir) && !fs.existsSync(m.local)) fs.mkdirSync(m.local, { recursive: true });
  // The pod's file tree: every mount linked at its path, for globs that span mounts.
  for (const m of allMounts) {
    const at = path.join(root, m.path);
    if (fs.lstatSync(at, { throwIfNoEntry: false })) continue;
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(m.local, at);
  }

  const envOf = async (c: any): Promise<Record<string, string>> => {
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef) env[e.name] = fieldOf(pod, e.valueFrom.fieldRef.fieldPath);
      else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
        const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
        const obj = await ctx.kube.get('v1', e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name, pod.namespace);
        const raw = e.valueFrom.secretKeyRef
          ? obj?.data?.[ref.key] && Buffer.from(obj.data[ref.key], 'base64')
          : obj?.data?.[ref.key] && Buffer.from(obj.data[ref.key]);
        if (!raw) {
          if (ref.optional) continue;
          throw new Error(`${pod.name}/${c.name}: env ${e.name} refers to ${ref.name}/${ref.key}, which does not exist`);
        }
        env[e.name] = localFile(ref.key, raw, { ...fileCtx, mounts: mountsOf(c) }).toString('utf8');
      } else throw new Error(`${pod.name}/${c.name}: env ${e.name} has a source the local runner does not support`);
    }
    return env;
  };
  const commandOf = (c: any) => {
    const t = toolForImage(c.image);
    if ('missing' in t) throw new Error(`${pod.name}/${c.name}: ${t.missing}`);
    // The images' entrypoint is the binary itself; an explicit command names it again.
    const args = [...(c.command ?? []).slice(1), ...(c.args ?? [])];
    return t.tool === 'python'
      ? { tool: t.tool, command: t.command, args, prefix: [t.script] }
      : { tool: t.tool, command: toolPath(t.tool), args, prefix: [] };
  };

  for (const c of spec.initContainers ?? []) {
    const { tool, args, command } = commandOf(c);
    const env = await envOf(c);
    await runToCompletion(
      command,
      listenDefaults(tool, localArgs(args, env, pod.ip, { ...fileCtx, mounts: mountsOf(c) }), pod.ip),
      path.join(ctx.dir, c.name),
      env,
      `${pod.name}/${c.name}`,
    );
  }

  const startContainer = async (c: any): Promise<Running> => {
    const { tool, args, command, prefix } = commandOf(c);
    const env = await envOf(c);
    const dir = path.join(ctx.dir, c.name);
    fs.mkdirSync(dir, { recursive: true });
    const portOf = (p: number | string) => (typeof p === 'number' ? p : c.ports?.find((x: any) => x.name === p)?.containerPort);
    const probe = c.readinessProbe ?? c.startupProbe;
    // The port `url` names: the probed HTTP port, else the one named http/web, else the first.
    const named = c.ports?.find((p: any) => p.name === 'http' || p.name === 'web')?.containerPort;
    const port = portOf(probe?.httpGet?.port ?? named ?? probe?.tcpSocket?.port ?? c.ports?.[0]?.containerPort ?? 0);
    const probePort = portOf(probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? port);
    const r = await start({
      tool,
      command,
      cpus: ctx.cpus,
      host: pod.ip,
      port,
      dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        KUBERNETES_SERVICE_HOST: ctx.apiServer.host,
        KUBERNETES_SERVICE_PORT: String(ctx.apiServer.port),
        ...env,
      },
      timeoutMs: 120_000,
      ready: probe?.httpGet
        ? () => httpProbe(pod.ip, probePort, probe.httpGet.path ?? '/', probe.httpGet.scheme === 'HTTPS')
        : probe?.tcpSocket
          ? () => tcpProbe(pod.ip, probePort)
          : async () => true,
      args: () => [
        ...prefix,
        ...inClusterConnection(
          tool,
          listenDefaults(tool, localArgs(args, env, pod.ip, { ...fileCtx, mounts: mountsOf(c) }), pod.ip),
          mountsOf(c),
          dir,
          ctx.apiServer,
        ),
      ],
    });
    // Its URL with the scheme it serves (a handshake tells; the spec may not).
    return port && (await servesTls(pod.ip, port)) ? { ...r, url: r.url.replace(/^http:/, 'https:') } : r;
  };
  const containers = new Map<string, Running>();
  const results = await Promise.allSettled(spec.containers.map(async (c: any) => [c.name, await startContainer(c)] as const));
  for (const r of results) if (r.status === 'fulfilled') containers.set(r.value[0], r.value[1]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // A pod starts whole or not at all: stop the containers that did start.
    await Promise.all([...containers.values()].map((r) => r.stop()));
    throw new Error(`${pod.namespace}/${pod.name}: ${(failed.reason as Error).message}`, { cause: failed.reason });
  }
  const running: RunningPod = {
    pod,
    containers,
    async stop(signal) {
      await Promise.all([...containers.values()].map((r) => r.stop(signal)));
    },
    async syncVolumes() {
      // The config reloader sees the change, as when the kubelet updates a volume.
      await materializeVolumes(ctx, pod, spec, transform);
    },
    async restart(signal) {
      await running.stop(signal);
      return runPod(ctx, pod, spec);
    },
    log: () => [...containers].map(([n, r]) => `--- ${pod.name}/${n} ---\n${tail(r.log(), 40)}`).join('\n'),
  };
  return running;
}

function runToCompletion(bin: string, args: string[], dir: string, env: Record<string, string>, what: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`init container ${what} exited with ${code}:\n${tail(out)}`));
    });
  });
}

/** The kubelet's HTTP probe: any 2xx/3xx; HTTPS without verifying the certificate, as the kubelet does. */
function httpProbe(host: string, port: number, p: string, secure: boolean): Promise<boolean> {
  const url = `${secure ? 'https' : 'http'}://${host}:${port}${p}`;
  if (!secure) return fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.status >= 200 && r.status < 400);
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => (req.destroy(), resolve(false)));
  });
}

function servesTls(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false, timeout: 2000 }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

function tcpProbe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}
