import { alertmanagerCases } from './alertmanager.js';
import { batchJobCases } from './batch-jobs.js';
import { metaCases } from './meta.js';
import { probeCases } from './probes.js';
import { prometheusCases } from './prometheus.js';
import { thanosCases } from './thanos.js';
import type { AlertCase } from './types.js';
import { watchdogCases } from './watchdog.js';
import { scrapeTargetCases } from './scrape-targets.js';
import { sloCases } from './slo.js';
import { kubernetesCases } from './kubernetes.js';
import { greenlangServiceCases } from './greenlang-services.js';
import { grafanaCases } from './grafana.js';

export const alertCases: readonly AlertCase[] = [
  ...prometheusCases,
  ...thanosCases,
  ...alertmanagerCases,
  ...batchJobCases,
  ...metaCases,
  ...probeCases,
  ...watchdogCases,
  ...scrapeTargetCases,
  ...sloCases,
  ...kubernetesCases,
  ...greenlangServiceCases,
  ...grafanaCases,
];
