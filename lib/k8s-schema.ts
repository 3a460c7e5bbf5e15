/**
 * Synth-time validation of Kubernetes' own kinds against the OpenAPI v3 documents of the version
 * we target (imports/openapi/kubernetes/<version>/, from the module the control-plane tier's API
 * server is built from). A kind's schema is resolved into the structural form lib/crd-schema.ts
 * interprets: `$ref`s inlined, int-or-string marked as such; strict like fieldValidation=Strict.
 */
import fs from 'node:fs';
import path from 'node:path';
import { kubernetesApi } from '../envs/versions.js';
import { check, type Schema, type SchemaProblem } from './crd-schema.js';
import { openapiDir, openapiFile, repoRoot } from './paths.js';

interface OpenApiSchema extends Schema {
  $ref?: string;
  format?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
}

type Components = Record<string, OpenApiSchema>;

const documents = new Map<string, Components | undefined>();
const resolved = new Map<string, Schema | undefined>();

function componentsOf(groupVersion: string): Components | undefined {
  if (!documents.has(groupVersion)) {
    const file = path.join(repoRoot, openapiDir(kubernetesApi.module.version), openapiFile(groupVersion));
    documents.set(
      groupVersion,
      fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { components: { schemas: Components } }).components.schemas
        : undefined,
    );
  }
  return documents.get(groupVersion);
}

/** The structural form of an OpenAPI schema: references inlined (a cycle is left open), descriptions dropped. */
function structural(s: OpenApiSchema, all: Components, seen: readonly string[]): Schema {
  if (s.$ref) {
    const name = s.$ref.replace('#/components/schemas/', '');
    return seen.includes(name) ? { 'x-kubernetes-preserve-unknown-fields': true } : structural(all[name]!, all, [...seen, name]);
  }
  // `allOf: [{$ref}]` is how the documents attach a default or description to a reference.
  if (s.allOf?.length === 1 && !s.properties && !s.type) return structural(s.allOf[0]!, all, seen);
  if (s.format === 'int-or-string') return { 'x-kubernetes-int-or-string': true };
  const out: Schema = {};
  for (const k of ['type', 'required', 'enum', 'nullable', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems'] as const)
    if (s[k] !== undefined) (out as Record<string, unknown>)[k] = s[k];
  if (s['x-kubernetes-preserve-unknown-fields']) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, structural(v, all, seen)]));
  if (s.items) out.items = structural(s.items, all, seen);
  if (typeof s.additionalProperties === 'object') out.additionalProperties = structural(s.additionalProperties, all, seen);
  else if (s.additionalProperties !== undefined) out.additionalProperties = s.additionalProperties;
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const) if (s[k]) out[k] = s[k]!.map((x) => structural(x, all, seen));
  return out;
}

function kindSchema(apiVersion: string, kind: string): Schema | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!resolved.has(key)) {
    const all = componentsOf(apiVersion);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const entry =
      all &&
      Object.entries(all).find(([, s]) =>
        (s['x-kubernetes-group-version-kind'] ?? []).some((g) => g.group === group && g.version === version && g.kind === kind),
      );
    resolved.set(key, entry ? structural(entry[1], all!, [entry[0]]) : undefined);
  }
  return resolved.get(key);
}

/** Problems of one Kubernetes object against the targeted version's schema; undefined when that version does not serve the kind. */
export function validateKubernetesObject(obj: { apiVersion: string; kind: string }): SchemaProblem[] | undefined {
  const schema = kindSchema(obj.apiVersion, obj.kind);
  if (!schema) return undefined;
  const out: SchemaProblem[] = [];
  check(schema, obj, '', out);
  return out;
}
