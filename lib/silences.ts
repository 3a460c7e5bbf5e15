/**
 * A typed client for the Alertmanager v2 silence API (FR-3.5), over HTTP or HTTPS (the platform's
 * Alertmanagers serve HTTPS only). Used by `npm run silence`.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

/**
 * `alertname="Foo"`, `env!=dev`, `job=~"api.*"`: Alertmanager's matcher syntax (a label name, one
 * of = != =~ !~, a value bare or double-quoted with backslash escapes; a regex is anchored at
 * both ends and must compile). Each mistake gets its own message.
 */
export function parseMatcher(text: string): Matcher {
  const m = /^\s*([^\s=!~"]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) throw new Error(`matcher "${text}" is not of the form name=value, name!=value, name=~regex or name!~regex`);
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
    throw new Error(`matcher "${text}": "${name}" is not a label name (letters, digits and _, not starting with a digit)`);
  let value = raw;
  if (raw.startsWith('"') || raw.endsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(raw))
      throw new Error(`matcher "${text}": the value's quotes are not balanced (escape a quote inside it as \\")`);
    try {
      value = JSON.parse(raw) as string;
    } catch (err) {
      throw new Error(`matcher "${text}": the quoted value has an escape Alertmanager does not know (use \\\\, \\" or \\n)`, {
        cause: err,
      });
    }
  } else if (/[\s"]/.test(raw)) {
    throw new Error(`matcher "${text}": quote a value that holds spaces or quotes`);
  }
  const isRegex = op.includes('~');
  if (isRegex) {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (err) {
      throw new Error(`matcher "${text}": the regular expression does not compile (${(err as Error).message})`, { cause: err });
    }
  }
  if (value === '' && (op === '=' || op === '=~'))
    throw new Error(`matcher "${text}" would match every alert lacking ${name}; give a value`);
  return { name, value, isRegex, isEqual: !op.startsWith('!') };
}

/** Whether an alert with `labels` is matched by every matcher (Alertmanager semantics: a missing label is ""). */
export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? '';
    const hit = m.isRegex ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
    return hit === m.isEqual;
  });
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/** `2h`, `1d12h`, `30m` to milliseconds, at most `maxMs` (the environment's limit) unless allowed longer. */
export function parseSilenceDuration(d: string, maxMs = Infinity): number {
  const m = DURATION.exec(d);
  const ms = m && d !== '' ? ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 : 0;
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`duration "${d}" is not a positive duration such as 30m, 2h or 1d`);
  if (ms > maxMs)
    throw new Error(
      `duration "${d}" is longer than the ${maxMs / 3_600_000}h a silence may last here (alertmanager.maxSilence); pass --allow-long if you mean it`,
    );
  return ms;
}

/** How to trust an HTTPS Alertmanager reached through a port-forward or a load balancer. */
export interface SilenceTls {
  /** CA that signed the Alertmanager's certificate (the platform's web TLS Secret's ca.crt). */
  readonly caFile?: string;
  /** Name the certificate must carry when the URL's host does not (localhost through a port-forward). */
  readonly serverName?: string;
}

export class SilenceClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tls: SilenceTls = {},
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/$/, '')}/api/v2${path}`;
    let res: { status: number; text: string };
    try {
      res = await send(url, method, body === undefined ? undefined : JSON.stringify(body), this.tls);
    } catch (err) {
      throw new Error(explain(url, err as NodeJS.ErrnoException, this.tls), { cause: err });
    }
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${url}: HTTP ${res.status}: ${res.text.trim()}`);
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }

  async add(opts: { matchers: Matcher[]; durationMs: number; comment: string; createdBy: string; now?: Date }): Promise<string> {
    if (opts.matchers.length === 0) throw new Error('a silence needs at least one matcher');
    if (!opts.comment.trim()) throw new Error('a silence needs a comment saying why');
    const start = opts.now ?? new Date();
    const { silenceID } = await this.call<{ silenceID: string }>('POST', '/silences', {
      matchers: opts.matchers,
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + opts.durationMs).toISOString(),
      createdBy: opts.createdBy,
      comment: opts.comment,
    });
    return silenceID;
  }

  async list(): Promise<Silence[]> {
    const all = await this.call<Silence[]>('GET', '/silences');
    return all.sort((a, b) => a.endsAt.localeCompare(b.endsAt) || a.id.localeCompare(b.id));
  }

  async expire(id: string): Promise<void> {
    await this.call('DELETE', `/silence/${encodeURIComponent(id)}`);
  }
}

export function formatMatchers(ms: readonly Matcher[]): string {
  return ms.map((m) => `${m.name}${m.isEqual ? '' : '!'}${m.isRegex ? '~' : '='}${JSON.stringify(m.value)}`).join(', ');
}

function send(url: string, method: string, body: string | undefined, t: SilenceTls): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const options: https.RequestOptions = {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    timeout: 10_000,
    ...(secure
      ? {
          ca: t.caFile ? fs.readFileSync(t.caFile) : undefined,
          servername: t.serverName,
          checkServerIdentity: (host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(t.serverName ?? host, cert),
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(u, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 10 s'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** A failed connection said in terms of what to do about it. */
export function explain(url: string, err: NodeJS.ErrnoException, t: SilenceTls): string {
  const code = err.code ?? '';
  const why = `cannot talk to the Alertmanager at ${url}: ${err.message}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT')
    return `${why}\nIs the port-forward running? kubectl -n monitoring port-forward svc/alertmanager 9093 (or pass --alertmanager URL).`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${why}\nThe certificate does not name ${t.serverName ?? new URL(url).hostname}: pass --server-name with the name it carries (monitoring-web.<namespace>.svc).`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code))
    return `${why}\nThe certificate is not signed by a CA this client trusts: pass --ca-file with the CA of the platform's web TLS Secret${t.caFile ? ` (${t.caFile} is not it)` : ''}.`;
  if (code === 'ECONNRESET' || code === 'EPROTO' || /wrong version number|packet length/i.test(err.message))
    return `${why}\nThe Alertmanager serves HTTPS only: use an https:// URL.`;
  return why;
}
