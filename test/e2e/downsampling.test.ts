/**
 * FR-2.4 end to end with the real binaries and the compactor/store/query args rendered for dev:
 * three days of backfilled data (promtool tsdb create-blocks-from openmetrics) in a filesystem
 * bucket are downsampled to 5m by the compactor, and the 5m data is served by the store gateway
 * through Thanos Query over mutual TLS.
 * Rewritten for the run: addresses, paths, certificates, the bucket; the compactor runs one
 * pass (no --wait) and with --consistency-delay=0s, since the backfilled blocks are minutes old.
 */
import fs from 'node:fs';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { type Manifest } from '../../lib/synth.js';
import { synthesize } from '../../charts/index.js';
import { toolPath } from '../../tools/binaries.js';
import { runTool } from '../helpers/bin.js';
import { makeCerts } from '../helpers/certs.js';
import { freePort, useProcesses } from '../helpers/proc.js';
import { waitFor } from '../helpers/sink.js';
import { json } from '../helpers/http.js';
import type { Rendered } from '../../tools/preview/thanos-args.js';
import { webServerName } from '../../lib/web-tls.js';
import { localThanosArgs, rewriteThanosArgs } from '../../tools/preview/thanos-args.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';
import { spawnSync } from 'node:child_process';

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const rendered = manifestsOf(await synthesize([dev])).map((m) => m.manifest as Manifest & { spec: any });
const argsOf = (name: string): string[] =>
  rendered.find((m) => m.metadata.name === name && m.spec?.template)!.spec.template.spec.containers[0].args;
const certs = makeCerts([`thanos-grpc.${dev.namespace}.svc`, webServerName(dev.namespace)]);

interface Meta {
  ulid: string;
  minTime: number;
  maxTime: number;
  thanos?: { downsample?: { resolution: number } };
}
const metas = (bucket: string): Meta[] =>
  fs
    .readdirSync(bucket)
    .filter((d) => fs.existsSync(path.join(bucket, d, 'meta.json')))
    .map((d) => JSON.parse(fs.readFileSync(path.join(bucket, d, 'meta.json'), 'utf8')));

describe('compactor downsampling, served back through the store gateway', () => {
  const procs = useProcesses();
  const work = tempDir('downsample');
  const bucket = path.join(work, 'bucket');
  const now = Math.floor(Date.now() / 1000);
  const start = now - 72 * 3600;
  const end = now - 3 * 3600;

  beforeAll(() => {
    fs.mkdirSync(bucket);
    const lines = ['# TYPE gl_downsample_probe gauge'];
    for (let t = start; t < end; t += 60) lines.push(`gl_downsample_probe{job="backfill"} ${t % 100} ${t}`);
    lines.push('# EOF');
    fs.writeFileSync(path.join(work, 'data.om'), lines.join('\n') + '\n');
    const r = runTool('promtool', [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      '--max-block-duration=72h',
      path.join(work, 'data.om'),
      bucket,
    ]);
    expect(r.code).toBe(0);
  });

  it('the rendered compactor turns a raw block spanning more than 40h into a 5m block', () => {
    const raw = metas(bucket);
    expect(raw.some((m) => m.maxTime - m.minTime >= 40 * 3600 * 1000)).toBe(true);
    const dir = tempDir('compactor');
    const args = rewriteThanosArgs(argsOf('thanos-compactor'), certs, { port: 0, dir, grpc: 0, bucket })
      .filter((a) => a !== '--wait')
      .map((a) => (a.startsWith('--http-address=') ? '--http-address=127.0.0.1:0' : a));
    const r = spawnSync(toolPath('thanos'), [...args, '--consistency-delay=0s'], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: r.status, log: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, log: '' });
    const downsampled = metas(bucket).filter((m) => m.thanos?.downsample?.resolution === 300_000);
    expect(downsampled).toHaveLength(1);
    expect(downsampled[0]!.maxTime - downsampled[0]!.minTime).toBeGreaterThanOrEqual(40 * 3600 * 1000);
  });

  it('the store gateway serves the 5m data to Thanos Query over mutual TLS', async () => {
    // Remove the raw block that was downsampled: what the query returns for its range can only come from the 5m block.
    const fiveMinute = metas(bucket).find((m) => m.thanos?.downsample?.resolution === 300_000)!;
    const source = metas(bucket).find((m) => !m.thanos?.downsample?.resolution && m.minTime === fiveMinute.minTime)!;
    fs.rmSync(path.join(bucket, source.ulid), { recursive: true });
    const [from, to] = [Math.ceil(fiveMinute.minTime / 1000), Math.floor(fiveMinute.maxTime / 1000)];
    const storeGrpc = await freePort();
    await procs.start({
      tool: 'thanos',
      args: ({ port, dir }) => rewriteThanosArgs(argsOf('thanos-store'), certs, { port, dir, grpc: storeGrpc, bucket }),
    });
    const queryGrpc = await freePort();
    const query = await procs.start({
      tool: 'thanos',
      tls: { certDir: certs, serverName: webServerName(dev.namespace), clientCert: true },
      args: ({ port, dir }) =>
        localThanosArgs(rendered as Rendered[], 'thanos-query', certs, {
          port,
          dir,
          grpc: queryGrpc,
          endpoints: [`127.0.0.1:${storeGrpc}`],
        }),
    });
    let values: unknown[] = [];
    const ok = await waitFor(
      async () => {
        const url = `${query.url}/api/v1/query_range?query=gl_downsample_probe&start=${from}&end=${to}&step=3600&max_source_resolution=5m`;
        const body = await json(query, url.slice(query.url.length));
        values = body.data?.result?.[0]?.values ?? [];
        return values.length > 40;
      },
      30_000,
      1000,
    );
    expect({ ok, points: values.length }).toEqual({ ok: true, points: expect.any(Number) });
    expect(values.length).toBeGreaterThanOrEqual(40); // 46h of data at a 1h step, all from the 5m block
  });
});
