/**
 * Synth-time validation of custom resources against the CRDs vendored under imports/crds/ (the
 * same files Argo CD applies and the control-plane tier installs), so synth, the cluster and the
 * tests agree on one version of each API.
 *
 * A CRD's openAPIV3Schema is a structural schema (a small, fixed subset of OpenAPI v3), so it is
 * interpreted directly (check() below) rather than compiled: compiling the operator's schemas
 * with a JSON-schema compiler took about 6 s per synth here, interpreting them takes milliseconds
 * once the one YAML file per kind is parsed. The check is as strict as the API server's
 * `fieldValidation=Strict`; CEL rules and Go-syntax patterns are left to the real API server in
 * the control-plane tier, which is the proof.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { apiSources, type ApiSourceName } from '../envs/versions.js';
import { crdDir, repoRoot } from './paths.js';

/** API group -> the vendored source that defines it. */
const GROUP_SOURCES: Record<string, ApiSourceName> = {
  'monitoring.coreos.com': 'prometheus-operator',
  'argoproj.io': 'argo-cd',
  'cert-manager.io': 'cert-manager',
  'external-secrets.io': 'external-secrets',
};

export function crdSourceOf(apiVersion: string): ApiSourceName | undefined {
  return GROUP_SOURCES[apiVersion.split('/')[0]!];
}

export interface SchemaProblem {
  readonly pointer: string;
  readonly message: string;
}

/** The subset of OpenAPI v3 a structural CRD schema may use (what the API server validates with). */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  anyOf?: Schema[];
  allOf?: Schema[];
  oneOf?: Schema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** `dir#apiVersion/kind` -> schema, parsed on first use (only the files that define the kind). */
const schemas = new Map<string, Schema | undefined>();
const patterns = new Map<string, RegExp | undefined>();

/** What validation needs of a CRD file: its group, kind and the schema of each version. */
interface CrdSummary {
  readonly group: string;
  readonly kind: string;
  readonly versions: Readonly<Record<string, Schema | undefined>>;
}

/** Parsed summaries, keyed by the CRD file's content: JSON reads in milliseconds what YAML parses in most of a second. */
const CACHE_DIR = path.join(repoRoot, '.cache', 'crd-schemas');

const summaries = new Map<string, CrdSummary>();
function crdSummary(text: string): CrdSummary {
  if (!summaries.has(text)) summaries.set(text, readOrParse(text));
  return summaries.get(text)!;
}

function readOrParse(text: string): CrdSummary {
  const cached = path.join(CACHE_DIR, `${crypto.createHash('sha256').update(text).digest('hex')}.json`);
  try {
    return JSON.parse(fs.readFileSync(cached, 'utf8')) as CrdSummary;
  } catch {
    // not cached yet (or unreadable): parse the YAML
  }
  const crd = parse(text) as {
    spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: Schema } }[] };
  };
  const summary: CrdSummary = {
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    versions: Object.fromEntries(crd.spec.versions.map((v) => [v.name, v.schema?.openAPIV3Schema])),
  };
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(summary));
    fs.renameSync(tmp, cached); // whole or not at all, even with concurrent synths
  } catch {
    // a read-only checkout: validate without the cache
  }
  return summary;
}

/** The CRD files of a directory, read once per process, each with the kinds it names. */
const texts = new Map<string, readonly { text: string; kinds: ReadonlySet<string> }[]>();
function crdTexts(dir: string): readonly { text: string; kinds: ReadonlySet<string> }[] {
  if (!texts.has(dir))
    texts.set(
      dir,
      fs
        .readdirSync(dir)
        .sort()
        .map((f) => {
          const text = fs.readFileSync(path.join(dir, f), 'utf8');
          return { text, kinds: new Set([...text.matchAll(/\n\s+kind: (\w+)\n/g)].map((m) => m[1]!)) };
        }),
    );
  return texts.get(dir)!;
}

function schemaOf(dir: string, apiVersion: string, kind: string): Schema | undefined {
  const key = `${dir}#${apiVersion}/${kind}`;
  if (!schemas.has(key)) {
    if (!fs.existsSync(dir)) throw new Error(`${path.relative(repoRoot, dir)} is missing: run \`make import\``);
    const [group, version] = apiVersion.split('/');
    let found: Schema | undefined;
    for (const { text, kinds } of crdTexts(dir)) {
      // Only the file that names this kind (the operator's CRDs are 5 MB of YAML).
      if (!kinds.has(kind)) continue;
      const crd = crdSummary(text);
      if (crd.group !== group || crd.kind !== kind) continue;
      found = crd.versions[version!];
    }
    schemas.set(key, found);
  }
  return schemas.get(key);
}

