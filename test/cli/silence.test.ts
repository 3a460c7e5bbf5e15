/**
 * `npm run silence` against a real Alertmanager (pinned) serving HTTPS as the platform's do, the
 * way the README tells an SRE to reach it: https://localhost through a port-forward, the CA from
 * the web TLS Secret, the certificate's name as server name. Every way of getting it wrong
 * answers with what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { main as silence } from '../../cli/silence.js';
import { webServerName } from '../../lib/web-tls.js';
import { makeCerts } from '../helpers/certs.js';
import { freePort, useProcesses, type Running } from '../helpers/proc.js';

const NAME = webServerName('monitoring');

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  const code = await silence(args, (l) => out.push(l)).catch((e: Error) => {
    err = e.message;
    return 1;
  });
  return { code, out, err };
}

describe('silence CLI over HTTPS', () => {
  const procs = useProcesses();
  const certs = makeCerts([NAME]);
  let am: Running;
  let url: string;

  beforeAll(async () => {
    const mesh = await freePort();
    am = await procs.start({
      tool: 'alertmanager',
      tls: { certDir: certs, serverName: NAME },
      args: ({ port, dir }) => {
        fs.writeFileSync(path.join(dir, 'am.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
        fs.writeFileSync(path.join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${certs}/tls.crt\n  key_file: ${certs}/tls.key\n`);
        return [
          '--config.file=am.yml',
          '--web.config.file=web.yml',
          `--storage.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--cluster.listen-address=127.0.0.1:${mesh}`,
        ];
      },
    });
    // As through `kubectl port-forward`: localhost, which the certificate does not name.
    url = `https://localhost:${am.port}`;
  });

  it('adds, lists and expires a silence with --ca-file (the server name defaults to the rendered one)', async () => {
    const common = ['--alertmanager', url, '--ca-file', `${certs}/ca.crt`];
    const added = await run(['add', ...common, '--matcher', 'alertname=Foo', '--duration', '1h', '--comment', 'test']);
    expect(added).toMatchObject({ code: 0, err: '' });
    const id = added.out[0]!;
    expect((await run(['list', ...common])).out.join('\n')).toContain(id);
    expect((await run(['expire', id, ...common])).out).toEqual([`expired ${id}`]);
    expect((await run(['list', ...common])).out.join('\n')).not.toContain(id);
  });

  it('says what to do when the CA, the name, the scheme or the port-forward is wrong', async () => {
    expect((await run(['list', '--alertmanager', url])).err).toMatch(/not signed by a CA this client trusts: pass --ca-file/);
    expect((await run(['list', '--alertmanager', url, '--ca-file', `${certs}/ca.crt`, '--server-name', 'other.svc'])).err).toMatch(
      /does not name other\.svc: pass --server-name/,
    );
    expect((await run(['list', '--alertmanager', url.replace('https:', 'http:')])).err).toMatch(/HTTP 400|serves HTTPS only/);
    const closed = await freePort();
    expect((await run(['list', '--alertmanager', `https://localhost:${closed}`])).err).toMatch(/Is the port-forward running\?/);
  });

  it('answers --help with the usage and exit 0, and an unknown option with the usage and exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/--ca-file FILE/);
    expect(help.out.join('\n')).toContain(NAME);
    expect((await run(['--bogus'])).code).toBe(2);
  });
});
