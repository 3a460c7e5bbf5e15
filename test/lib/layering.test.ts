/** lib/ is the foundation charts build on: it never imports charts/ (charts/index.ts binds the registry). */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';

it('no lib/ module imports charts/', () => {
  const libDir = path.join(repoRoot, 'lib');
  const offenders = fs
    .readdirSync(libDir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /from '\.\.\/charts\//.test(fs.readFileSync(path.join(libDir, f), 'utf8')));
  expect(offenders).toEqual([]);
  expect(fs.readdirSync(libDir).length).toBeGreaterThan(10);
});
