/** Field types the component slices share: names, durations, sizes, quantities, resources. */
import { z } from 'zod';
import { isNetworkCidr } from '../../lib/cidr.js';
import { parseByteSize, parseDuration, parseQuantity } from '../../lib/units.js';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const dnsLabel = z
  .string()
  .max(63, { error: 'must be at most 63 characters (DNS-1123 label)' })
  .regex(DNS_LABEL, { error: 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit' });

export const duration = z.string().refine((s) => (parseDuration(s) ?? 0) > 0, {
  error: 'must be a positive Prometheus duration such as 15s, 1h30m or 7d',
});
export const byteSize = z.string().refine((s) => parseByteSize(s) !== undefined, {
  error: 'must be a Prometheus byte size such as 42GB or 500MiB (B, KB, MB, GB, TB; all base-2)',
});
export const storageQuantity = z.string().refine((s) => (parseQuantity(s) ?? 0) >= 2 ** 20, {
  error: 'must be a Kubernetes quantity of at least 1Mi, such as 50Gi',
});
export const cpuQuantity = z.string().refine((s) => (parseQuantity(s) ?? 0) > 0, {
  error: 'must be a positive Kubernetes CPU quantity such as 500m or 2',
});
export const memoryQuantity = z.string().refine((s) => (parseQuantity(s) ?? 0) >= 2 ** 20, {
  error: 'must be a Kubernetes memory quantity of at least 1Mi, such as 2Gi',
});

export const resources = z.strictObject({
  requests: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
  limits: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
});

export const replicas = z.int().min(1, { error: 'must be at least 1' }).max(10, { error: 'must be at most 10' });
export const storage = z.strictObject({
  storageClassName: z.string().regex(DNS_SUBDOMAIN, { error: 'must be a DNS-1123 subdomain such as gp3' }),
  size: storageQuantity,
});
export const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: 'must be host:port' });

export const slackChannel = z.string().regex(/^#[a-z0-9][a-z0-9_-]{0,79}$/, { error: 'must be a Slack channel such as #greenlang-alerts' });
export const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a Prometheus label name' });
export const storageClassName = z.string().regex(DNS_SUBDOMAIN, { error: 'must be a DNS-1123 subdomain such as gp3' });
export const networkCidr = z.string().refine(isNetworkCidr, { error: 'must be an IPv4 network in CIDR form such as 10.20.0.0/16' });
