/**
 * What a component is: its chart, when it runs, and what the whole-platform views take from it
 * (NetworkPolicies, rules, SLOs, peers). Each component module exports one; charts/index.ts lists them.
 */
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { selectorLabels, type Workload } from '../lib/labels.js';
import type { Manifest } from '../lib/synth.js';
import type { ChartContext } from './context.js';
import type { EgressFlow, Flow, Reach } from './flows.js';
import type { ClusterPlan } from './plan.js';
import type { Slo } from './rules/slo.js';
import type { RuleArea } from './rules/types.js';

/** The pods of one of a component's workloads, as a peer of other components' flows. */
export interface PodsOf {
  readonly workload: Workload;
  readonly selector: Record<string, string>;
}

/** A component: its module holds all of it; the registry (charts/index.ts) only lists them. */
export interface Component {
  readonly name: string;
  /**
   * Its chart; or `renderFrom`, given what the components before it rendered: every `render` one,
   * and the `renderFrom` ones earlier in the registry.
   */
  readonly render?: (scope: Construct, ctx: ChartContext) => Chart;
  readonly renderFrom?: (scope: Construct, ctx: ChartContext, others: readonly Manifest[]) => Chart;
  /** Rendered only when the cluster's plan runs it; always when absent. */
  readonly runs?: (plan: ClusterPlan) => boolean;
  /** Argo CD sync wave of its Application (0 when absent); see WAVES. */
  readonly wave?: number;
  /** Its pods, so other components' flows can name them as peers. */
  readonly pods?: readonly PodsOf[];
  /** Who may reach its pods, and on which ports (rendered by the network-policies component). */
  readonly ingress?: (ctx: ChartContext) => readonly Flow[];
  /** What its pods connect to in other components (each a flow into the target's pods, where it runs). */
  readonly reaches?: (ctx: ChartContext) => readonly Reach[];
  /** What its pods connect to outside the cluster, beyond the namespace-wide egress. */
  readonly egress?: (ctx: ChartContext) => readonly EgressFlow[];
  /** The rule areas that watch it (rendered, and tested, with it). */
  readonly rules?: readonly RuleArea[];
  /** Its service level objectives: recording rules, burn-rate alerts and a row of the SLO dashboard where it runs. */
  readonly slos?: readonly Slo[];
}

/**
 * Bootstrap order on a fresh cluster, so it converges without retries: namespaces, CRDs
 * (charts/argocd.ts) and the StorageClass first; then what workloads mount or need running
 * (credentials, certificates, the objstore config, the operator); then the workloads;
 * dashboards last.
 */
export const WAVES = { foundation: -2, prerequisites: -1, workloads: 0, last: 1 } as const;

/** Runs wherever the plan runs Thanos. */
export const whenThanos = (p: ClusterPlan) => p.thanos;

/** Pods labelled by our charts (selectorLabels), as opposed to the operator's. */
export const own = (workload: Workload): PodsOf => ({ workload, selector: selectorLabels(workload) });
