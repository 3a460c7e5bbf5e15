/**
 * The team's own dashboards, as JSON files under `dashboards/<folder>/<name>.json` in this
 * repository (exported from Grafana: Share > Export > "Export for sharing externally" off). Each is
 * provisioned into the Grafana folder named like its directory. Checked at synth, so a broken file
 * never reaches Grafana: it parses, has a uid of its own, and every datasource it names by uid is
 * one the platform provisions (or a variable, or one of Grafana's built-in ones).
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/paths.js';

export const TEAM_DASHBOARDS_DIR = 'dashboards';

export interface TeamDashboard {
  /** Path in the repository, e.g. `dashboards/Fuel/fuel-overview.json`. */
  readonly file: string;
  /** Grafana folder: the file's directory. */
  readonly folder: string;
  readonly uid: string;
  /** The file's text, provisioned unchanged. */
  readonly json: string;
}

/** A problem of one file: where in it, and what is wrong. */
export interface DashboardProblem {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

export class TeamDashboardError extends Error {
  constructor(readonly problems: readonly DashboardProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join('\n'));
    this.name = 'TeamDashboardError';
  }
}

/** Grafana's own datasources, which no provisioning defines. */
const BUILT_IN = new Set(['grafana', '-- Grafana --', '-- Mixed --', '-- Dashboard --']);
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$/;
const UID = /^[A-Za-z0-9_-]{1,40}$/;

/** Code-point order: the same on every machine, whatever its locale (dist must be byte-identical). */
export const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every `.json` file one level below `dir` (folders only: a file at the top has no folder). */
export function readTeamDashboards(dir = path.join(repoRoot, TEAM_DASHBOARDS_DIR)): { file: string; folder: string; text: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .sort((a, b) => byCodePoint(a.name, b.name))
    .flatMap((d) =>
      fs
        .readdirSync(path.join(dir, d.name))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({
          file: path.posix.join(TEAM_DASHBOARDS_DIR, d.name, f),
          folder: d.name,
          text: fs.readFileSync(path.join(dir, d.name, f), 'utf8'),
        })),
    );
}

/**
 * The files checked against the datasources provisioned here and the uids already taken (the
 * platform's own dashboards); every problem of every file, or the dashboards.
 */
export function checkTeamDashboards(
  files: readonly { file: string; folder: string; text: string }[],
  datasources: readonly { uid: string; name: string }[],
  takenUids: ReadonlySet<string>,
): TeamDashboard[] {
  const problems: DashboardProblem[] = [];
  const seen = new Map<string, string>([...takenUids].map((u) => [u, 'a dashboard of the platform']));
  const out: TeamDashboard[] = [];
  for (const { file, folder, text } of files) {
    const problem = (field: string, message: string) => problems.push({ file, field, message });
    if (!FOLDER.test(folder)) problem('(folder)', `"${folder}" must be a folder name of letters, digits, spaces, "_" and "-"`);
    let dashboard: unknown;
    try {
      dashboard = JSON.parse(text);
    } catch (err) {
      problem('(file)', `is not JSON: ${(err as Error).message}`);
      continue;
    }
    if (!dashboard || typeof dashboard !== 'object' || Array.isArray(dashboard)) {
      problem('(file)', 'must be a dashboard JSON object');
      continue;
    }
    const d = dashboard as { uid?: unknown; title?: unknown; panels?: unknown };
    if (typeof d.title !== 'string' || d.title === '') problem('title', 'must be a non-empty string');
    if (typeof d.uid !== 'string' || !UID.test(d.uid)) {
      problem('uid', 'must be set, 1-40 letters, digits, "-" or "_" (links and alerts find a dashboard by it)');
      continue;
    }
    const other = seen.get(d.uid);
    if (other) problem('uid', `"${d.uid}" is also the uid of ${other}`);
    seen.set(d.uid, file);
    for (const { at, ref, byName } of datasourceRefs(dashboard)) {
      const known = datasources.some((ds) => ds.uid === ref || (byName && ds.name === ref));
      if (!BUILT_IN.has(ref) && !ref.startsWith('$') && !known) {
        const provisioned = datasources.map((ds) => (byName ? `${ds.name} (${ds.uid})` : ds.uid)).join(', ');
        problem(at, `datasource ${byName ? '' : 'uid '}"${ref}" is not provisioned here (provisioned: ${provisioned})`);
      }
    }
    out.push({ file, folder, uid: d.uid, json: text });
  }
  if (problems.length > 0) throw new TeamDashboardError(problems);
  return out;
}

/**
 * Every `datasource` reference in a dashboard (panels, targets, variables, annotations), with its
 * path: `{uid}` objects, or a plain string (older exports name the datasource, or give its uid).
 */
function datasourceRefs(v: unknown, at = ''): { at: string; ref: string; byName: boolean }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => datasourceRefs(x, `${at}[${i}]`));
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => {
    const here = at ? `${at}.${k}` : k;
    if (k === 'datasource') {
      if (typeof x === 'string') return [{ at: here, ref: x, byName: true }];
      const uid = (x as { uid?: unknown } | null)?.uid;
      return typeof uid === 'string' ? [{ at: `${here}.uid`, ref: uid, byName: false }] : [];
    }
    return datasourceRefs(x, here);
  });
}
