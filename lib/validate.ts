/**
 * Every synthesized object is checked against the schema of the API version it will meet before
 * anything is written: custom resources against the vendored CRD of the version the environment
 * deploys (lib/crd-schema.ts, the files `cdk8s import` typed the charts from), Kubernetes kinds
 * against the OpenAPI documents of the Kubernetes version we target (lib/k8s-schema.ts). Both
 * checks are strict (an unknown field is an error, as with fieldValidation=Strict), so a typo
 * like `replicaz` never reaches a cluster to be silently dropped. An object of a kind neither
 * serves fails. The control-plane tier's real API server is the proof; this is the fast gate.
 */
import type { ApiSourceName } from '../envs/versions.js';
import { crdSourceOf, validateCustomResource } from './crd-schema.js';
import { validateKubernetesObject } from './k8s-schema.js';

export interface ObjectProblem {
  /** Dotted field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly field: string;
  readonly message: string;
}

/** Schema problems and unknown fields of one manifest; empty when it is valid. */
export async function validateObject(
  obj: Record<string, unknown>,
  opts: { crdVersions?: Partial<Record<ApiSourceName, string>> } = {},
): Promise<ObjectProblem[]> {
  const ref = { apiVersion: String(obj.apiVersion), kind: String(obj.kind) };
  const source = crdSourceOf(ref.apiVersion);
  const problems = source
    ? validateCustomResource(obj as typeof ref, opts.crdVersions?.[source])
    : validateKubernetesObject(obj as typeof ref);
  if (!problems) {
    return [
      {
        field: '(kind)',
        message: `no schema for ${ref.apiVersion}/${ref.kind}: vendor its API (envs/versions.ts, make import) or do not render it`,
      },
    ];
  }
  return dedupe(problems.map((p) => ({ field: fieldOf(p.pointer), message: p.message })));
}

function fieldOf(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t) => (/^[0-9]+$/.test(t) ? `[${t}]` : `.${t}`))
    .join('')
    .replace(/^\./, '');
}

function dedupe(problems: ObjectProblem[]): ObjectProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.field}\u0000${p.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
