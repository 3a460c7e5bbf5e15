/**
 * `make synth` in under a second: main.ts and everything it imports (our TypeScript and the
 * packages) bundled once by esbuild into .cache/synth.mjs, rebuilt only when one of its inputs
 * or this file changed, then run in this process. Loading ~300 modules through tsx's loader
 * took most of the old 2.3 s; one pre-compiled file loads in about a tenth of that. Same
 * arguments as main.ts; same output, byte for byte (test/synth/cli.test.ts compares it with `cdk8s synth`,
 * which runs main.ts through tsx).
 *
 *   node tools/synth.mjs [--out DIR] [--envs MODULE]
 */
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// In .cache/ (one level below the root): lib/paths.ts finds the repository from the bundle's own URL.
export const BUNDLE = path.join(root, '.cache', 'synth.mjs');
const META = path.join(root, '.cache', 'synth.meta.json');

/** The bundle is current when it is newer than this script and every input esbuild recorded. */
function current() {
  let built;
  try {
    built = fs.statSync(BUNDLE).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(META, 'utf8'));
    return [fileURLToPath(import.meta.url), ...inputs.map((f) => path.join(root, f))].every((f) => fs.statSync(f).mtimeMs < built);
  } catch {
    return false; // missing bundle, metadata or input: build
  }
}

export async function ensureBundle() {
  if (current()) return BUNDLE;
  // Built aside and renamed into place: a synth running meanwhile reads the old bundle or the new, whole.
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  const metafile = await bundle('main.ts', tmp);
  fs.writeFileSync(`${META}.${process.pid}.tmp`, JSON.stringify(Object.keys(metafile.inputs)));
  fs.renameSync(tmp, BUNDLE);
  fs.renameSync(`${META}.${process.pid}.tmp`, META);
  return BUNDLE;
}

/** Bundle one entry point (relative to the repository) as synth's bundle is built; returns esbuild's metafile. */
export async function bundle(entry, outfile) {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    metafile: true,
    logLevel: 'warning',
    // CommonJS packages inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __glCreateRequire } from 'node:module'; const require = __glCreateRequire(import.meta.url);" },
  });
  return result.metafile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundle = await ensureBundle();
  // V8's code cache for the bundle: compiling 5 MB of JavaScript is a tenth of the run.
  module.enableCompileCache?.(path.join(root, '.cache', 'v8'));
  // `--envs MODULE` names a TypeScript file: load it through tsx, as main.ts would be.
  if (process.argv.some((a) => a === '--envs' || a.startsWith('--envs='))) (await import('tsx/esm/api')).register();
  await import(pathToFileURL(bundle).href);
}
