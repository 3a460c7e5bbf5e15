/**
 * Argo CD's own diff, sync and health code, from the argo-cd module at the pinned version
 * (tools/argocd, built by `make tools` as `argocd-replay`), called from the tests. Each call
 * passes manifests as a JSON array and gets one result per object.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../lib/synth.js';
import { toolPath } from './binaries.js';

export interface ObjectDiff {
  readonly object: string;
  readonly modified: boolean;
  readonly predictedLive?: string;
  readonly normalizedLive?: string;
}

export interface ObjectHealth {
  readonly object: string;
  /** Absent when Argo CD has no health check for the kind (it then does not count). */
  readonly status?: string;
  readonly message?: string;
  readonly error?: string;
  /** Set when the object does not count (the Application itself). */
  readonly skipped?: string;
}

function run<T>(args: readonly string[], objects: readonly unknown[], files: Record<string, unknown> = {}): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'argocd-replay-'));
  try {
    const fileArgs = Object.entries(files).flatMap(([flag, content]) => {
      if (content === undefined) return [];
      const f = path.join(dir, `${flag}.json`);
      fs.writeFileSync(f, JSON.stringify(content));
      return [`--${flag}`, f];
    });
    const r = spawnSync(toolPath('argocd-replay'), [...args, ...fileArgs], {
      input: JSON.stringify(objects),
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`argocd-replay ${args[0]} exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Apply as an automated sync with ServerSideApply=true does (field manager argocd-controller), tracking the objects to `app`. */
export function argocdSync(
  kubeconfig: string,
  app: string,
  objects: readonly Manifest[],
): { object: string; result: string; error?: string }[] {
  return run(['sync', '--kubeconfig', kubeconfig, '--app', app], objects);
}

/** The application controller's diff of `objects` (desired) against the live cluster, in the mode `application` selects. */
export function argocdDiff(
  kubeconfig: string,
  application: Manifest,
  objects: readonly Manifest[],
  argocdCm?: Manifest,
): { serverSideDiff: boolean; objects: ObjectDiff[] } {
  return run(['diff', '--kubeconfig', kubeconfig], objects, { application, 'argocd-cm': argocdCm });
}

/** Health of each object as it is live, and the health of the Application `app` they add up to (`app` itself does not count). */
export function argocdHealth(
  kubeconfig: string,
  app: string,
  objects: readonly Manifest[],
  argocdCm?: Manifest,
): { application: string; objects: ObjectHealth[] } {
  return run(['health', '--kubeconfig', kubeconfig, '--app', app], objects, { 'argocd-cm': argocdCm });
}

/** Health of objects as given (no API server): crafted states. */
export function argocdHealthOf(objects: readonly unknown[], argocdCm?: Manifest): { application: string; objects: ObjectHealth[] } {
  return run(['health-file'], objects, { 'argocd-cm': argocdCm });
}

/** Upstream's own health_test.yaml cases of the given group/kind folders under `dir`. */
export function upstreamHealthTests(
  dir: string,
  kinds: readonly string[],
): { kind: string; input: string; wantStatus: string; wantMessage: string; status?: string; message?: string; error?: string }[] {
  return run(['upstream-tests', dir, ...kinds], []);
}
