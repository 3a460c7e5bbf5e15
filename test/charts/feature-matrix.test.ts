/**
 * Every combination of the schema's feature flags, for every environment, renders and validates,
 * and a flag switches a component together with everything that refers to it (policies, rules,
 * dashboards, datasources, Argo CD). The control-plane tier applies the dev combinations for real.
 */
import { parse } from 'yaml';
import { components } from '../../charts/index.js';
import { planCluster } from '../../charts/plan.js';
import { envFiles, featureCombinations, resolveAll } from '../../envs/index.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import { synthesize } from '../../charts/index.js';
import { manifestsOf } from '../helpers/tree.js';

const cases = envFiles.flatMap((file) =>
  featureCombinations().map((features) => ({
    file,
    features,
    label: `${file.name} with ${Object.entries(features)
      .map(([k, on]) => `${k}=${on}`)
      .join(',')}`,
  })),
);

it('the matrix covers every flag of the schema both ways', () => {
  expect(featureCombinations()).toHaveLength(8);
  expect(featureCombinations()).toContainEqual({ enableThanos: false, enablePushgateway: false, enableGrafana: false });
});

describe.each(cases)('$label', ({ file, features }) => {
  const env = resolveAll([{ ...file, features }])[0]!;
  let all: ReturnType<typeof manifestsOf> = [];
  beforeAll(async () => {
    all = manifestsOf(await synthesize([env])); // throws (and fails every test) on any invalid object
  });

  describe.each(env.clusters)('cluster $name', (cluster) => {
    const plan = planCluster(env, cluster);
    const here = () => all.filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/`));
    const of = (kind: string) => here().filter((m) => m.manifest.kind === kind) as { file: string; manifest: any }[];

    it('renders exactly the components its plan runs, each with its Argo CD Application', () => {
      const folders = new Set(here().map((m) => m.file.split('/')[2]));
      const planned = components.filter((c) => !c.runs || c.runs(plan)).map((c) => c.name);
      expect([...folders].sort()).toEqual([...planned, 'argocd'].sort());
      const apps = of('Application').map((a) => a.manifest.metadata.labels['greenlang.io/component']);
      expect(apps.sort()).toEqual(['prometheus-operator-crds', 'root', ...planned].sort());
    });

    it('leaves no trace of a component the plan does not run', () => {
      const names = here().map((m) => `${m.manifest.kind}/${m.manifest.metadata.name}`);
      if (!plan.thanos) {
        expect(names.filter((n) => /thanos/.test(n))).toEqual([]);
        expect(of('Prometheus')[0]!.manifest.spec.thanos).toBeUndefined();
      }
      if (!plan.pushgateway) expect(names.filter((n) => /pushgateway|batch-jobs/.test(n))).toEqual([]);
      // Without the platform's Grafana, only what a Grafana of your own reads stays: datasources and dashboards.
      if (!plan.grafana)
        expect(names.filter((n) => /grafana/.test(n) && !/^ConfigMap\/grafana-(datasources|dashboard-)/.test(n))).toEqual([]);
    });

    it('every NetworkPolicy peer of the platform runs here', () => {
      const peers = of('NetworkPolicy')
        .flatMap((np) => (np.manifest.spec.ingress ?? []).flatMap((r: any) => r.from ?? []))
        .map((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'])
        .filter(Boolean);
      const running = new Set(
        here().map((m) => (m.manifest.metadata as { labels?: Record<string, string> }).labels?.['app.kubernetes.io/name']),
      );
      const absent = [...new Set(peers)].filter((p) => p !== 'grafana' && !running.has(p));
      expect(absent).toEqual([]);
    });

    it('rules for the ruler only where a ruler runs', () => {
      const forRuler = of('PrometheusRule').filter((r) => r.manifest.metadata.labels[RULE_EVALUATOR_LABEL] === THANOS_RULER_EVALUATOR);
      expect(forRuler.length > 0).toBe(plan.thanos);
      expect(of('ThanosRuler').length > 0).toBe(plan.thanos);
    });

    it('Grafana: one default datasource that exists, and every panel queries a provisioned one', () => {
      const cfg = of('ConfigMap').find((c) => c.manifest.metadata.name === 'grafana-datasources')!.manifest;
      const ds = parse(cfg.data['datasources.yaml']).datasources as { uid: string; name: string; isDefault?: boolean }[];
      expect(ds.filter((d) => d.isDefault).map((d) => d.name)).toEqual([plan.thanos ? 'Thanos' : 'Prometheus']);
      const uids = new Set(ds.map((d) => d.uid));
      const boards = of('ConfigMap')
        .filter((c) => c.manifest.metadata.labels?.grafana_dashboard === '1')
        .flatMap((c) => Object.values(c.manifest.data as Record<string, string>).map((j) => JSON.parse(j)));
      expect(boards.length).toBeGreaterThan(0);
      const refs = boards.flatMap((b) => [
        ...b.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.datasource.uid),
        ...(b.templating?.list ?? []).map((v: any) => v.datasource?.uid).filter(Boolean),
      ]);
      // A `${name}` reference is a datasource variable of the dashboard (the team's dashboards use one).
      const variables = new Set(
        boards.flatMap((b) => (b.templating?.list ?? []).filter((v: any) => v.type === 'datasource').map((v: any) => '${' + v.name + '}')),
      );
      expect(refs.filter((u: string) => !uids.has(u) && !variables.has(u))).toEqual([]);
    });
  });
});
