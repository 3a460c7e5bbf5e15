/** The monitored GreenLang services (one ServiceMonitor each). */
import { z } from 'zod';
import { dnsLabel, duration } from './fields.js';

/** A GreenLang service scraped through a ServiceMonitor (PRD 8.1, 8.2). */
export const monitoredService = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel,
  /** Labels of the Service to scrape. */
  selector: z
    .record(z.string(), z.string())
    .refine((r) => Object.keys(r).length > 0, { error: 'must not be empty (it would select every Service)' }),
  port: dnsLabel,
  path: z.string().regex(/^\//, { error: 'must start with /' }),
  interval: duration.optional(),
  /** Keep only metrics whose name matches this regex (metricRelabelings keep on __name__). */
  keepMetrics: z.string().optional(),
  /** Copy the pod's `app` label to `service` and the pod name to `pod` (PRD 8.1). */
  podLabels: z.boolean(),
  honorLabels: z.boolean(),
});
