/**
 * Every synthesized object is checked against its schema model before anything is written:
 * the `kubernetes-models` / `@kubernetes-models/*` validator, plus a strict unknown-field check
 * those validators lack (they accept any extra property, so a typo like `replicaz` would
 * otherwise reach the cluster and be silently dropped). An object of a kind with no model fails.
 */
import type { ApiSourceName } from '../envs/versions.js';
import { crdSourceOf, validateCustomResource } from './crd-schema.js';

type ModelCtor = (new (data: unknown) => { validate(): void }) & { apiVersion: string; kind: string };

/** Model packages for API groups outside kubernetes-models itself. */
const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};

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
  const pkg = CRD_PACKAGES[group!];
  return pkg ? `${pkg}/${group}/${version}/${kind}` : undefined;
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

/**
 * Fields whose schema is free-form by design (x-kubernetes-preserve-unknown-fields): the
 * strict check does not descend into them. Keyed by `apiVersion/kind`; values are JSON pointers
 * with `*` for any array index or map key.
 */
const FREE_FORM: Record<string, readonly string[]> = {
  // Helm values are whatever the chart accepts.
  'argoproj.io/v1alpha1/Application': ['/spec/source/helm/valuesObject', '/spec/sources/*/helm/valuesObject'],
};

/**
 * Real fields the generated schemas lost (a property literally named `description` is taken for
 * the JSON-schema keyword by the generator), so the probe cannot see them. Per kind, pointers.
 */
const MODEL_OMITS: Record<string, readonly string[]> = {
  'argoproj.io/v1alpha1/AppProject': ['/spec/description'],
};

/**
 * Known defects of the generated models, each tolerated narrowly. The operator's embedded
 * PVC template (`EmbeddedPersistentVolumeClaim`, Go TypeMeta inline) is modelled as if it were
 * a top-level resource with a required, fixed apiVersion/kind; the real CRD makes both
 * optional free strings and the operator ignores them, so we render neither.
 */
function isModelDefect(e: AjvError): boolean {
  return (
    e.keyword === 'required' &&
    /\/volumeClaimTemplate$/.test(e.instancePath) &&
    (e.params?.missingProperty === 'apiVersion' || e.params?.missingProperty === 'kind')
  );
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
  const omitted = MODEL_OMITS[key] ?? [];
  return unknownFields(Model, obj, FREE_FORM[key] ?? [])
    .filter((p) => !omitted.includes(p))
    .map((p) => ({
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
    return errors.filter((e) => !isModelDefect(e));
  }
}

const PROBE = Symbol('probe');

/**
 * Find properties the schema does not know. Level by level, every property value at that depth
 * is replaced by a Symbol, which no JSON type accepts: a property the schema knows yields a
 * type error at its own path; an unknown one yields none. One validator run per depth.
 */
function unknownFields(Model: ModelCtor, obj: Record<string, unknown>, freeForm: readonly string[]): string[] {
  const unknown: string[] = [];
  let frontier = childPaths(obj, '').filter((p) => p !== '/apiVersion' && p !== '/kind');
  while (frontier.length > 0) {
    const probed = structuredClone(obj);
    for (const p of frontier) setAt(probed, p, PROBE);
    const errorPaths = new Set(runValidator(Model, probed).map((e) => e.instancePath));
    const next: string[] = [];
    for (const p of frontier) {
      if (!errorPaths.has(p)) unknown.push(p);
      else if (!freeForm.some((f) => matchesPointer(f, p))) next.push(...childPaths(getAt(obj, p), p));
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

function matchesPointer(pattern: string, pointer: string): boolean {
  const a = pattern.split('/');
  const b = pointer.split('/');
  return a.length <= b.length && a.every((t, i) => t === '*' || t === b[i]);
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
