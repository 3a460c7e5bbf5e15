/** promtool unit tests for the scrape expectations (charts/rules/scrape-targets.ts), on dev's rendered jobs. */
import path from 'node:path';
import { expectedScrapeJobs } from '../../../charts/rules/scrape-targets.js';
import { manifestsOfTree, treeOnDisk } from '../../../lib/manifests.js';
import { repoRoot } from '../../../lib/paths.js';
import type { AlertCase } from './types.js';

const jobs = expectedScrapeJobs(manifestsOfTree(treeOnDisk(path.join(repoRoot, 'dist/dev/greenlang-dev'))));
const pool = (job: string, values: string) => ({
  series: `prometheus_target_scrape_pool_targets{job="prometheus",scrape_job="${job}"}`,
  values,
});
const QUERY = 'serviceMonitor/monitoring/thanos-query/0';

export const scrapeTargetCases: readonly AlertCase[] = [
  {
    name: "a monitor that matches nothing: its job's pool has zero targets",
    alert: 'PrometheusJobWithoutTargets',
    series: jobs.map((j) => pool(j, j === QUERY ? '0x30' : '2x30')),
    evalTime: '20m',
    expected: [{ scrape_job: QUERY }],
  },
  {
    name: 'a monitor Prometheus never picked up: no pool at all',
    alert: 'PrometheusJobWithoutTargets',
    series: jobs.filter((j) => j !== QUERY).map((j) => pool(j, '2x30')),
    evalTime: '20m',
    expected: [{ scrape_job: QUERY }],
  },
  {
    name: 'an empty pool for less than 15 minutes',
    alert: 'PrometheusJobWithoutTargets',
    series: jobs.map((j) => pool(j, j === QUERY ? '2x10 0x10' : '2x30')),
    evalTime: '20m',
    expected: [],
  },
  {
    name: 'every job has targets',
    alert: 'PrometheusJobWithoutTargets',
    series: jobs.map((j) => pool(j, '1x30')),
    evalTime: '20m',
    expected: [],
  },
];
