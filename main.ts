/**
 * `make synth`: resolve every environment, render and validate every chart for every cluster,
 * then replace dist/ atomically. Any error exits non-zero and leaves dist/ as it was.
 *
 *   tsx main.ts [--out DIR] [--envs MODULE]   (MODULE exports `envFiles`, for tests)
 *
 * `cdk8s synth` (cdk8s.yaml) runs this file too; it passes its output folder as CDK8S_OUTDIR.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EnvConfigError, envFiles as defaultEnvFiles } from './envs/index.js';
import type { EnvOverrides } from './envs/schema.js';
import { synthesize } from './charts/index.js';
import { runSynth } from './cli/synth.js';
import { TeamDashboardError } from './charts/dashboards/team.js';
import { SynthError } from './lib/synth.js';
import { OutDirError } from './lib/writer.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'dist' }, envs: { type: 'string' } },
  });
  const mod: { envFiles: readonly EnvOverrides[]; terraformOutputsDir?: string } = values.envs
    ? await import(pathToFileURL(path.resolve(values.envs)).href)
    : { envFiles: defaultEnvFiles };
  if (!Array.isArray(mod.envFiles)) {
    console.error(`synth: ${values.envs} exports no \`envFiles\` array (the environments to render); nothing was written`);
    return 1;
  }
  const files = mod.envFiles;
  try {
    const tree = await runSynth(synthesize, files, values.out!, { terraformOutputsDir: mod.terraformOutputsDir });
    console.log(`synth: wrote ${tree.size} files for ${files.map((f) => f.name).join(', ')} to ${values.out}/`);
    return 0;
  } catch (err) {
    if (err instanceof OutDirError) {
      console.error(`synth: ${err.message}`);
      return 1;
    }
    if (err instanceof EnvConfigError || err instanceof SynthError || err instanceof TeamDashboardError) {
      console.error(`synth failed; ${values.out}/ was left untouched:\n${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main();
