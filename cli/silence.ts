/**
 * npm run silence -- add --matcher 'alertname=Foo' [--matcher ...] --duration 2h --comment "why" [--author me]
 * npm run silence -- list [--all]
 * npm run silence -- expire <id>
 *
 * Talks to the Alertmanager v2 API at --alertmanager or $ALERTMANAGER_URL (default
 * http://localhost:9093, e.g. after `kubectl -n monitoring port-forward svc/alertmanager 9093`).
 * A silence created on one replica reaches the others over the mesh.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { formatMatchers, parseMatcher, parseSilenceDuration, SilenceClient } from '../lib/silences.js';

const USAGE = `usage: silence add --matcher M [--matcher M ...] --duration D --comment TEXT [--author NAME]
       silence list [--all]
       silence expire ID
options: --alertmanager URL (default $ALERTMANAGER_URL or http://localhost:9093)`;

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      alertmanager: { type: 'string', default: process.env.ALERTMANAGER_URL ?? 'http://localhost:9093' },
      matcher: { type: 'string', multiple: true, default: [] },
      duration: { type: 'string', default: '2h' },
      comment: { type: 'string', default: '' },
      author: { type: 'string', default: process.env.USER ?? os.userInfo().username },
      all: { type: 'boolean', default: false },
    },
  });
  const client = new SilenceClient(values.alertmanager!);
  const [command, ...rest] = positionals;
  switch (command) {
    case 'add': {
      const id = await client.add({
        matchers: values.matcher!.map(parseMatcher),
        durationMs: parseSilenceDuration(values.duration!),
        comment: values.comment!,
        createdBy: values.author!,
      });
      out(id);
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
