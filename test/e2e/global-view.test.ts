/**
 * The global view (FR-2.6) end to end: prod's two clusters run locally (Prometheus pair, sidecars
 * and Thanos query each, as rendered for their cluster) and the global query rendered for the
 * host cluster reaches both cluster queries over mutual TLS. Every series keeps its own
 * `cluster` label, and each cluster's HA pair still shows once.
 */
import { isDeepStrictEqual } from 'node:util';
import { grpcServerName } from '../../charts/thanos/common.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { json } from '../helpers/http.js';
import { webServerName } from '../../lib/web-tls.js';
import { makeCerts } from '../../tools/preview/certs.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { localThanosArgs } from '../../tools/preview/thanos-args.js';
import { useProcesses } from '../helpers/proc.js';
import { waitFor } from '../helpers/sink.js';

const prod = resolveAll(envFiles).find((e) => e.name === 'prod')!;
const host = prod.thanos.global!.hostCluster;

describe('global query over two clusters', () => {
  const procs = useProcesses();
  const stacks: Stack[] = [];

  beforeAll(async () => {
    // One CA for the environment: the issuer is shared by its clusters (tls.issuer).
    const certDir = makeCerts([grpcServerName(prod), webServerName(prod.namespace), webServerName(prod.hostNamespace)]);
    for (const c of prod.clusters) stacks.push(await startStack({ env: 'prod', cluster: c.name, minimal: true, certDir, interval: '2s' }));
  }, 180_000);
  afterAll(async () => Promise.all(stacks.map((s) => s.stop())), 60_000);

  it('sees every cluster once, with distinct cluster labels, through the rendered global query', async () => {
    const hostStack = stacks.find((s) => s.cluster === host)!;
    const global = await procs.start({
      tool: 'thanos',
      tls: hostStack.tls.query,
      args: ({ port, dir }) =>
        localThanosArgs(hostStack.rendered, 'thanos-query-global', hostStack.certDir, {
          port,
          dir,
          grpc: 0,
          endpoints: stacks.map((s) => `127.0.0.1:${s.queryGrpc}`),
        }),
    });
    const expected = Object.fromEntries(prod.clusters.map((c) => [c.name, '2']));
    let byCluster: Record<string, string> = {};
    const ok = await waitFor(
      async () => {
        const body = await json(global, `/api/v1/query?query=${encodeURIComponent('count by (cluster) (prometheus_build_info)')}`);
        byCluster = Object.fromEntries((body.data?.result ?? []).map((r: any) => [r.metric.cluster, r.value[1]]));
        return isDeepStrictEqual(byCluster, expected);
      },
      60_000,
      1000,
    );
    // Each cluster's Prometheus pair scrapes both replicas: 2 series per cluster, not 4, after dedup.
    expect({ ok, byCluster }).toEqual({ ok: true, byCluster: expected });
  }, 120_000);
});