function regexOf(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    try {
      patterns.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      // Go (RE2) syntax JavaScript cannot compile, e.g. `(?i)`: left to the API server.
      patterns.set(pattern, undefined);
    }
  }
  return patterns.get(pattern);
}

const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

function typeOk(type: Schema['type'], v: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/**
 * Validate `v` against a structural schema as the API server's strict field validation does:
 * a property an object schema does not declare is an unknown field, unless the schema keeps
 * unknown fields or declares additionalProperties. CEL rules (x-kubernetes-validations) are
 * left to the real API server (the control-plane tier).
 */
export function check(s: Schema, v: unknown, at: string, out: SchemaProblem[], top = false): void {
  if (v === null && s.nullable) return;
  if (s['x-kubernetes-int-or-string']) {
    if (!Number.isInteger(v) && typeof v !== 'string') out.push({ pointer: at, message: 'must be an integer or a string' });
    return;
  }
  if (!typeOk(s.type, v)) {
    out.push({
      pointer: at,
      message: `must be ${s.type === 'integer' || s.type === 'array' || s.type === 'object' ? 'an' : 'a'} ${s.type}`,
    });
    return;
  }
  if (s.enum && !s.enum.some((e) => e === v))
    out.push({ pointer: at, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  if (typeof v === 'string') {
    const re = s.pattern ? regexOf(s.pattern) : undefined;
    if (re && !re.test(v)) out.push({ pointer: at, message: `must match pattern "${s.pattern}"` });
    if (s.minLength !== undefined && v.length < s.minLength)
      out.push({ pointer: at, message: `must be at least ${s.minLength} characters` });
    if (s.maxLength !== undefined && v.length > s.maxLength)
      out.push({ pointer: at, message: `must be at most ${s.maxLength} characters` });
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push({ pointer: at, message: `must be >= ${s.minimum}` });
    if (s.maximum !== undefined && v > s.maximum) out.push({ pointer: at, message: `must be <= ${s.maximum}` });
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push({ pointer: at, message: `must have at least ${s.minItems} items` });
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ pointer: at, message: `must have at most ${s.maxItems} items` });
    if (s.items) v.forEach((x, i) => check(s.items!, x, `${at}/${i}`, out));
  }
  if (typeOk('object', v) && (s.type === 'object' || s.properties)) {
    const obj = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) out.push({ pointer: at, message: `missing required field "${r}"` });
    for (const [k, x] of Object.entries(obj)) {
      const ps = s.properties?.[k];
      if (top && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue; // checked by the API server's ObjectMeta rules
      if (ps) check(ps, x, `${at}/${esc(k)}`, out);
      else if (typeof s.additionalProperties === 'object') check(s.additionalProperties, x, `${at}/${esc(k)}`, out);
      else if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true && s.properties) {
        out.push({ pointer: `${at}/${esc(k)}`, message: 'unknown field: the schema has no such property (typo, or wrong nesting)' });
      }
    }
  }
  for (const sub of s.allOf ?? []) check(sub, v, at, out);
  for (const group of [s.anyOf, s.oneOf]) {
    if (!group) continue;
    const fits = group.filter((sub) => {
      const probe: SchemaProblem[] = [];
      check({ ...sub, type: sub.type ?? s.type }, v, at, probe);
      return probe.length === 0;
    }).length;
    if (s.anyOf === group ? fits === 0 : fits !== 1)
      out.push({ pointer: at, message: `must match ${s.anyOf === group ? 'at least one' : 'exactly one'} of the allowed forms` });
  }
}

/**
 * Problems of one custom resource against its vendored CRD (`version` picks the vendored
 * directory; the source's pin when absent). undefined when no vendored CRD serves the kind.
 */
export function validateCustomResource(obj: { apiVersion: string; kind: string }, version?: string): SchemaProblem[] | undefined {
  const source = crdSourceOf(obj.apiVersion);
  if (!source) return undefined;
  const dir = path.join(repoRoot, crdDir(source, version ?? apiSources[source].module.version));
  const schema = schemaOf(dir, obj.apiVersion, obj.kind);
  if (!schema) return [{ pointer: '', message: `no CRD in ${path.relative(repoRoot, dir)} serves ${obj.apiVersion} ${obj.kind}` }];
  const out: SchemaProblem[] = [];
  check(schema, obj, '', out, true);
  return out;
}
