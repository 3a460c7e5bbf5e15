/**
 * FR-2.4 end to end through the runner (tools/runner): three days of backfilled data (promtool
 * tsdb create-blocks-from openmetrics) in the bucket are downsampled to 5m by dev's compactor pod
 * as dist renders it, and the 5m data is served by a store gateway through Thanos Query over
 * mutual TLS. The backfilled block carries dev's external labels and an upload time an hour ago
 * (test/helpers/blocks.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { metas, seedBlocks } from '../helpers/blocks.js';
import { json } from '../helpers/http.js';
import { waitFor } from '../helpers/sink.js';

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const cluster = dev.clusters[0]!;

describe('compactor downsampling, served back through the store gateway', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-downsample-'));
  const objectStore = path.join(work, 'object-store');
  const bucket = path.join(objectStore, dev.aws[dev.clusters[0]!.name]!.bucket);
  // promtool cuts blocks at multiples of 72h since the epoch: the 69 hours of data end at the last
  // such boundary (at least 3h ago), so they land in one block whatever the time of day.
  const BLOCK_S = 72 * 3600;
  const now = Math.floor((Math.floor(Date.now() / 1000) - 3 * 3600) / BLOCK_S) * BLOCK_S + 3 * 3600;
  let stack: Stack;

  beforeAll(async () => {
    const lines = ['# TYPE gl_downsample_probe gauge'];
    for (let t = now - 72 * 3600; t < now - 3 * 3600; t += 60) lines.push(`gl_downsample_probe{job="backfill"} ${t % 100} ${t}`);
    // The external labels dev's Prometheus writes (the store gateway keeps only its cluster's blocks).
    const blocks = seedBlocks(bucket, lines, {
      cluster: cluster.name,
      region: cluster.region,
      environment: dev.name,
      prometheus_replica: 'prometheus-prometheus-0',
    });
    expect(blocks.length).toBeGreaterThan(0);
    stack = await startStack({ only: ['thanos-compactor', 'thanos-query'], objectStore, demoJob: false });
    expect(stack.bucket).toBe(bucket);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("dev's compactor turns a raw block spanning more than 40h into a 5m block", async () => {
    expect(metas(bucket).some((m) => m.maxTime - m.minTime >= 40 * 3600 * 1000)).toBe(true);
    const fiveMinute = () => metas(bucket).filter((m) => m.thanos?.downsample?.resolution === 300_000);
    const compactor = stack.local.podsOf('StatefulSet', 'thanos-compactor')[0]!;
    const ok = await waitFor(() => fiveMinute().length === 1, 120_000, 1000);
    expect({ ok, log: ok ? '' : compactor.log() }).toEqual({ ok: true, log: '' });
    expect(fiveMinute()[0]!.maxTime - fiveMinute()[0]!.minTime).toBeGreaterThanOrEqual(40 * 3600 * 1000);
  }, 150_000);

  it('a store gateway serves the 5m data to Thanos Query over mutual TLS', async () => {
    // Remove the raw block that was downsampled: what the query returns for its range can only come from the 5m block.
    const fiveMinute = metas(bucket).find((m) => m.thanos?.downsample?.resolution === 300_000)!;
    const source = metas(bucket).find((m) => !m.thanos?.downsample?.resolution && m.minTime === fiveMinute.minTime)!;
    fs.rmSync(path.join(bucket, source.ulid), { recursive: true });
    const [from, to] = [Math.ceil(fiveMinute.minTime / 1000), Math.floor(fiveMinute.maxTime / 1000)];
    // A store gateway pod of dev (it loads the bucket as it starts) and a query pod that finds only it.
    const store = await stack.local.runExtra('StatefulSet', 'thanos-store', 'thanos-store-0', () => undefined);
    const grpc = store.pod.containers[0]!.ports.find((p) => p.name === 'grpc')!.containerPort;
    const onlyStore = (address: string) =>
      address.includes('thanos-store') ? [`${store.pod.ip}:${grpc}`] : /^dns(srv)?\+/.test(address) ? [] : undefined;
    const pod = await stack.local.runExtra('Deployment', 'thanos-query', 'thanos-query-store-only', onlyStore);
    const query = stack.client(pod, 'thanos-query', stack.tls.query);
    let values: unknown[] = [];
    const ok = await waitFor(
      async () => {
        const body = await json(
          query,
          `/api/v1/query_range?query=gl_downsample_probe&start=${from}&end=${to}&step=3600&max_source_resolution=5m`,
        );
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
