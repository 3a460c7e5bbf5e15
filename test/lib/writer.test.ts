import fs from 'node:fs';
import path from 'node:path';
import { writeTreeAtomically } from '../../lib/writer.js';
import { hashTree, tempDir } from '../helpers/tree.js';

describe('writeTreeAtomically', () => {
  it('replaces the whole tree: stale files from the previous synth disappear', () => {
    const out = path.join(tempDir('writer'), 'dist');
    writeTreeAtomically(
      out,
      new Map([
        ['a/x.yaml', '1'],
        ['b/y.yaml', '2'],
      ]),
    );
    writeTreeAtomically(out, new Map([['a/x.yaml', '3']]));
    expect([...hashTree(out).keys()]).toEqual(['a/x.yaml']);
    expect(fs.readFileSync(path.join(out, 'a/x.yaml'), 'utf8')).toBe('3');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  it('keeps the previous tree when writing the new one fails', () => {
    const out = path.join(tempDir('writer'), 'dist');
    writeTreeAtomically(out, new Map([['a/x.yaml', '1']]));
    const before = hashTree(out);
    // A path that is both a file and a directory cannot be written.
    expect(() =>
      writeTreeAtomically(
        out,
        new Map([
          ['a', 'file'],
          ['a/x.yaml', '2'],
        ]),
      ),
    ).toThrow();
    expect(hashTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });
});
