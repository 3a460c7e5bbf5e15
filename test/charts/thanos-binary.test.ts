/**
 * The Thanos args we render are accepted by the real pinned thanos binary: each component is
 * started with its rendered arguments, rewriting only listen addresses, paths and the bucket
 * (a FILESYSTEM bucket instead of S3), and must become ready.
 */
import fs from 'node:fs';
import path from 'node:path';
import { deepMerge, resolveAll } from '../../envs/index.js';
import type { EnvOverrides } from '../../envs/schema.js';
import { synthesize, type Manifest } from '../../lib/synth.js';
import { fixtureOutputsDir, qa } from '../fixtures/envs.js';
import { freePort, useProcesses } from '../helpers/proc.js';
import { manifestsOf } from '../helpers/tree.js';

// qa with two store shards, so the hashmod relabel config is exercised too.
const env = deepMerge(qa, { thanos: { store: { shards: 2 } } }) as EnvOverrides;
const rendered = manifestsOf(await synthesize(resolveAll([env], { terraformOutputsDir: fixtureOutputsDir }))).map((m) => m.manifest as Manifest & { spec: any });
const argsOf = (name: string): string[] => rendered.find((m) => m.metadata.name === name && m.spec?.template)!.spec.template.spec.containers[0].args;

/** Rewrite the rendered args for a loopback run: addresses, local paths and a filesystem bucket. */
function localArgs(args: string[], ctx: { port: number; dir: string; grpc: number; downstream?: string }): string[] {
  const objstore = path.join(ctx.dir, 'objstore.yml');
  fs.writeFileSync(objstore, `type: FILESYSTEM\nconfig:\n  directory: ${path.join(ctx.dir, '..', 'bucket')}\n`);
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
      default:
        return a;
    }
  });
}

describe('rendered Thanos args run on the real binary', () => {
  const procs = useProcesses();
  let queryUrl = '';

  const startRendered = async (name: string, downstream?: string) => {
    const grpc = await freePort();
    return procs.start({ tool: 'thanos', args: ({ port, dir }) => localArgs(argsOf(name), { port, dir, grpc, downstream }) });
  };

  it('thanos-query (DNS SRV endpoint config, dedup labels)', async () => {
    const q = await startRendered('thanos-query');
    queryUrl = q.url;
    const res = (await (await fetch(`${q.url}/api/v1/query?query=vector(1)&dedup=true`)).json()) as { status: string };
    expect(res.status).toBe('success');
  });

  it('thanos-query-frontend (split + in-memory cache config) in front of it', async () => {
    const f = await startRendered('thanos-query-frontend', queryUrl);
    const now = Math.floor(Date.now() / 1000);
    const res = (await (await fetch(`${f.url}/api/v1/query_range?query=vector(1)&start=${now - 3600}&end=${now}&step=60`)).json()) as {
      status: string;
      data: { result: { values: unknown[] }[] };
    };
    expect(res.status).toBe('success');
    expect(res.data.result[0]!.values.length).toBe(61);
  });

  it.each(['thanos-store-0', 'thanos-store-1'])('%s (index cache and hashmod shard selector)', async (name) => {
    await startRendered(name);
  });

  it('thanos-compactor (--wait, retention, offline dedup flags)', async () => {
    await startRendered('thanos-compactor');
  });
});
