/**
 * `make bench`: how long a full synth of every environment takes as `make synth` runs it (a new
 * process each run: main.ts bundled by tools/synth.mjs, the bundle current), against a one-object
 * cdk8s app bundled and started the same way, and against main.ts loaded through tsx (unbundled,
 * as `cdk8s synth` runs it). The runs alternate, so machine noise hits each alike. Medians of N runs.
 *
 *   tsx bench/synth.ts [runs=9]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../lib/paths.js';
// @ts-expect-error: plain JavaScript module without types
import { bundle, ensureBundle } from '../tools/synth.mjs';

const runs = Number(process.argv[2] ?? 9);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-bench-'));
const out = path.join(work, 'dist');

await ensureBundle();
const trivial = path.join(repoRoot, '.cache', 'trivial-app.mjs');
await bundle('bench/trivial-app.ts', trivial);

function timed(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const t = { synth: [] as number[], trivial: [] as number[], tsx: [] as number[] };
timed(['tools/synth.mjs', '--out', out]); // warm the page cache and V8's code cache once
for (let i = 0; i < runs; i++) {
  t.synth.push(timed(['tools/synth.mjs', '--out', out]));
  t.trivial.push(timed([trivial, path.join(work, 'trivial')]));
  t.tsx.push(timed(['--import', 'tsx', 'main.ts', '--out', out]));
}
const files = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.yaml')).length;
const line = (name: string, xs: number[]) =>
  `${name.padEnd(44)} median ${median(xs).toFixed(2)} s  [min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}]`;
console.log(`full synth, ${files} files, ${runs} runs each, alternating, node ${process.version}, ${os.cpus().length} cores:`);
console.log(line('make synth (bundled main.ts)', t.synth));
console.log(line('one-object cdk8s app (bundled the same way)', t.trivial));
console.log(line('main.ts through tsx (unbundled)', t.tsx));
console.log(
  `ratio to the one-object app: ${(median(t.synth) / median(t.trivial)).toFixed(1)}x; bundling saves ${(median(t.tsx) - median(t.synth)).toFixed(2)} s`,
);
console.log('target: make synth median < 1.0 s');
fs.rmSync(work, { recursive: true, force: true });
