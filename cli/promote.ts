/**
 * npm run promote -- <from> <to> [--summary FILE] [--dry-run]
 *
 * Copies the pins <from> runs (image tags) into <to>'s entry in
 * envs/versions.ts, re-synthesizes dist/ and prints a Markdown summary for the pull request
 * body. Exits 0 when there is nothing to promote (no file is touched), 1 on a refused or
 * failed promotion (nothing is written), 2 on bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { synthesize } from '../charts/index.js';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EnvConfigError, envFiles as defaultEnvFiles } from '../envs/index.js';
import type { EnvOverrides } from '../envs/schema.js';
import { repoRoot } from '../lib/paths.js';
import { defaultPaths, promote, PromoteError } from '../envs/promote.js';
import { SynthError } from '../lib/synth.js';

const USAGE = 'usage: promote <from> <to> [--summary FILE] [--dry-run]';

export async function main(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        summary: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        'dry-run': { type: 'boolean', default: false },
        // For tests: a different checkout layout.
        'versions-file': { type: 'string' },
        out: { type: 'string' },
        envs: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  const [from, to] = positionals as [string, string];
  // Every input is checked before anything is rendered or written.
  if (values.summary) {
    const problem = unwritable(values.summary);
    if (problem) {
      console.error(`promote ${from} -> ${to}: --summary ${values.summary}: ${problem}; nothing was written`);
      return 1;
    }
  }
  const defaults = defaultPaths(repoRoot);
  const mod: { envFiles: readonly EnvOverrides[]; terraformOutputsDir?: string } = values.envs
    ? await import(pathToFileURL(path.resolve(values.envs)).href)
    : { envFiles: defaultEnvFiles };
  try {
    const result = await promote({
      synthesize,
      from,
      to,
      envFiles: mod.envFiles,
      terraformOutputsDir: mod.terraformOutputsDir,
      versionsFile: values['versions-file'] ?? defaults.versionsFile,
      outDir: values.out ?? defaults.outDir,
      dryRun: values['dry-run'],
    });
    out(result.markdown);
    if (values.summary) {
      const tmp = `${values.summary}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, result.markdown);
      fs.renameSync(tmp, values.summary);
    }
    return 0;
  } catch (err) {
    if (err instanceof PromoteError || err instanceof EnvConfigError || err instanceof SynthError) {
      console.error(`promote ${from} -> ${to} failed; nothing was written:\n${err.message}`);
      return 1;
    }
    throw err;
  }
}

/** Why `file` cannot be written (as a new or replaced regular file), or undefined when it can. */
function unwritable(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) return `${dir} is not a directory`;
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    return `cannot write into ${dir} (${(err as NodeJS.ErrnoException).code})`;
  }
  if (fs.existsSync(file) && !fs.lstatSync(file).isFile()) return 'exists and is not a regular file';
  return undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
