/**
 * The per-request store limits (`thanos.storeLimits`, charts/thanos/common.ts) on the real
 * sidecar, query and query-frontend, as the operator generates them from dev with a series limit
 * of 1,000.
 *
 * The sidecar's limit does not hold at the pinned Thanos: its query asks for series in
 * batches of 64 (hard-coded), and the limiter wrapped around every StoreAPI server counts only
 * single-series responses, so a batch passes uncounted. Upstream fixed it in 573319fe0 ("enforce
 * store limits for batched series", on main, in no release as of v0.42.5). This test records what
 * the real binaries do: at the pinned version an over-limit selection is answered in full; once
 * the pin moves to a release with the fix it must instead reach the user as the limit, and the
 * test says which way it went.
 */
import { envFiles, resolveAll } from '../../envs/index.js';
import type { EnvConfig } from '../../envs/schema.js';
import { renderCluster } from '../../charts/index.js';
import { request } from '../../tools/https.js';
import { startStack, type Stack } from '../../tools/preview/stack.js';
import { json } from '../helpers/http.js';
import { versions } from '../../envs/versions.js';
import { waitFor } from '../helpers/sink.js';

const LIMIT = 1000;
const base = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const dev: EnvConfig = { ...base, thanos: { ...base.thanos, storeLimits: { requestSeries: LIMIT, requestSamples: 1_000_000_000 } } };
const ALL = 'count({__name__=~".+"})';
/**
 * Thanos releases whose limiter skips batched Series responses (see above). v0.42.5 has the same
 * Go code as v0.42.4 (only its Go version and base images moved): the fix is still unreleased.
 */
const BATCHES_UNCOUNTED = ['v0.42.4', 'v0.42.5'];

describe('store limits on the real query path', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      manifests: renderCluster(dev, dev.clusters[0]!).flatMap((r) => r.manifests),
      only: ['prometheus-prometheus', 'thanos-query', 'thanos-query-frontend'],
      demoJob: false,
    });
  }, 180_000);
  afterAll(() => stack?.stop(), 60_000);

  const frontend = (q: string) =>
    request(`${stack.frontend!.url}/api/v1/query?query=${encodeURIComponent(q)}`, stack.tls.query, { timeoutMs: 60_000 });

  it(`a selection over the limit ${BATCHES_UNCOUNTED.includes(versions.thanos.tag) ? 'is answered in full: the pinned sidecar does not enforce it' : 'is answered with the limit, not a silent result'}`, async () => {
    // Precondition: each Prometheus replica holds well over the limit, so every sidecar is asked for more.
    let held = 0;
    await waitFor(
      async () => {
        held = Math.min(
          ...(await Promise.all(
            stack.proms.map(async (p) =>
              Number((await json(p, `/api/v1/query?query=${encodeURIComponent(ALL)}`)).data.result[0]?.value[1] ?? 0),
            ),
          )),
        );
        return held > 2 * LIMIT;
      },
      90_000,
      2000,
    );
    expect(held).toBeGreaterThan(2 * LIMIT);

    const res = await frontend(ALL);
    const body = JSON.parse(res.body);
    const told = [body.error ?? '', ...(body.warnings ?? [])].join('\n');
    const counted = res.status === 200 ? Number(body.data.result[0]?.value[1] ?? 0) : 0;
    if (BATCHES_UNCOUNTED.includes(versions.thanos.tag)) {
      // The known upstream defect, as the real binaries show it: no error, no warning, every series.
      expect({ status: res.status, told, full: counted >= held }).toEqual({ status: 200, told: '', full: true });
    } else {
      expect(told).toMatch(new RegExp(`limit ${LIMIT} violated`));
      // A 200 may carry only what the stores under the limit returned: never a count of every series.
      expect(counted).toBeLessThan(held);
    }
  }, 150_000);

  it('a selection under the limit is answered in full, without a warning', async () => {
    const res = await frontend('count(up)');
    const body = JSON.parse(res.body);
    expect({ status: res.status, warnings: body.warnings ?? [] }).toEqual({ status: 200, warnings: [] });
    expect(Number(body.data.result[0].value[1])).toBeGreaterThan(0);
  }, 60_000);
});
