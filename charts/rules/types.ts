/**
 * Rules as typed data. Every alert has a severity, a summary, a description and a runbook
 * (docs/runbooks/<AlertName>.md, linked by runbook_url); every group states which engine
 * evaluates it.
 */
import { REPLICA_LABELS } from '../../lib/replica-labels.js';
/** `none`: never routed by severity (the Watchdog heartbeat). */
export type Severity = 'critical' | 'warning' | 'info' | 'none';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

/** A file of groups, rendered as one PrometheusRule named `greenlang-<area>`. */
export interface RuleArea {
  readonly area: string;
  /** Who evaluates it: Prometheus (default) or the Thanos ruler (needs the deduplicated global view). */
  readonly evaluator?: 'prometheus' | 'thanos-ruler';
  readonly groups: readonly RuleGroup[];
}

export const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => 'alert' in r;

/**
 * Dedup in rules across the PushGateway pair (Prometheus evaluates locally, without Thanos'
 * dedup): the same pushed series from two replicas differs only in these labels.
 */
export const PUSHGATEWAY_REPLICA_LABELS = `instance, ${REPLICA_LABELS.pushgateway}`;
