/**
 * Every synthesized object is checked against its schema model before anything is written:
 * the `kubernetes-models` / `@kubernetes-models/*` validator, plus a strict unknown-field check
 * those validators lack (they accept any extra property, so a typo like `replicaz` would
 * otherwise reach the cluster and be silently dropped). An object of a kind with no model fails.
 */
import * as admissionV1 from 'kubernetes-models/admissionregistration.k8s.io/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as monitoringV1alpha1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import * as argoV1alpha1 from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';

type ModelCtor = (new (data: unknown) => { validate(): void }) & { apiVersion: string; kind: string };

const modules: readonly Record<string, unknown>[] = [
  coreV1, appsV1, batchV1, policyV1, rbacV1, networkingV1, admissionV1, monitoringV1, monitoringV1alpha1, argoV1alpha1,
];

const registry = new Map<string, ModelCtor>();
for (const mod of modules) {
  for (const value of Object.values(mod)) {
    if (typeof value !== 'function') continue;
    const ctor = value as unknown as Partial<ModelCtor>;
    if (typeof ctor.apiVersion === 'string' && typeof ctor.kind === 'string') {
      registry.set(`${ctor.apiVersion}/${ctor.kind}`, ctor as ModelCtor);
    }
  }
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
const FREE_FORM: Record<string, readonly string[]> = {};

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

export function hasModel(apiVersion: string, kind: string): boolean {
  return registry.has(`${apiVersion}/${kind}`);
}

/** Schema problems and unknown fields of one manifest; empty when it is valid. */
export function validateObject(obj: Record<string, unknown>): ObjectProblem[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = registry.get(key);
  if (!Model) {
    return [{ field: '(kind)', message: `no schema model for ${key}: add its model to lib/validate.ts or do not render it` }];
  }
  const schemaErrors = runValidator(Model, obj).map((e) => ({ field: fieldOf(e.instancePath), message: describe(e) }));
  if (schemaErrors.length > 0) return dedupe(schemaErrors);
  return unknownFields(Model, obj, FREE_FORM[key] ?? []).map((p) => ({
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
  return pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}
const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

const walk = (root: unknown, ts: readonly string[]): unknown =>
  ts.reduce<unknown>((v, t) => (v as Record<string, unknown>)[t], root);

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
  return tokens(pointer).map((t) => (/^[0-9]+$/.test(t) ? `[${t}]` : `.${t}`)).join('').replace(/^\./, '');
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
