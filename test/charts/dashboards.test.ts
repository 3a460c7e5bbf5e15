/** Dashboards render in dist, reference provisioned datasources, and every query parses with the real promtool. */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { runTool } from '../helpers/bin.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';
import { withGrafanaVariables } from '../helpers/promql.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

/** Every PromQL expression of a dashboard (panels and variables), with Grafana's variables bound for promtool. */
export function dashboardQueries(dashboard: any): { where: string; expr: string }[] {
  return (dashboard.panels ?? []).flatMap((p: any) =>
    (p.targets ?? []).map((t: any) => ({
      where: `${dashboard.uid}/${p.title}`,
      expr: withGrafanaVariables(t.expr),
    })),
  );
}

/** The platform's own dashboards as rendered (the team's, from dashboards/, are tested in team-dashboards.test.ts). */
export function renderedDashboards(env: string, cluster: string): any[] {
  return all
    .filter(
      (m) =>
        m.file.startsWith(`${env}/${cluster}/dashboards/`) &&
        (m.manifest.metadata as any).labels?.grafana_dashboard === '1' &&
        !(m.manifest.metadata as any).annotations?.['greenlang.io/source'],
    )
    .flatMap((m) => Object.values((m.manifest as any).data as Record<string, string>).map((j) => JSON.parse(j)));
}

describe.each(targets)('dashboards in $label', ({ env, cluster }) => {
  const boards = renderedDashboards(env.name, cluster.name);
  const dsConfig = all.find(
    (m) => m.file.startsWith(`${env.name}/${cluster.name}/dashboards/`) && m.manifest.metadata.name === 'grafana-datasources',
  )!.manifest as any;
  const datasources = parse(dsConfig.data['datasources.yaml']).datasources;

  it('ships its dashboards with stable uids', () => {
    expect(boards.map((b) => b.uid).sort()).toEqual(['batch-jobs', 'greenlang-services', 'prometheus-health', 'service-levels']);
    expect(boards.find((b) => b.uid === 'prometheus-health').title).toBe('Prometheus & Thanos Health');
  });

  it('provisions Thanos (default), Prometheus and Alertmanager, and every panel uses a provisioned datasource', () => {
    expect(datasources.filter((d: any) => d.isDefault).map((d: any) => d.name)).toEqual(['Thanos']);
    expect(datasources.map((d: any) => d.type)).toEqual(expect.arrayContaining(['prometheus', 'alertmanager']));
    const uids = new Set(datasources.map((d: any) => d.uid));
    for (const b of boards) for (const p of b.panels.filter((x: any) => x.type !== 'row')) expect(uids.has(p.datasource.uid)).toBe(true);
  });

  it('the SLO dashboard has a row per SLO recorded in this cluster, each reading only its own recorded error ratios', () => {
    const slo = boards.find((b) => b.uid === 'service-levels');
    const recorded = new Set(
      all
        .filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/rules/`) && m.manifest.kind === 'PrometheusRule')
        .flatMap((m) => (m.manifest as any).spec.groups.flatMap((g: any) => g.rules))
        .filter((r: any) => r.record?.startsWith('slo:'))
        .map((r: any) => `${r.record}/${r.labels.slo}`),
    );
    const names = [...new Set([...recorded].map((r) => r.split('/')[1]))].sort();
    expect(names).toEqual(['alertmanager-notifications', 'prometheus-api', 'pushgateway-push', 'thanos-query']);
    const rows = slo.panels.filter((p: any) => p.type === 'row');
    expect(rows).toHaveLength(names.length);
    for (const q of dashboardQueries(slo)) {
      const refs = [...q.expr.matchAll(/(slo:sli_error:ratio_rate\w+)\{slo="([^"]+)"/g)].map((m) => `${m[1]}/${m[2]}`);
      expect({ panel: q.where, refs: refs.length > 0, recorded: refs.every((r) => recorded.has(r)) }).toEqual({
        panel: q.where,
        refs: true,
        recorded: true,
      });
    }
  });

  it('covers the PRD 10.1 panels, with corrected queries', () => {
    const health = boards.find((b) => b.uid === 'prometheus-health');
    const titles = health.panels.map((p: any) => p.title);
    for (const t of [
      'Samples ingested per second',
      'Scrape duration p99 by job (target < 5s)',
      'Query latency p99 (target < 30s)',
      'Store gateways up',
      'Blocks uploaded (6h)',
    ]) {
      expect(titles).toContain(t);
    }
    const exprs = dashboardQueries(health)
      .map((q) => q.expr)
      .join('\n');
    expect(exprs).not.toMatch(
      /prometheus_target_scrape_pool_sync_total|thanos_query_duration_seconds_bucket|rate\(thanos_shipper_uploads_total\[5m\]\)/,
    );
  });
});

it('promtool parses every panel query of every dashboard', () => {
  const queries = renderedDashboards('dev', 'greenlang-dev').flatMap(dashboardQueries);
  expect(queries.length).toBeGreaterThan(15);
  // A recording rule per query: `promtool check rules` parses each expression.
  const file = path.join(tempDir('dash'), 'queries.yml');
  fs.writeFileSync(
    file,
    stringify({
      groups: [{ name: 'dashboard-queries', rules: queries.map((q, i) => ({ record: `dashboard:query:${i}`, expr: q.expr })) }],
    }),
  );
  const r = runTool('promtool', ['check', 'rules', file]);
  expect(r.out).toContain(`SUCCESS: ${queries.length} rules found`);
  expect(r.code).toBe(0);
});
