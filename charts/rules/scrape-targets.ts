/**
 * Monitors that find nothing (issue 17): for every scrape job the operator generates from the
 * monitors this cluster renders, an expectation that it has targets. A job whose selector or
 * port matches nothing has zero targets; one whose monitor Prometheus does not select at all
 * has no scrape pool: both fire. The expectations are derived from the rendered monitors (so a
 * new monitor is covered without a hand edit); a monitor whose targets may legitimately be
 * absent (discovery of GreenLang pods that opt in) says so with TARGETS_OPTIONAL_ANNOTATION.
 */
import type { Manifest } from '../../lib/synth.js';

import type { RuleArea } from './types.js';
import { PROMETHEUS, TARGETS_OPTIONAL_ANNOTATION } from '../workloads.js';

export const EMPTY_JOB_ALERT = 'PrometheusJobWithoutTargets';

/** The scrape jobs (pools) prometheus-operator generates for a monitor, named as it names them. */
export function scrapeJobsOf(m: Manifest & { spec?: { endpoints?: unknown[]; podMetricsEndpoints?: unknown[] } }): string[] {
  const at = `${m.metadata.namespace}/${m.metadata.name}`;
  switch (m.kind) {
    case 'ServiceMonitor':
      return (m.spec?.endpoints ?? []).map((_, i) => `serviceMonitor/${at}/${i}`);
    case 'PodMonitor':
      return (m.spec?.podMetricsEndpoints ?? []).map((_, i) => `podMonitor/${at}/${i}`);
    case 'Probe':
      return [`probe/${at}`];
    case 'ScrapeConfig':
      return [`scrapeConfig/${at}`];
    default:
      return [];
  }
}

/** The jobs that must have targets: every job of every rendered monitor not marked optional, sorted. */
export function expectedScrapeJobs(manifests: readonly Manifest[]): string[] {
  return manifests
    .filter((m) => (m.metadata as { annotations?: Record<string, string> }).annotations?.[TARGETS_OPTIONAL_ANNOTATION] !== 'true')
    .flatMap(scrapeJobsOf)
    .sort();
}

export function scrapeTargetRules(jobs: readonly string[]): RuleArea {
  if (jobs.length === 0) throw new Error('no scrape jobs to expect');
  // Names are <kind>/<namespace>/<name>[/<i>] of DNS labels: nothing to escape in a regex or a string.
  const odd = jobs.find((j) => !/^[A-Za-z]+(\/[a-z0-9-]+)+$/.test(j));
  if (odd) throw new Error(`scrape job ${JSON.stringify(odd)} is not <kind>/<namespace>/<name>[/<i>]`);
  const selector = (matcher: string) => `prometheus_target_scrape_pool_targets{job="${PROMETHEUS.name}",scrape_job${matcher}}`;
  const empty = `max by (scrape_job) (${selector(`=~"${jobs.join('|')}"`)}) == 0`;
  const missing = jobs.map((j) => `absent(${selector(`="${j}"`)})`);
  return {
    area: 'scrape-targets',
    groups: [
      {
        name: 'scrape-targets',
        rules: [
          {
            alert: EMPTY_JOB_ALERT,
            expr: `${empty}\nor\nmax by (scrape_job) (\n  ${missing.join('\n  or\n  ')}\n)`,
            for: '15m',
            severity: 'warning',
            summary: 'Scrape job {{ $labels.scrape_job }} has no targets',
            description:
              'Prometheus has had no target for {{ $labels.scrape_job }} for 15 minutes (or does not run the job at all): its monitor selects no Service or pod, names a port they do not have, or is not selected by Prometheus. Its metrics, and the alerts on them, are missing.',
          },
        ],
      },
    ],
  };
}
