/** promtool unit tests for charts/rules/watchdog.ts: it fires from the first evaluation on, with no input at all. */
import type { AlertCase } from './types.js';

export const watchdogCases: readonly AlertCase[] = [
  { name: 'fires at the first evaluation, with no series at all', alert: 'Watchdog', series: [], evalTime: '0m', expected: [{}] },
  { name: 'still fires hours later', alert: 'Watchdog', series: [], evalTime: '6h', expected: [{}] },
];
