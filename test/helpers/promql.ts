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

export { withGrafanaVariables } from '../../charts/dashboards/common.js';

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
