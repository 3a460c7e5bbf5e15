/** Metric names a PromQL expression reads, from Prometheus's own PromQL grammar (lezer-promql). */
import { parser } from '@prometheus-io/lezer-promql';

/** Every vector selector of an expression, as written (label matchers included). */
export function vectorSelectors(expr: string): string[] {
  const out: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name === 'VectorSelector') out.push(expr.slice(n.from, n.to));
    },
  });
  return out;
}

/** A dashboard query with Grafana's variables bound: every cluster and job, 1m rate interval, 5m range. */
export function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$cluster', '.*').replaceAll('$job', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');
}

export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const tree = parser.parse(expr);
  tree.iterate({
    enter: (node) => {
      if (node.name !== 'VectorSelector') return;
      const id = node.node.getChild('Identifier');
      if (id) {
        names.add(expr.slice(id.from, id.to));
        return;
      }
      // {__name__="x"} form
      const m = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(node.from, node.to));
      if (m) names.add(m[1]!);
    },
  });
  return [...names];
}
