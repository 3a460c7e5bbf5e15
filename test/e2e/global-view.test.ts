/**
 * The global view (FR-2.6) end to end: prod's two clusters run locally through the runner, each
 * on its own API server and operator (Prometheus pair with sidecars and Thanos query), and the
 * global query dist renders for the host cluster reaches both cluster queries over mutual TLS.
 * The other cluster's query is reached under the name dist gives it, resolved to that cluster's
 * Service address (its load balancer in AWS). Every series keeps its own `cluster` label, and
 * each cluster's HA pair still shows once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { envFiles, resolveAll } from '../../envs/index.js';
import { json } from '../helpers/http.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { waitFor } from '../helpers/sink.js';

const prod = resolveAll(envFiles).find((e) => e.name === 'prod')!;
const host = prod.thanos.global!.hostCluster;
const QUERY_PATH = ['prometheus-prometheus', 'thanos-query'];

describe('global query over two clusters', () => {
  const stacks: Stack[] = [];
  // One issuer (CA) for the environment, shared by its clusters (tls.issuer).
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-prod-ca-'));

  beforeAll(async () => {
    const remote = prod.clusters.filter((c) => c.name !== host);
    for (const c of remote) stacks.push(await startStack({ env: 'prod', cluster: c.name, only: QUERY_PATH, caDir, demoJob: false }));
    // dist names each remote cluster's query by an external DNS name; it resolves to that cluster's query Service.
    const externalDns = Object.fromEntries(
      stacks.map((s) => [remoteQueryName(s.cluster), [s.local.services.find((x) => x.name === 'thanos-query')!.clusterIP]]),
    );
    stacks.push(
      await startStack({ env: 'prod', cluster: host, only: [...QUERY_PATH, 'thanos-query-global'], caDir, externalDns, demoJob: false }),
    );
  }, 240_000);
  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.stop()));
    fs.rmSync(caDir, { recursive: true, force: true });
  }, 60_000);

  it('sees every cluster once, with distinct cluster labels, through the generated global query', async () => {
    const hostStack = stacks.find((s) => s.cluster === host)!;
    const pod = hostStack.local.podsOf('Deployment', 'thanos-query-global')[0]!;
    const global = hostStack.client(pod, 'thanos-query', hostStack.tls.query);
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

/** The host part of the endpoint the environment gives a remote cluster's query (envs/prod.ts). */
function remoteQueryName(cluster: string): string {
  const endpoint = prod.thanos.global!.endpoints[cluster];
  if (!endpoint) throw new Error(`prod has no global endpoint for ${cluster}`);
  return endpoint.replace(/:\d+$/, '');
}
