/**
 * Promotion between environments: copy the pins one environment runs (image tags) into the
 * next one, re-synthesize, and summarize the rendered change for the
 * pull request that carries it. Settings other than pins are per environment by design (env
 * files) or shared on purpose (defaults.ts), so pins are what "promotable" means here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveAll } from './index.js';
import type { EnvOverrides } from './schema.js';
import { PINS_BEGIN, PINS_END, pinsOf, releaseOf, type Pins } from './versions.js';
import { diffTrees, toMarkdown, type DistDiff } from '../lib/dist-diff.js';
import { treeOnDisk } from '../lib/manifests.js';
import type { Synthesize } from '../lib/synth.js';
import { writeTreeAtomically } from '../lib/writer.js';

export class PromoteError extends Error {
  override name = 'PromoteError';
}

export type PinMap = Record<string, Pins>;

/** The promoted-pins block of a versions file, parsed. */
export function readPins(versionsFile: string): PinMap {
  const { json } = pinsBlock(fs.readFileSync(versionsFile, 'utf8'), versionsFile);
  try {
    return JSON.parse(json) as PinMap;
  } catch (err) {
    throw new PromoteError(`${versionsFile}: the promoted pins block is not valid JSON (${(err as Error).message})`);
  }
}

/** The same file with only the promoted-pins block replaced; written atomically. */
export function writePins(versionsFile: string, pins: PinMap): void {
  const text = fs.readFileSync(versionsFile, 'utf8');
  const { before, after } = pinsBlock(text, versionsFile);
  const tmp = `${versionsFile}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${before}${JSON.stringify(pins, null, 2)};\n${after}`);
  fs.renameSync(tmp, versionsFile);
}

function pinsBlock(text: string, file: string): { before: string; json: string; after: string } {
  const begin = text.indexOf(`${PINS_BEGIN}\n`);
  const end = text.indexOf(`${PINS_END}\n`);
  if (begin < 0 || end < begin)
    throw new PromoteError(`${file}: cannot find the promoted pins block (marker lines "${PINS_BEGIN}" ... "${PINS_END}")`);
  const body = text.slice(begin + PINS_BEGIN.length + 1, end);
  const m = /^(export const promotedPins[^=]*=\s*)([\s\S]*?);\s*$/.exec(body);
  if (!m) throw new PromoteError(`${file}: the promoted pins block must hold one \`export const promotedPins ... = {JSON};\``);
  const head = text.slice(0, begin + PINS_BEGIN.length + 1) + m[1];
  return { before: head, json: m[2]!, after: text.slice(end) };
}

export interface PinChange {
  readonly kind: 'image';
  readonly name: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

export interface PromoteResult {
  readonly from: string;
  readonly to: string;
  /** Nothing to promote: the target already runs the source's pins; no file was touched. */
  readonly noop: boolean;
  readonly pinChanges: readonly PinChange[];
  readonly diff: DistDiff;
  readonly markdown: string;
}

export interface PromoteOptions {
  /** Renders and validates dist (charts/index.ts `synthesize`). */
  readonly synthesize: Synthesize;
  readonly from: string;
  readonly to: string;
  /** Env files in promotion order. */
  readonly envFiles: readonly EnvOverrides[];
  /** The file holding the promoted-pins block (envs/versions.ts). */
  readonly versionsFile: string;
  /** dist/ to re-synthesize. */
  readonly outDir: string;
  readonly terraformOutputsDir?: string;
  /** Compute and report, write nothing. */
  readonly dryRun?: boolean;
}

export async function promote(opts: PromoteOptions): Promise<PromoteResult> {
  const { from, to } = opts;
  const order = opts.envFiles.map((f) => f.name);
  for (const name of [from, to]) {
    if (!order.includes(name))
      throw new PromoteError(`unknown environment "${name}"; environments in promotion order: ${order.join(' -> ')}`);
  }
  if (order.indexOf(to) !== order.indexOf(from) + 1) {
    const next = order[order.indexOf(from) + 1];
    throw new PromoteError(
      `cannot promote ${from} -> ${to}: promotion goes one step along ${order.join(' -> ')}` +
        (next ? ` (${from} promotes to ${next})` : ` (${from} is the last environment)`) +
        '; to roll back, revert the promotion pull request',
    );
  }

  const pins = readPins(opts.versionsFile);
  const current = pinsOf(releaseOf(to, pins));
  const promoted = pinsOf(releaseOf(from, pins));
  const pinChanges = changes(current, promoted);
  const newPins: PinMap = { ...pins, [to]: promoted };
  const before = treeOnDisk(opts.outDir);

  if (pinChanges.length === 0) {
    const diff = { components: [], images: [] };
    return { from, to, noop: true, pinChanges, diff, markdown: summary(from, to, pinChanges, diff) };
  }

  // Render and validate everything before writing anything: a bad pin leaves both files alone.
  const tree = await opts.synthesize(resolveAll(opts.envFiles, { terraformOutputsDir: opts.terraformOutputsDir, pins: newPins }));
  const diff = diffTrees(before, tree);
  if (!opts.dryRun) {
    writeTreeAtomically(opts.outDir, tree);
    writePins(opts.versionsFile, newPins);
  }
  return { from, to, noop: false, pinChanges, diff, markdown: summary(from, to, pinChanges, diff) };
}

function changes(current: Pins, promoted: Pins): PinChange[] {
  const out: PinChange[] = [];
  const [a, b] = [current.images, promoted.images];
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const [x, y] = [(a as Record<string, string>)[name], (b as Record<string, string>)[name]];
    if (x !== y) out.push({ kind: 'image', name, from: x, to: y });
  }
  return out;
}

function summary(from: string, to: string, pins: readonly PinChange[], diff: DistDiff): string {
  const title = `## Promote ${from} → ${to}`;
  if (pins.length === 0) return `${title}\n\nNothing to promote: ${to} already runs every pin ${from} runs.\n`;
  return [
    title,
    '',
    `Pins ${to} takes from ${from} (envs/versions.ts):`,
    '',
    `| kind | name | ${to} before | ${to} after |`,
    '|---|---|---|---|',
    ...pins.map((p) => `| ${p.kind} | \`${p.name}\` | ${p.from ?? '—'} | ${p.to ?? '—'} |`),
    '',
    toMarkdown(diff, `Rendered change in dist/${to}`),
  ].join('\n');
}

/** dist/ relative to a versions file inside a repository checkout. */
export function defaultPaths(repoRoot: string): { versionsFile: string; outDir: string } {
  return { versionsFile: path.join(repoRoot, 'envs', 'versions.ts'), outDir: path.join(repoRoot, 'dist') };
}
