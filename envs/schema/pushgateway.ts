/** The PushGateway slice of the env config: replicas, credentials, client namespaces, janitor. */
import { z } from 'zod';
import { dnsLabel, duration, replicas, resources, storage } from './fields.js';

export const pushgateway = z.strictObject({
  replicas,
  resources,
  storage,
  /**
   * Existing Secret (ExternalSecret-managed) with `web-config.yml` (bcrypt basic-auth users for
   * --web.config.file) and the plain `username`/`password` that Prometheus, the SDK and the
   * janitor present.
   */
  authSecret: dnsLabel,
  /** Namespaces whose batch jobs may push (NetworkPolicy, issue 10) and where the SDK is used. */
  clientNamespaces: z.array(dnsLabel),
  janitor: z.strictObject({
    schedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: 'must be a five-field cron schedule' }),
    /** FR-4.4: groups not pushed for this long are deleted (job-level groups are exempt). */
    defaultTtl: duration,
  }),
});
