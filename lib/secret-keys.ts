/**
 * The secret-store keys dist reads, and which of them the store lacks. External Secrets fails an
 * ExternalSecret as a whole when one remote key or property is missing, so one forgotten
 * `heartbeat-url` stops every receiver of that Alertmanager. Checked before Argo CD syncs, each
 * missing key is one line naming the cluster, the secret, the key and what would fail.
 */
import type { Manifest } from './synth.js';

/** One secret-store value an ExternalSecret in dist reads. */
export interface SecretKeyRef {
  /** The ExternalSecret, `namespace/name`. */
  readonly externalSecret: string;
  /** The Secrets Manager secret name. */
  readonly key: string;
  /** The JSON property within it; undefined when the whole value is read. */
  readonly property?: string;
}

interface ExternalSecretSpec {
  data?: { remoteRef?: { key?: string; property?: string } }[];
  dataFrom?: { extract?: { key?: string; property?: string } }[];
}

/** Every remote key and property the ExternalSecrets among `manifests` read. */
export function secretKeysOf(manifests: readonly Manifest[]): SecretKeyRef[] {
  return manifests
    .filter((m) => m.kind === 'ExternalSecret' && m.apiVersion.startsWith('external-secrets.io/'))
    .flatMap((m) => {
      const spec = (m as Manifest & { spec?: ExternalSecretSpec }).spec ?? {};
      const externalSecret = `${m.metadata.namespace ?? ''}/${m.metadata.name}`;
      const refs = [...(spec.data ?? []).map((d) => d.remoteRef), ...(spec.dataFrom ?? []).map((d) => d.extract)];
      return refs.flatMap((r) => (r?.key ? [{ externalSecret, key: r.key, ...(r.property ? { property: r.property } : {}) }] : []));
    });
}

/** A secret's current value, or undefined when the store has no secret by that name. */
export type ReadSecret = (name: string) => Promise<string | undefined>;

/**
 * One line per missing secret, missing property, or value that is not the JSON object the
 * properties are read from. Each secret is read once, whatever number of refs name it.
 */
export async function missingSecretKeys(where: string, refs: readonly SecretKeyRef[], read: ReadSecret): Promise<string[]> {
  const values = new Map<string, Promise<string | undefined>>();
  const valueOf = (name: string) => values.get(name) ?? values.set(name, read(name)).get(name)!;
  const lines = new Set<string>();
  for (const ref of refs) {
    const value = await valueOf(ref.key);
    const fails = `ExternalSecret ${ref.externalSecret} would fail as a whole`;
    if (value === undefined) {
      lines.add(`${where}: missing secret "${ref.key}" in the secret store: ${fails}`);
      continue;
    }
    if (ref.property === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      lines.add(`${where}: secret "${ref.key}" is not a JSON object of keys, so key "${ref.property}" cannot be read: ${fails}`);
    } else if (lookup(parsed as Record<string, unknown>, ref.property) === undefined) {
      lines.add(`${where}: secret "${ref.key}" has no key "${ref.property}": ${fails}`);
    }
  }
  return [...lines];
}

/** External Secrets reads a property as a gjson path: `.` descends into nested objects. */
function lookup(value: Record<string, unknown>, property: string): unknown {
  return property
    .split('.')
    .reduce<unknown>((v, part) => (v && typeof v === 'object' && part in v ? (v as Record<string, unknown>)[part] : undefined), value);
}
