/**
 * Rendered Thanos args of our own workloads (dist, not the operator) rewritten for a single
 * binary on loopback: addresses, local paths, certificates, a filesystem bucket. For the focused
 * tests of one Thanos component (test/charts/thanos-binary, test/e2e/downsampling); whole
 * clusters run through the runner (tools/runner).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { Manifest } from '../../lib/synth.js';
import { GRPC_TLS_MOUNT } from '../../charts/thanos/common.js';
import { WEB_TLS_MOUNT } from '../../lib/web-tls.js';

export type Rendered = Manifest & { spec?: any; stringData?: Record<string, string>; data?: Record<string, string> };

/** Container args of a rendered Deployment, StatefulSet or DaemonSet. */
export function containerOf(
  rendered: readonly Rendered[],
  name: string,
): { args: string[]; env: any[]; volumeMounts: any[]; volumes: any[] } {
  const w = rendered.find((r) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(r.kind) && r.metadata.name === name);
  if (!w) throw new Error(`no workload ${name} in the rendered manifests`);
  const pod = w.spec.template.spec;
  const c = pod.containers[0];
  return { args: c.args ?? [], env: c.env ?? [], volumeMounts: c.volumeMounts ?? [], volumes: pod.volumes ?? [] };
}

/** Content of a file a rendered workload mounts from a ConfigMap or Secret in the same manifests. */
export function mountedFile(rendered: readonly Rendered[], workload: string, file: string): string {
  const c = containerOf(rendered, workload);
  const m = c.volumeMounts.find((v: any) => file.startsWith(`${v.mountPath}/`));
  if (!m) throw new Error(`${workload} mounts nothing at ${file}`);
  const key = file.slice(m.mountPath.length + 1);
  const vol = c.volumes.find((v: any) => v.name === m.name);
  const ref = vol?.configMap?.name ?? vol?.secret?.secretName;
  const kind = vol?.configMap ? 'ConfigMap' : 'Secret';
  const obj = rendered.find((r) => r.kind === kind && r.metadata.name === ref);
  const content = obj?.data?.[key] ?? obj?.stringData?.[key];
  if (content === undefined)
    throw new Error(`${workload}: ${file} comes from ${kind} ${ref}, which is not rendered here (or has no key ${key})`);
  return content;
}

export interface LocalContext {
  port: number;
  dir: string;
  grpc: number;
  downstream?: string;
  endpoints?: string[];
  /** Bucket directory; `<dir>/../bucket` by default. */
  bucket?: string;
  /** Content of a file the rendered pod mounts (for --http.config): see mountedFile(). */
  mounted?: (path: string) => string;
}

export function rewriteThanosArgs(args: string[], certDir: string, ctx: LocalContext): string[] {
  // Both certificates (gRPC and web) come from one local CA, in cert-manager's file layout.
  const withCerts = (a: string) => a.replaceAll(GRPC_TLS_MOUNT, certDir).replaceAll(WEB_TLS_MOUNT, certDir);
  const objstore = path.join(ctx.dir, 'objstore.yml');
  fs.writeFileSync(objstore, `type: FILESYSTEM\nconfig:\n  directory: ${ctx.bucket ?? path.join(ctx.dir, '..', 'bucket')}\n`);
  return args.map((a) => {
    const [flag] = a.split('=', 1);
    switch (flag) {
      case '--http-address':
        return `--http-address=127.0.0.1:${ctx.port}`;
      case '--grpc-address':
        return `--grpc-address=127.0.0.1:${ctx.grpc}`;
      case '--data-dir':
        return `--data-dir=${path.join(ctx.dir, 'data')}`;
      case '--objstore.config-file':
        return `--objstore.config-file=${objstore}`;
      case '--query-frontend.downstream-url':
        return `--query-frontend.downstream-url=${ctx.downstream}`;
      case '--http.config': {
        const rendered = a.slice(a.indexOf('=') + 1);
        if (!ctx.mounted) throw new Error(`${rendered} is mounted in the pod: pass ctx.mounted to read it from the rendered manifests`);
        const local = path.join(ctx.dir, 'web-config.yml');
        fs.writeFileSync(local, withCerts(ctx.mounted(rendered)));
        return `--http.config=${local}`;
      }
      case '--endpoint.sd-config': {
        // Keep the rendered client config (mutual TLS, server name); point it at local endpoints.
        const cfg = parse(a.slice(a.indexOf('=') + 1));
        return withCerts(`--endpoint.sd-config=${stringify({ ...cfg, endpoints: (ctx.endpoints ?? []).map((address) => ({ address })) })}`);
      }
      default:
        return withCerts(a);
    }
  });
}

/** A rendered Thanos workload's args for a loopback run: files it mounts are read from the same manifests. */
export function localThanosArgs(
  rendered: readonly Rendered[],
  workload: string,
  certDir: string,
  ctx: Omit<LocalContext, 'mounted'>,
): string[] {
  return rewriteThanosArgs(containerOf(rendered, workload).args, certDir, { ...ctx, mounted: (f) => mountedFile(rendered, workload, f) });
}

/** Whether a rendered Thanos workload serves the mutual-TLS query API (so clients need a certificate). */
export function servesQueryApi(rendered: readonly Rendered[], workload: string): boolean {
  return containerOf(rendered, workload).args.some((a) => a.startsWith('--http.config='));
}
