/**
 * npm run silence -- add --matcher 'alertname=Foo' [--matcher ...] --duration 2h --comment "why" [--author me]
 * npm run silence -- list [--all]
 * npm run silence -- expire <id>
 *
 * Talks to the Alertmanager v2 API at --alertmanager or $ALERTMANAGER_URL (default
 * https://localhost:9093, e.g. after `kubectl -n monitoring port-forward svc/alertmanager 9093`),
 * verifying its certificate against --ca-file and --server-name (the name the platform's web
 * certificate carries). A silence created on one replica reaches the others over the mesh.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { envFiles, resolveAll } from '../envs/index.js';
import { webServerName } from '../lib/web-tls.js';
import { formatMatchers, matchesAll, parseMatcher, parseSilenceDuration, SilenceClient, type Matcher } from '../lib/silences.js';
import { parseDuration } from '../lib/units.js';
import { ruleAreas } from '../charts/index.js';
import { isAlert } from '../charts/rules/types.js';
import { WATCHDOG_ALERT } from '../charts/rules/watchdog.js';

/** The longest silence any environment allows without --allow-long (alertmanager.maxSilence; the strictest). */
function maxSilenceMs(): number {
  return Math.min(...resolveAll(envFiles).map((e) => (parseDuration(e.alertmanager.maxSilence) ?? 0) * 1000));
}

/**
 * What a silence would mute among the platform's alerts (each with its own labels), and why it
 * must be refused: the Watchdog (muting the dead man's switch pages the heartbeat service, or
 * hides a dead Alertmanager) or every alert at once.
 */
export function silenceScope(matchers: readonly Matcher[]): { muted: string[]; refusal?: string } {
  const alerts = ruleAreas.flatMap((a) => a.groups.flatMap((g) => g.rules.filter(isAlert)));
  const labelsOf = (a: (typeof alerts)[number]) => ({ alertname: a.alert, severity: a.severity, ...(a.labels ?? {}) });
  const muted = [...new Set(alerts.filter((a) => matchesAll(matchers, labelsOf(a))).map((a) => a.alert))].sort();
  if (muted.includes(WATCHDOG_ALERT))
    return { muted, refusal: `these matchers mute ${WATCHDOG_ALERT}, the dead man's switch; pass --allow-watchdog if you mean it` };
  const names = new Set(alerts.map((a) => a.alert));
  if (muted.length === names.size - 1 && names.size > 2)
    return { muted, refusal: `these matchers mute every alert of the platform; narrow them, or pass --allow-broad if you mean it` };
  return { muted };
}

/** The name the Alertmanagers' certificate carries: one namespace for every environment, else say which. */
function defaultServerName(): string | undefined {
  const namespaces = [...new Set(resolveAll(envFiles).map((e) => e.namespace))];
  return namespaces.length === 1 ? webServerName(namespaces[0]!) : undefined;
}

const USAGE = `usage: silence add --matcher M [--matcher M ...] --duration D --comment TEXT [--author NAME]
                  [--allow-long] [--allow-broad] [--allow-watchdog]
       silence list [--all]
       silence expire ID
options:
  --alertmanager URL   default $ALERTMANAGER_URL or https://localhost:9093
  --ca-file FILE       CA of the Alertmanager's certificate, default $ALERTMANAGER_CA_FILE; e.g.
                       kubectl -n monitoring get secret monitoring-web-tls -o jsonpath='{.data.ca\\.crt}' | base64 -d > ca.crt
  --server-name NAME   name its certificate carries, default ${defaultServerName() ?? 'monitoring-web.<namespace>.svc'}
  --allow-long         a duration beyond alertmanager.maxSilence
  --allow-broad        matchers that mute every alert of the platform
  --allow-watchdog     matchers that mute the Watchdog (the dead man's switch)
  -h, --help           this text`;

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        alertmanager: { type: 'string', default: process.env.ALERTMANAGER_URL ?? 'https://localhost:9093' },
        'ca-file': { type: 'string', default: process.env.ALERTMANAGER_CA_FILE },
        'server-name': { type: 'string', default: defaultServerName() },
        help: { type: 'boolean', short: 'h', default: false },
        matcher: { type: 'string', multiple: true, default: [] },
        duration: { type: 'string', default: '2h' },
        comment: { type: 'string', default: '' },
        author: { type: 'string', default: process.env.USER ?? os.userInfo().username },
        all: { type: 'boolean', default: false },
        'allow-long': { type: 'boolean', default: false },
        'allow-broad': { type: 'boolean', default: false },
        'allow-watchdog': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const client = new SilenceClient(values.alertmanager!, { caFile: values['ca-file'], serverName: values['server-name'] });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'add': {
      // Everything is checked before the Alertmanager is contacted.
      const matchers = values.matcher!.map(parseMatcher);
      if (matchers.length === 0) throw new Error('a silence needs at least one --matcher');
      const durationMs = parseSilenceDuration(values.duration!, values['allow-long'] ? Infinity : maxSilenceMs());
      if (!values.comment!.trim()) throw new Error('a silence needs a --comment saying why');
      const scope = silenceScope(matchers);
      const watchdog = scope.refusal?.includes(WATCHDOG_ALERT);
      if (scope.refusal && !(watchdog ? values['allow-watchdog'] : values['allow-broad'])) throw new Error(scope.refusal);
      const id = await client.add({ matchers, durationMs, comment: values.comment!, createdBy: values.author! });
      out(id);
      out(
        `silenced ${formatMatchers(matchers)} until ${new Date(Date.now() + durationMs).toISOString()}: ` +
          (scope.muted.length ? `mutes ${scope.muted.join(', ')} (of the platform's alerts)` : "mutes none of the platform's alerts"),
      );
      return 0;
    }
    case 'list': {
      for (const s of await client.list()) {
        if (!values.all && s.status.state === 'expired') continue;
        out(`${s.id}  ${s.status.state.padEnd(7)}  until ${s.endsAt}  ${formatMatchers(s.matchers)}  (${s.createdBy}: ${s.comment})`);
      }
      return 0;
    }
    case 'expire': {
      if (rest.length !== 1) throw new Error('expire takes exactly one silence id');
      await client.expire(rest[0]!);
      out(`expired ${rest[0]}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      console.error(`silence: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
