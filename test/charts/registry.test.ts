/**
 * The component registry (charts/index.ts) is where the whole-platform views come from, so its
 * references must hold: every peer a flow names is a workload some component declares pods for,
 * and where everything runs no flow loses a peer. (That every port is admitted and every
 * selector matches running pods is proven on the real operator's output by the control-plane tier.)
 */
import { components, ingressRules, running } from '../../charts/index.js';
import { planCluster } from '../../charts/plan.js';
import { envFiles, resolveAll } from '../../envs/index.js';

const envs = resolveAll(envFiles);
const contexts = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, plan: planCluster(env, cluster) })));

it('every workload a flow names as a peer, or a component connects to, has its pods declared by a component', () => {
  const declared = new Set(components.flatMap((c) => c.pods ?? []).map((p) => p.workload.name));
  const reached = contexts.flatMap((ctx) => components.flatMap((c) => (c.reaches?.(ctx) ?? []).map((r) => `${r.name} -> ${r.to.name}`)));
  expect(reached.filter((n) => !declared.has(n.split(' -> ')[1]!))).toEqual([]);
  const named = contexts.flatMap((ctx) =>
    components.flatMap((c) =>
      (c.ingress?.(ctx) ?? []).flatMap((f) => f.from.flatMap((p) => ('external' in p ? [] : [`${f.name} <- ${p.name}`]))),
    ),
  );
  expect(named.length).toBeGreaterThan(10);
  expect(named.filter((n) => !declared.has(n.split(' <- ')[1]!))).toEqual([]);
});

it('where every component runs (prod-use1: global view, digest), every flow keeps every peer', () => {
  const ctx = contexts.find((c) => c.plan.thanos && c.plan.pushgateway && c.plan.globalQuery && c.plan.alertDigest)!;
  expect(ctx.cluster.name).toBe('greenlang-prod-use1');
  // Declared: each ingress flow with its peers, each connection a component makes with its own pods as peers.
  const flows = running(ctx).flatMap((c) => [
    ...(c.ingress?.(ctx) ?? []).map((f) => [f.name, f.from.length]),
    ...(c.reaches?.(ctx) ?? []).map((r) => [r.name, c.pods?.length ?? 0]),
  ]);
  const rules = ingressRules(ctx);
  expect(rules.map((r) => [r.name, r.from.length])).toEqual(flows);
});

it('flow and rule-area names are unique across the registry', () => {
  const ctx = contexts[0]!;
  const flows = components.flatMap((c) => c.ingress?.(ctx) ?? []).map((f) => f.name);
  expect(new Set(flows).size).toBe(flows.length);
  const areas = components.flatMap((c) => c.rules ?? []).map((a) => a.area);
  expect(new Set(areas).size).toBe(areas.length);
});
