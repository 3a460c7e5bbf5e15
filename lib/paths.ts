/** The repository root, wherever the code runs from (tsx, jest, a fresh clone). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the Kubernetes OpenAPI documents of a version are vendored (`make import`), relative to the repository. */
export function openapiDir(version: string): string {
  return `imports/openapi/kubernetes/${version}`;
}

/** The OpenAPI v3 document of a group-version in the Kubernetes repository (`apps/v1` -> apis__apps__v1_openapi.json). */
export function openapiFile(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis__${groupVersion.replace('/', '__')}_openapi.json` : `api__${groupVersion}_openapi.json`;
}

/** Where `make import` vendors the CRDs of one API source at one version, relative to the repository. */
export function crdDir(source: string, version: string): string {
  return `imports/crds/${source}/${version}`;
}
