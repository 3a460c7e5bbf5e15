/**
 * Blocks in a local bucket as a sidecar would have uploaded them: promtool builds the TSDB
 * blocks from OpenMetrics, then each gets the `thanos` section of its meta.json (external
 * labels: what store selection and the compactor group by) and an upload time an hour ago (its
 * ULID), since Thanos leaves blocks younger than its consistency delay alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from './bin.js';

export interface Meta {
  ulid: string;
  minTime: number;
  maxTime: number;
  thanos?: { labels?: Record<string, string>; downsample?: { resolution: number } };
}

/** The blocks of a bucket directory, by their meta.json. */
export function metas(bucket: string): Meta[] {
  if (!fs.existsSync(bucket)) return [];
  return fs
    .readdirSync(bucket)
    .filter((d) => fs.existsSync(path.join(bucket, d, 'meta.json')))
    .map((d) => JSON.parse(fs.readFileSync(path.join(bucket, d, 'meta.json'), 'utf8')));
}

/** A ULID for a block made at `ms` (48-bit time, Crockford base32, then 80 random bits). */
export function ulidAt(ms: number): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = '';
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
  return time + Array.from(crypto.randomBytes(16), (b) => alphabet[b % 32]).join('');
}

/**
 * Write `samples` (OpenMetrics lines, without `# EOF`) as blocks into `bucket`, external labels
 * `labels`; returns their metas.
 */
export function seedBlocks(bucket: string, samples: readonly string[], labels: Record<string, string>, maxBlockDuration = '72h'): Meta[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-blocks-'));
  try {
    fs.writeFileSync(path.join(work, 'data.om'), [...samples, '# EOF'].join('\n') + '\n');
    const out = path.join(work, 'blocks');
    const r = runTool('promtool', [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      `--max-block-duration=${maxBlockDuration}`,
      path.join(work, 'data.om'),
      out,
    ]);
    if (r.code !== 0) throw new Error(`promtool create-blocks-from failed: ${r.out}`);
    fs.mkdirSync(bucket, { recursive: true });
    return metas(out).map((m) => {
      const ulid = ulidAt(Date.now() - 3600_000);
      const meta = { ...m, ulid, thanos: { labels, downsample: { resolution: 0 }, source: 'sidecar' } };
      fs.renameSync(path.join(out, m.ulid), path.join(bucket, ulid));
      fs.writeFileSync(path.join(bucket, ulid, 'meta.json'), JSON.stringify(meta));
      return meta;
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
