/** A promtool alert unit test: input series, an evaluation time, and the alerts expected then. */
export interface AlertCase {
  readonly name: string;
  readonly alert: string;
  readonly series: readonly { series: string; values: string }[];
  readonly evalTime: string;
  /** Labels of each expected alert, without `severity` (added from the rule). Empty: must not fire. */
  readonly expected: readonly Record<string, string>[];
  /** Sample spacing of the series and the evaluation interval (1m when absent): longer for multi-day windows. */
  readonly interval?: string;
  /** The rendered description when it depends on `$value` (label-only templates are expanded by the test). */
  readonly description?: string;
}
