/**
 * Service level objectives (PRD 5.2) and their error-budget alerts, after the SRE workbook's
 * multi-window, multi-burn-rate recipe: the error ratio of each SLI is recorded over every
 * window the alerts read, and an alert fires only when a long and a short window both burn
 * faster than the threshold (the long one proves it matters, the short one that it is still
 * happening, so it resets soon after a fix).
 *
 *   page (critical):  14.4x over 1h and 5m   (2% of a 30-day budget in an hour)
 *                      6x  over 6h and 30m   (5% in six hours)
 *   ticket (warning):  3x  over 1d and 2h    (10% in a day)
 *                      1x  over 3d and 6h    (10% in three days)
 *
 * Each component that has an SLO declares it in the registry (`slos`), so its rules and its
 * dashboard row exist exactly where it runs.
 */
import type { RuleArea, Severity } from './types.js';

export interface Slo {
  /** The `slo` label of its series and alerts. */
  readonly name: string;
  /** Target success ratio, e.g. 0.999. */
  readonly objective: number;
  /** What counts as success, for the dashboard and the alert text. */
  readonly sli: string;
  /** Counter of failed events, and of all events (PromQL selectors). */
  readonly errors: string;
  readonly total: string;
}

export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** The recorded error ratio of an SLI over a window. */
export const errorRatio = (w: SloWindow) => `slo:sli_error:ratio_rate${w}`;

export interface BurnAlert {
  readonly alert: string;
  readonly severity: Severity;
  /** [long window, short window, burn rate]: fires when both windows burn faster. */
  readonly windows: readonly (readonly [SloWindow, SloWindow, number])[];
  readonly what: string;
}

export const BURN_ALERTS: readonly BurnAlert[] = [
  {
    alert: 'ErrorBudgetBurnFast',
    severity: 'critical',
    windows: [
      ['1h', '5m', 14.4],
      ['6h', '30m', 6],
    ],
    what: 'at this rate the 30-day error budget is gone within two days',
  },
  {
    alert: 'ErrorBudgetBurnSlow',
    severity: 'warning',
    windows: [
      ['1d', '2h', 3],
      ['3d', '6h', 1],
    ],
    what: 'at this rate the 30-day error budget is gone before the 30 days are',
  },
];

/** A percentage as people write objectives: 99.9%, 99.5%. */
export const percent = (ratio: number) => `${+(ratio * 100).toFixed(3)}%`;

/** The recording rules and burn-rate alerts of one SLO. */
export function sloRules(slo: Slo): RuleArea {
  const labels = { slo: slo.name, objective: percent(slo.objective) };
  const sel = (w: SloWindow) => `${errorRatio(w)}{slo="${slo.name}"}`;
  const budget = 1 - slo.objective;
  const threshold = (rate: number) => +(rate * budget).toPrecision(6);
  return {
    area: `slo-${slo.name}`,
    groups: [
      {
        name: `slo-${slo.name}-records`,
        rules: SLO_WINDOWS.map((w) => ({
          record: errorRatio(w),
          // No failure series at all (nothing ever failed) is a ratio of 0, not no ratio.
          expr: `(sum(rate(${slo.errors}[${w}])) or vector(0))\n/\nsum(rate(${slo.total}[${w}]))`,
          labels,
        })),
      },
      {
        name: `slo-${slo.name}-alerts`,
        rules: BURN_ALERTS.map((a) => ({
          alert: a.alert,
          expr: a.windows
            .map(([long, short, rate]) => `(${sel(long)} > ${threshold(rate)} and ${sel(short)} > ${threshold(rate)})`)
            .join('\nor\n'),
          severity: a.severity,
          summary: `The {{ $labels.slo }} SLO ({{ $labels.objective }}) burns its error budget too fast`,
          description: `SLI: ${slo.sli}. The error ratio over the long window is {{ $value | humanizePercentage }}: ${a.what}.`,
        })),
      },
    ],
  };
}
