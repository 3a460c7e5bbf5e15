import fs from 'node:fs';
import path from 'node:path';
import { assertOwnedOutDir, GENERATED, OutDirError, writeTreeAtomically } from '../../lib/writer.js';
import { hashTree, tempDir } from '../helpers/tree.js';

/** A file as synth writes it. */
const g = (body: string) => `${GENERATED} (test)\n${body}`;

describe('writeTreeAtomically', () => {
  it('replaces the whole tree: stale files from the previous synth disappear', () => {
    const out = path.join(tempDir('writer'), 'dist');
    writeTreeAtomically(
      out,
      new Map([
        ['a/x.yaml', g('1')],
        ['b/y.yaml', g('2')],
      ]),
    );
    writeTreeAtomically(out, new Map([['a/x.yaml', g('3')]]));
    expect([...hashTree(out).keys()]).toEqual(['a/x.yaml']);
    expect(fs.readFileSync(path.join(out, 'a/x.yaml'), 'utf8')).toBe(g('3'));
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  it('keeps the previous tree when writing the new one fails', () => {
    const out = path.join(tempDir('writer'), 'dist');
    writeTreeAtomically(out, new Map([['a/x.yaml', g('1')]]));
    const before = hashTree(out);
    // A path that is both a file and a directory cannot be written.
    expect(() =>
      writeTreeAtomically(
        out,
        new Map([
          ['a', g('file')],
          ['a/x.yaml', g('2')],
        ]),
      ),
    ).toThrow();
    expect(hashTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });
});

/** Every entry under `dir` with its type, and the content of regular files (symlinks not followed). */
const snapshot = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const p = path.join(e.parentPath, e.name);
      return `${path.relative(dir, p)} ${e.isSymbolicLink() ? 'link' : e.isFile() ? fs.readFileSync(p, 'utf8') : 'dir'}`;
    })
    .sort();

describe('synth replaces only a directory it owns', () => {
  const base = () => tempDir('owned');
  const refused = (out: string) => {
    try {
      assertOwnedOutDir(out);
    } catch (err) {
      expect(err).toBeInstanceOf(OutDirError);
      expect((err as Error).message.split('\n')).toHaveLength(1);
      return (err as Error).message;
    }
    return undefined;
  };

  it('accepts a new directory, an empty one, and its own output', () => {
    const dir = base();
    expect(refused(path.join(dir, 'new'))).toBeUndefined();
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(refused(path.join(dir, 'empty'))).toBeUndefined();
    writeTreeAtomically(path.join(dir, 'dist'), new Map([['dev/c/x/manifests.yaml', g('a')]]));
    expect(refused(path.join(dir, 'dist'))).toBeUndefined();
  });

  it.each([
    [
      'a file (--out README.md)',
      (d: string) => (fs.writeFileSync(path.join(d, 'README.md'), '# readme\n'), 'README.md'),
      /is not a directory/,
    ],
    [
      'a directory with anything else in it (--out .)',
      (d: string) => (fs.writeFileSync(path.join(d, 'notes.txt'), 'mine'), '.'),
      /notes\.txt was not written by synth/,
    ],
    [
      'a checkout',
      (d: string) => (
        fs.mkdirSync(path.join(d, 'repo/.git'), { recursive: true }),
        fs.writeFileSync(path.join(d, 'repo/.git/HEAD'), 'ref: x'),
        'repo'
      ),
      /\.git\/HEAD was not written by synth/,
    ],
    [
      'a symbolic link',
      (d: string) => (fs.mkdirSync(path.join(d, 'real')), fs.symlinkSync(path.join(d, 'real'), path.join(d, 'link')), 'link'),
      /is a symbolic link/,
    ],
    ['a path under a missing parent', () => 'no/such/parent', /its parent .* is not a directory/],
    ['a special file', () => '/dev/null', /is not a directory/],
  ])('refuses %s in one line, and changes nothing', (_what, make, message) => {
    const dir = base();
    const out = make(dir);
    const target = path.isAbsolute(out) ? out : path.join(dir, out);
    const before = snapshot(dir);
    expect(refused(target)).toMatch(message);
    expect(() => writeTreeAtomically(target, new Map([['x/manifests.yaml', g('x')]]))).toThrow(OutDirError);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses the directory it runs in', () => {
    expect(refused(process.cwd())).toMatch(/contains the current directory|was not written by synth/);
  });
});
