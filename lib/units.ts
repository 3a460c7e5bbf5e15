/**
 * Parsers for the three unit systems an environment mixes: Kubernetes quantities (PVC sizes,
 * CPU, memory), Prometheus durations (retention, intervals) and Prometheus byte sizes
 * (retentionSize, which Prometheus reads as base-2 even when spelled "GB").
 */

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Kubernetes quantity to a number (bytes, or cores for CPU); undefined if malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  return m ? Number(m[1]) * QUANTITY_FACTORS[m[2] ?? '']! : undefined;
}

const DURATION = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;
const DURATION_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 1e-3];

/** Prometheus duration (e.g. `7d`, `1h30m`) to seconds; undefined if malformed or zero-length text. */
export function parseDuration(d: string): number | undefined {
  const m = DURATION.exec(d);
  if (!m || d === '') return undefined;
  return DURATION_SECONDS.reduce((sum, factor, i) => sum + Number(m[i + 1] ?? 0) * factor, 0);
}

const BYTE_SIZE = /^([0-9]+(?:\.[0-9]+)?)(B|KB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB|PiB|EiB)$/;
const BYTE_POWERS: Record<string, number> = { B: 0, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

/** Prometheus byte size (`--storage.tsdb.retention.size`) to bytes: base-2 for every unit. */
export function parseByteSize(s: string): number | undefined {
  const m = BYTE_SIZE.exec(s);
  return m ? Number(m[1]) * 1024 ** BYTE_POWERS[m[2]![0]!]! : undefined;
}

/** Bytes as GiB with one decimal, for messages. */
export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
