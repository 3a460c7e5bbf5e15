/** Shared pieces of the Grafana dashboards: the datasource, the cluster variable, panel helpers. */
import { QueryVariableBuilder, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Dashboards query Thanos (through the query-frontend): deduplicated, every replica, long range. */
export const THANOS_DATASOURCE: DataSourceRef = { type: 'prometheus', uid: 'thanos' };
/** Prometheus itself (the pair behind its Service): what the dashboards query when Thanos does not run. */
export const PROMETHEUS_DATASOURCE: DataSourceRef = { type: 'prometheus', uid: 'prometheus' };

/** `cluster` external label filter; the test substitutes `.*` before handing queries to promtool. */
export const C = 'cluster=~"$cluster"';

/**
 * A panel query as Grafana sends it with every variable at "All": every cluster and job, and the
 * intervals of a 15 s scrape (1m rate interval, 5m range). For tests and benchmarks that run the
 * dashboards' queries.
 */
export function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$cluster', '.*').replaceAll('$job', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');
}

export function clusterVariable() {
  return new QueryVariableBuilder('cluster')
    .label('Cluster')
    .datasource(THANOS_DATASOURCE)
    .query('label_values(prometheus_build_info, cluster)')
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

export function q(expr: string, legend: string) {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).datasource(THANOS_DATASOURCE);
}

export function timeseries(title: string, unit: string, ...targets: ReturnType<typeof q>[]) {
  const p = new TimeseriesBuilder().title(title).unit(unit).datasource(THANOS_DATASOURCE).height(8).span(12);
  for (const t of targets) p.withTarget(t);
  return p;
}

export function stat(title: string, unit: string, target: ReturnType<typeof q>) {
  return new StatBuilder().title(title).unit(unit).datasource(THANOS_DATASOURCE).withTarget(target.instant()).height(4).span(6);
}

export function table(title: string, ...targets: ReturnType<typeof q>[]) {
  const p = new TableBuilder().title(title).datasource(THANOS_DATASOURCE).height(8).span(24);
  for (const t of targets) p.withTarget(t.instant().format(PromQueryFormat.Table));
  return p;
}
