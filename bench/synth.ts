/**
 * `make bench`: how long a cold, full synth of every environment takes (a new process each run,
 * as `make synth` does), plus the in-process render time for comparison. Medians of N runs.
 *
 *   tsx bench/synth.ts [runs=7]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envFiles, resolveAll } from '../envs/index.js';
import { synthesize } from '../charts/index.js';
import { repoRoot } from '../lib/paths.js';

const runs = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gl-bench-')), 'dist');
// As `make synth` runs it: node with tsx's loader in-process (the tsx CLI adds a second process).
const cold: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  cold.push(Number(process.hrtime.bigint() - t0) / 1e9);
}

const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  await synthesize(resolveAll(envFiles));
  warm.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
const files = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.yaml')).length;
console.log(
  `cold full synth (new process, ${files} files, ${runs} runs): median ${median(cold).toFixed(2)} s  [min ${Math.min(...cold).toFixed(2)}, max ${Math.max(...cold).toFixed(2)}]`,
);
console.log(`in-process render + validate (${runs} runs after warm-up):   median ${median(warm.slice(1)).toFixed(3)} s`);
console.log(`target: cold <= 3 s on this machine (${os.cpus().length} cores)`);
