/**
 * dist/ is what Argo CD deploys, so it must be exactly what the sources render: byte-identical,
 * every time. This fails when someone edits dist by hand or forgets `make synth`. The committed
 * dist is also the snapshot of the rendered manifests (a jest snapshot would only repeat it):
 * a failure shows the file and its differing content.
 */
import fs from 'node:fs';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { repoRoot } from '../../lib/paths.js';
import { hashTree } from '../helpers/tree.js';

const distDir = path.join(repoRoot, 'dist');

const fresh = await synthesize(resolveAll(envFiles));

describe('dist drift', () => {
  it('is deterministic: two synths give byte-identical output', async () => {
    expect([...(await synthesize(resolveAll(envFiles)))]).toEqual([...fresh]);
  });

  it('committed dist/ equals a fresh synth, file for file (run `make synth` and commit if this fails)', () => {
    const committed = hashTree(distDir);
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [rel, content] of fresh) {
      expect({ file: rel, content: fs.readFileSync(path.join(distDir, rel), 'utf8') }).toEqual({ file: rel, content });
    }
  });
});
