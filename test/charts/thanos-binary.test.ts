/**
 * The Thanos args we render are accepted by the real pinned thanos binary: each component is
 * started with its rendered arguments, rewriting only listen addresses, paths and the bucket
 * (a FILESYSTEM bucket instead of S3), and must become ready.
 */
import { parse, stringify } from 'yaml';
import { deepMerge, resolveAll } from '../../envs/index.js';
import type { EnvOverrides } from '../../envs/schema.js';
import { type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { fixtureOutputsDir, qa } from '../fixtures/envs.js';
import { makeCerts } from '../helpers/certs.js';
import { localThanosArgs, servesQueryApi, type LocalContext } from '../../tools/preview/thanos-args.js';
import { freePort, useProcesses, type Running } from '../helpers/proc.js';
import { json } from '../helpers/http.js';
import type { ClientTls } from '../../tools/https.js';
import type { Rendered } from '../../tools/preview/thanos-args.js';
import { webServerName } from '../../lib/web-tls.js';
import { waitFor } from '../helpers/sink.js';
import { manifestsOf } from '../helpers/tree.js';

// qa with two store shards, so the hashmod relabel config is exercised too.
const env = deepMerge(qa, { thanos: { store: { shards: 2 } } }) as EnvOverrides;
const rendered = manifestsOf(await synthesize(resolveAll([env], { terraformOutputsDir: fixtureOutputsDir }))).map(
  (m) => m.manifest as Manifest & { spec: any },
);
const argsOf = (name: string): string[] =>
  rendered.find((m) => m.metadata.name === name && m.spec?.template)!.spec.template.spec.containers[0].args;

const ns = rendered.find((m) => m.kind === 'Certificate')!.metadata.namespace!;
const certs = makeCerts([`thanos-grpc.${ns}.svc`, webServerName(ns)]);
const queryTls: ClientTls = { certDir: certs, serverName: webServerName(ns), clientCert: true };
const localArgs = (name: string, ctx: LocalContext) => localThanosArgs(rendered as Rendered[], name, certs, ctx);

describe('rendered Thanos args run on the real binary', () => {
  const procs = useProcesses();
  let queryUrl = '';

  const grpcOf = new Map<string, number>();
  const startRendered = async (name: string, opts: { downstream?: string; endpoints?: string[] } = {}) => {
    const grpc = await freePort();
    grpcOf.set(name, grpc);
    // The query API serves mutual TLS (--http.config); the others plain HTTP.
    const tls = servesQueryApi(rendered as Rendered[], name) ? queryTls : undefined;
    return procs.start({ tool: 'thanos', tls, args: ({ port, dir }) => localArgs(name, { port, dir, grpc, ...opts }) });
  };
  const storesSeenBy = async (p: Running) => (await json(p, '/api/v1/stores')).data?.store ?? [];

  /** A metric of a running component that serves plain HTTP, or undefined when it does not export it. */
  const metric = async (p: Running, name: string) => {
    const text = await (await fetch(`${p.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('thanos-store-0 and thanos-store-1 (index cache, hashmod shard selector, gRPC server mTLS) become ready and sync the bucket', async () => {
    for (const name of ['thanos-store-0', 'thanos-store-1']) {
      const store = await startRendered(name);
      expect((await fetch(`${store.url}/-/ready`)).status).toBe(200);
      // One bucket sync done with the rendered selector (an empty bucket: no block is loaded).
      expect(await waitFor(async () => ((await metric(store, 'thanos_blocks_meta_syncs_total')) ?? 0) >= 1, 20_000)).toBe(true);
      expect(await metric(store, 'thanos_bucket_store_blocks_loaded')).toBe(0);
    }
  });

  it('thanos-query (endpoint config with mutual TLS, dedup labels) reaches the stores over mTLS', async () => {
    const q = await startRendered('thanos-query', {
      endpoints: ['thanos-store-0', 'thanos-store-1'].map((n) => `127.0.0.1:${grpcOf.get(n)}`),
    });
    queryUrl = q.url;
    expect(await waitFor(async () => (await storesSeenBy(q)).filter((s: any) => s.lastError === null).length === 2, 20_000)).toBe(true);
    const res = (await json(q, '/api/v1/query?query=vector(1)&dedup=true')) as { status: string };
    expect(res.status).toBe('success');
  });

  it('a query that trusts the CA but has no client certificate is refused by the stores (mutual TLS)', async () => {
    const grpc = await freePort();
    const serverName = parse(
      argsOf('thanos-query')
        .find((a) => a.startsWith('--endpoint.sd-config='))!
        .slice('--endpoint.sd-config='.length),
    ).default_client_config.server_name;
    const oneWay = stringify({
      default_client_config: { tls_config: { enabled: true, ca_file: `${certs}/ca.crt` }, server_name: serverName },
      endpoints: [{ address: `127.0.0.1:${grpcOf.get('thanos-store-0')}` }],
    });
    const q = await procs.start({
      tool: 'thanos',
      args: ({ port }) => [
        'query',
        `--http-address=127.0.0.1:${port}`,
        `--grpc-address=127.0.0.1:${grpc}`,
        `--endpoint.sd-config=${oneWay}`,
      ],
    });
    await new Promise((r) => setTimeout(r, 6000));
    expect((await storesSeenBy(q)).filter((s: any) => s.lastError === null)).toEqual([]);
  });

  it('thanos-query-frontend (split + in-memory cache config) in front of it', async () => {
    const f = await startRendered('thanos-query-frontend', { downstream: queryUrl });
    const now = Math.floor(Date.now() / 1000);
    const res = (await json(f, `/api/v1/query_range?query=vector(1)&start=${now - 3600}&end=${now}&step=60`)) as {
      status: string;
      data: { result: { values: unknown[] }[] };
    };
    expect(res.status).toBe('success');
    expect(res.data.result[0]!.values.length).toBe(61);
  });

  it('thanos-compactor (--wait, retention, offline dedup flags) completes a compaction pass and keeps running', async () => {
    const compactor = await startRendered('thanos-compactor');
    expect(await waitFor(async () => ((await metric(compactor, 'thanos_compact_iterations_total')) ?? 0) >= 1, 30_000)).toBe(true);
    expect(await metric(compactor, 'thanos_compact_halted')).toBe(0);
  });
});
