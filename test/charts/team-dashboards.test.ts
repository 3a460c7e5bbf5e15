/** The team's dashboards (dashboards/<folder>/*.json): provisioned into their folders, and refused at synth when broken. */
import fs from 'node:fs';
import path from 'node:path';
import { synthesize } from '../../charts/index.js';
import { checkTeamDashboards, readTeamDashboards, TeamDashboardError } from '../../charts/dashboards/team.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const files = readTeamDashboards();
const DATASOURCES = [
  { uid: 'thanos', name: 'Thanos' },
  { uid: 'prometheus', name: 'Prometheus' },
];

it('the repository has team dashboards to provision', () => {
  expect(files.length).toBeGreaterThanOrEqual(1);
});

describe.each(envs.flatMap((e) => e.clusters.map((c) => `${e.name}/${c.name}`)))('%s', (where) => {
  const maps = all.filter((m) => m.file === `${where}/dashboards/manifests.yaml` && m.manifest.kind === 'ConfigMap') as any[];

  it('provisions every file unchanged, into the folder named like its directory', () => {
    for (const f of files) {
      const cm = maps.find((m) => m.manifest.metadata.annotations?.['greenlang.io/source'] === f.file);
      expect({ file: f.file, folder: cm?.manifest.metadata.annotations.grafana_folder }).toEqual({ file: f.file, folder: f.folder });
      expect(Object.values(cm.manifest.data)).toEqual([f.text]);
      expect(cm.manifest.metadata.labels.grafana_dashboard).toBe('1');
    }
  });
});

describe('a broken dashboard is refused with the file, the field and the reason', () => {
  const good = JSON.stringify({ uid: 'ok', title: 'OK', panels: [{ datasource: { type: 'prometheus', uid: '${datasource}' } }] });
  const check = (text: string, taken: string[] = []) =>
    checkTeamDashboards([{ file: 'dashboards/Team/x.json', folder: 'Team', text }], DATASOURCES, new Set(taken));
  const refusal = (text: string, taken: string[] = []) => {
    try {
      check(text, taken);
    } catch (err) {
      expect(err).toBeInstanceOf(TeamDashboardError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('accepts a dashboard on the datasource variable, a provisioned uid or a provisioned name', () => {
    expect(check(good).map((d) => d.uid)).toEqual(['ok']);
    expect(
      check(JSON.stringify({ uid: 'a', title: 'A', panels: [{ datasource: { uid: 'thanos' } }, { datasource: 'Prometheus' }] })),
    ).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"uid": ', /^dashboards\/Team\/x\.json: \(file\): is not JSON: /],
    ['no uid', JSON.stringify({ title: 'A' }), /^dashboards\/Team\/x\.json: uid: must be set/],
    ['no title', JSON.stringify({ uid: 'a' }), /^dashboards\/Team\/x\.json: title: must be a non-empty string$/],
    [
      'a datasource that is not provisioned',
      JSON.stringify({ uid: 'a', title: 'A', panels: [{ targets: [{ datasource: { uid: 'loki' } }] }] }),
      /^dashboards\/Team\/x\.json: panels\[0\]\.targets\[0\]\.datasource\.uid: datasource uid "loki" is not provisioned here \(provisioned: thanos, prometheus\)$/,
    ],
    [
      'a datasource named that is not provisioned',
      JSON.stringify({ uid: 'a', title: 'A', panels: [{ datasource: 'InfluxDB' }] }),
      /^dashboards\/Team\/x\.json: panels\[0\]\.datasource: datasource "InfluxDB" is not provisioned here/,
    ],
  ])('%s', (_title, text, message) => {
    expect(refusal(text)).toMatch(message);
  });

  it("a uid the platform's own dashboards use", () => {
    expect(refusal(good, ['ok'])).toBe('dashboards/Team/x.json: uid: "ok" is also the uid of a dashboard of the platform');
  });

  it('two files with one uid, and a folder name Grafana cannot show, all in one message', () => {
    const dir = tempDir('team-dashboards');
    fs.mkdirSync(path.join(dir, 'Fuel'));
    fs.mkdirSync(path.join(dir, 'bad!name'));
    fs.writeFileSync(path.join(dir, 'Fuel', 'a.json'), good);
    fs.writeFileSync(path.join(dir, 'Fuel', 'b.json'), good);
    fs.writeFileSync(path.join(dir, 'bad!name', 'c.json'), good.replace('"ok"', '"c"'));
    fs.writeFileSync(path.join(dir, 'top-level.json'), good); // no folder: not read
    const read = readTeamDashboards(dir);
    expect(read.map((f) => f.file)).toEqual(['dashboards/Fuel/a.json', 'dashboards/Fuel/b.json', 'dashboards/bad!name/c.json']);
    expect(() => checkTeamDashboards(read, DATASOURCES, new Set())).toThrow(
      new TeamDashboardError([
        { file: 'dashboards/Fuel/b.json', field: 'uid', message: '"ok" is also the uid of dashboards/Fuel/a.json' },
        {
          file: 'dashboards/bad!name/c.json',
          field: '(folder)',
          message: '"bad!name" must be a folder name of letters, digits, spaces, "_" and "-"',
        },
      ]),
    );
  });
});
