/**
 * Every synthesized object is checked against its schema before anything is written. Custom
 * resources: the vendored CRD of the version the environment deploys (lib/crd-schema.ts, the
 * same files `cdk8s import` typed the charts from). Kubernetes kinds: the `kubernetes-models`
 * validator (its schemas are of Kubernetes 1.34; the control-plane tier applies dist to the
 * 1.36 API server we target), plus a strict unknown-field check that validator lacks (it accepts
 * any extra property, so a typo like `replicaz` would otherwise reach the cluster and be
 * silently dropped). An object of a kind with no schema fails.
 */
import type { ApiSourceName } from '../envs/versions.js';
import { crdSourceOf, validateCustomResource } from './crd-schema.js';

type ModelCtor = (new (data: unknown) => { validate(): void }) & { apiVersion: string; kind: string };

/**
 * The module that holds a kind's model, e.g. `kubernetes-models/apps/v1/StatefulSet`. Models
 * are loaded per kind on demand: importing whole group indexes costs seconds per synth.
 */
function modelModule(apiVersion: string, kind: string): string | undefined {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (!/^[a-z0-9.-]*$/.test(group!) || !/^v[0-9a-z]+$/.test(version!)) return undefined;
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (!group!.includes('.') || group!.endsWith('.k8s.io')) return `kubernetes-models/${group}/${version}/${kind}`;
  return undefined;
}

const registry = new Map<string, ModelCtor | undefined>();

async function loadModel(apiVersion: string, kind: string): Promise<ModelCtor | undefined> {
  const key = `${apiVersion}/${kind}`;
  if (!registry.has(key)) {
    const specifier = modelModule(apiVersion, kind);
    let ctor: ModelCtor | undefined;
    if (specifier) {
      try {
        const mod = (await import(specifier)) as Record<string, unknown>;
        const candidate = mod[kind] as Partial<ModelCtor> | undefined;
        if (candidate && candidate.apiVersion === apiVersion && candidate.kind === kind) ctor = candidate as ModelCtor;
      } catch {
        ctor = undefined; // no such model module
      }
    }
    registry.set(key, ctor);
  }
  return registry.get(key);
}

export interface ObjectProblem {
  /** Dotted field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly field: string;
  readonly message: string;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Load the models of these objects' kinds ahead of validation, concurrently. */
export async function preloadModels(objs: readonly { apiVersion: string; kind: string }[]): Promise<void> {
  const kinds = new Map(objs.filter((o) => !crdSourceOf(o.apiVersion)).map((o) => [`${o.apiVersion}/${o.kind}`, o]));
  await Promise.all([...kinds.values()].map((o) => loadModel(o.apiVersion, o.kind)));
}

/** Schema problems and unknown fields of one manifest; empty when it is valid. */
export async function validateObject(
  obj: Record<string, unknown>,
  opts: { crdVersions?: Partial<Record<ApiSourceName, string>> } = {},
): Promise<ObjectProblem[]> {
  const key = `${obj.apiVersion}/${obj.kind}`;
  // Custom resources: against the vendored CRD of the version the environment deploys.
  const source = crdSourceOf(String(obj.apiVersion));
  if (source) {
    const problems = validateCustomResource(obj as { apiVersion: string; kind: string }, opts.crdVersions?.[source]) ?? [];
    return dedupe(problems.map((p) => ({ field: fieldOf(p.pointer), message: p.message })));
  }
  const Model = await loadModel(String(obj.apiVersion), String(obj.kind));
  if (!Model) {
    return [{ field: '(kind)', message: `no schema model for ${key}: add its model to lib/validate.ts or do not render it` }];
  }
  const schemaErrors = runValidator(Model, obj).map((e) => ({ field: fieldOf(e.instancePath), message: describe(e) }));
  if (schemaErrors.length > 0) return dedupe(schemaErrors);
  return unknownFields(Model, obj).map((p) => ({
    field: fieldOf(p),
    message: 'unknown field: the schema has no such property (typo, or wrong nesting)',
  }));
}

function runValidator(Model: ModelCtor, data: unknown): AjvError[] {
  try {
    new Model(data).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!errors) throw err;
    return errors;
  }
}

const PROBE = Symbol('probe');

/**
 * Find properties the schema does not know. Level by level, every property value at that depth
 * is replaced by a Symbol, which no JSON type accepts: a property the schema knows yields a
 * type error at its own path; an unknown one yields none. One validator run per depth.
 */
function unknownFields(Model: ModelCtor, obj: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  let frontier = childPaths(obj, '').filter((p) => p !== '/apiVersion' && p !== '/kind');
  while (frontier.length > 0) {
    const probed = structuredClone(obj);
    for (const p of frontier) setAt(probed, p, PROBE);
    const errorPaths = new Set(runValidator(Model, probed).map((e) => e.instancePath));
    const next: string[] = [];
    for (const p of frontier) {
      if (!errorPaths.has(p)) unknown.push(p);
      else next.push(...childPaths(getAt(obj, p), p));
    }
    frontier = next;
  }
  return unknown;
}

/** Pointers to the properties below `value`, looking through arrays (an index is not a property). */
function childPaths(value: unknown, base: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => childPaths(v, `${base}/${i}`));
  if (value && typeof value === 'object') return Object.keys(value).map((k) => `${base}/${escapePointer(k)}`);
  return [];
}

function tokens(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}
const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

const walk = (root: unknown, ts: readonly string[]): unknown => ts.reduce<unknown>((v, t) => (v as Record<string, unknown>)[t], root);

function getAt(root: unknown, pointer: string): unknown {
  return walk(root, tokens(pointer));
}

function setAt(root: unknown, pointer: string, value: unknown): void {
  const ts = tokens(pointer);
  (walk(root, ts.slice(0, -1)) as Record<string, unknown>)[ts[ts.length - 1]!] = value;
}

function fieldOf(pointer: string): string {
  if (pointer === '') return '(root)';
  return tokens(pointer)
    .map((t) => (/^[0-9]+$/.test(t) ? `[${t}]` : `.${t}`))
    .join('')
    .replace(/^\./, '');
}

function describe(e: AjvError): string {
  if (e.keyword === 'required') return `missing required field "${String(e.params?.missingProperty)}"`;
  return e.message ?? e.keyword;
}

function dedupe(problems: ObjectProblem[]): ObjectProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.field}\u0000${p.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
