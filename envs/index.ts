/**
 * Resolve env files into validated EnvConfigs: defaults + overrides (deep merge, arrays
 * replace), then the zod schema. Errors name the environment, the field and the rule.
 */
import { z } from 'zod';
import { defaults } from './defaults.js';
import { dev } from './dev.js';
import { prod } from './prod.js';
import { envSchema, features, type EnvConfig, type EnvOverrides, type Features } from './schema.js';
import { staging } from './staging.js';
import { defaultOutputsDir, loadTerraformOutputs, TerraformOutputsError } from './terraform.js';
import { releaseOf, type Pins } from './versions.js';

/** Every environment, in promotion order. */
export const envFiles: readonly EnvOverrides[] = [dev, staging, prod];

export class EnvConfigError extends Error {
  constructor(
    readonly env: string,
    readonly problems: readonly { field: string; message: string }[],
    message?: string,
  ) {
    super(message ?? problems.map((p) => `env "${env}": ${p.field}: ${p.message}`).join('\n'));
    this.name = 'EnvConfigError';
  }
}

export interface ResolveOptions {
  /** Where `<env>.json` Terraform outputs live; envs/terraform-outputs by default. */
  readonly terraformOutputsDir?: string;
  /** Promoted pins per environment; those in envs/versions.ts by default (promote passes new ones). */
  readonly pins?: Readonly<Record<string, Pins>>;
}

export function resolveEnv(overrides: EnvOverrides, opts: ResolveOptions = {}): EnvConfig {
  const envName = typeof overrides.name === 'string' ? overrides.name : '(unnamed)';
  let aws;
  try {
    aws = loadTerraformOutputs(envName, opts.terraformOutputsDir ?? defaultOutputsDir);
  } catch (err) {
    if (err instanceof TerraformOutputsError) throw new EnvConfigError(envName, [], err.message);
    throw err;
  }
  if ('release' in overrides || 'aws' in overrides) {
    const field = 'release' in overrides ? 'release' : 'aws';
    const from = field === 'release' ? 'envs/versions.ts (moved between environments by `npm run promote`)' : 'the Terraform outputs file';
    throw new EnvConfigError(envName, [{ field, message: `cannot be set in an env file: it comes from ${from}` }]);
  }
  const merged = { ...deepMerge(defaults, overrides), aws, release: releaseOf(envName, opts.pins) };
  const result = envSchema.safeParse(merged);
  if (result.success) return result.data;
  throw new EnvConfigError(
    envName,
    result.error.issues.map((i) => ({ field: fieldOf(i), message: messageOf(i) })),
  );
}

export function resolveAll(files: readonly EnvOverrides[] = envFiles, opts: ResolveOptions = {}): EnvConfig[] {
  const names = files.map((f) => f.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new EnvConfigError(dup, [{ field: 'name', message: 'two environment files use this name' }]);
  return files.map((f) => resolveEnv(f, opts));
}

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(', ')] : issue.path;
  return path.length === 0
    ? '(root)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
        .join('.')
        .replace(/\.\[/g, '[');
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} (not in the schema)`;
  return issue.message;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Overrides win; nested objects merge; arrays and scalars replace. Inputs are not mutated. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlain(base) || !isPlain(override)) return (override === undefined ? base : override) as T;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

/** Every combination of the schema's feature flags (the test matrix: each must render and run). */
export function featureCombinations(): Features[] {
  return Object.keys(features.shape).reduce<Features[]>(
    (combos, flag) => combos.flatMap((c) => [true, false].map((on) => ({ ...c, [flag]: on }))),
    [{} as Features],
  );
}
