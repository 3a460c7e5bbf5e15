/**
 * Which engine evaluates a PrometheusRule. Prometheus evaluates every rule in the watched
 * namespaces except those labelled for the Thanos ruler (global or long-range rules that need
 * deduplicated, historical data); the ruler evaluates only those. No rule is evaluated twice.
 */
export const RULE_EVALUATOR_LABEL = 'greenlang.io/rule-evaluator';
export const THANOS_RULER_EVALUATOR = 'thanos-ruler';
