/**
 * Compare what dist says with what a cluster runs: missing objects, drift on the fields we
 * render (fields the cluster adds are ignored), pods not ready, Prometheus targets down.
 * Pure: the CLI (cli/verify.ts) fetches the live state, tests feed recorded objects.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Manifest } from './synth.js';
import { objectRef } from './synth.js';

export type Finding =
  | { kind: 'missing'; object: string }
  | { kind: 'drift'; object: string; field: string; expected: unknown; actual: unknown }
  | { kind: 'pod-not-ready'; object: string; reason: string }
  | { kind: 'target-down'; object: string; reason: string };

export interface LiveState {
  /** Live object for each desired one (by objectRef), undefined when absent. */
  readonly objects: ReadonlyMap<string, Record<string, unknown> | undefined>;
  readonly pods: readonly { namespace: string; name: string; ready: boolean; reason?: string }[];
  readonly targets: readonly { job: string; instance: string; health: string; lastError?: string }[];
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Arrays of named items (containers, ports, env, volumes...) are matched by name, others by index. */
function pairUp(desired: unknown[], live: unknown[]): [unknown, unknown, string][] {
  const named = desired.every((d) => isPlain(d) && typeof d.name === 'string');
  if (named && desired.length > 0)
    return desired.map((d) => [
      d,
      live.find((l) => isPlain(l) && l.name === (d as { name: string }).name),
      `[name=${(d as { name: string }).name}]`,
    ]);
  return desired.map((d, i) => [d, live[i], `[${i}]`]);
}

/** Fields of `desired` whose live value differs; live-only fields are the cluster's business. */
export function drift(desired: unknown, live: unknown, path = ''): { field: string; expected: unknown; actual: unknown }[] {
  if (isPlain(desired)) {
    if (!isPlain(live)) return [{ field: path || '(root)', expected: desired, actual: live }];
    return Object.entries(desired).flatMap(([k, v]) => drift(v, live[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return [{ field: path, expected: desired, actual: live }];
    const named = desired.every((d) => isPlain(d) && typeof d.name === 'string');
    // Named items (containers, ports, volumes) may be joined by ones the cluster adds, such as
    // an injected sidecar; every one we render must be there and match.
    if (!named && live.length !== desired.length) return [{ field: path, expected: desired, actual: live }];
    return pairUp(desired, live).flatMap(([d, l, seg]) => drift(d, l, `${path}${seg}`));
  }
  return isDeepStrictEqual(desired, live) ? [] : [{ field: path, expected: desired, actual: live }];
}

/** A Secret's stringData comes back base64-encoded under data. */
function normalise(desired: Manifest): Manifest {
  if (desired.kind !== 'Secret' || !isPlain(desired.stringData)) return desired;
  const { stringData, ...rest } = desired as Manifest & { stringData: Record<string, string> };
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { ...rest, data: { ...((rest as { data?: object }).data ?? {}), ...data } } as Manifest;
}

export function verify(desired: readonly Manifest[], live: LiveState): Finding[] {
  const findings: Finding[] = [];
  for (const d of desired) {
    const ref = objectRef(d);
    const l = live.objects.get(ref);
    if (!l) {
      findings.push({ kind: 'missing', object: ref });
      continue;
    }
    const { status: _status, ...want } = normalise(d) as Manifest & { status?: unknown };
    for (const f of drift(want, l)) findings.push({ kind: 'drift', object: ref, ...f });
  }
  for (const p of live.pods)
    if (!p.ready) findings.push({ kind: 'pod-not-ready', object: `Pod/${p.namespace}/${p.name}`, reason: p.reason ?? 'not ready' });
  for (const t of live.targets)
    if (t.health !== 'up') findings.push({ kind: 'target-down', object: `${t.job} ${t.instance}`, reason: t.lastError || t.health });
  return findings;
}

export function formatFindings(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      switch (f.kind) {
        case 'missing':
          return `missing       ${f.object}`;
        case 'drift':
          return `drift         ${f.object} ${f.field}: want ${JSON.stringify(f.expected)}, live ${JSON.stringify(f.actual)}`;
        case 'pod-not-ready':
          return `pod not ready ${f.object}: ${f.reason}`;
        case 'target-down':
          return `target down   ${f.object}: ${f.reason}`;
      }
    })
    .join('\n');
}
