/** The Alertmanager slice of the env config: receivers' routing, timing, heartbeat, silences, digest. */
import { z } from 'zod';
import { dnsLabel, duration, hostPort, labelName, replicas, resources, slackChannel, storage } from './fields.js';

export const alertmanager = z.strictObject({
  replicas,
  resources,
  storage,
  /**
   * Existing Secret (managed outside dist, e.g. by an ExternalSecret) holding the receiver
   * credentials under the keys in charts/alertmanager-config.ts; mounted, read via *_file.
   */
  credentialsSecret: dnsLabel,
  timing: z.strictObject({ resolveTimeout: duration, groupWait: duration, groupInterval: duration, repeatInterval: duration }),
  groupBy: z.array(labelName).min(1),
  /**
   * The dead man's switch: the always-firing Watchdog goes to the heartbeat service (URL under
   * `heartbeat-url` in the credentials Secret) every repeatInterval; set the service's period to
   * match and its grace to a few intervals.
   */
  heartbeat: z.strictObject({ repeatInterval: duration }),
  /** The longest silence `npm run silence` creates without --allow-long (a forgotten silence hides incidents). */
  maxSilence: duration,
  slack: z.strictObject({ defaultChannel: slackChannel, criticalChannel: slackChannel, warningChannel: slackChannel }),
  /** FR-3.4 weekly summary email. */
  digest: z.strictObject({
    schedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: 'must be a five-field cron schedule' }),
    smtpHost: hostPort,
    from: z.email({ error: 'must be an e-mail address' }),
    to: z.array(z.email({ error: 'must be an e-mail address' })).min(1),
  }),
});
