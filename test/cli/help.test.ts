/** Every CLI answers --help with its usage and exit 0, run as `npm run <cli> -- --help` runs it. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';

describe.each(['silence', 'verify', 'promote'])('%s --help', (cli) => {
  it('prints the usage and exits 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', `${cli}.ts`), '--help'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 60_000,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/usage:/);
  });
});
