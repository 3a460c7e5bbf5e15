/**
 * A typed client for the Alertmanager v2 silence API (FR-3.5). Used by `npm run silence`.
 */

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

/** `alertname="Foo"`, `env!=dev`, `job=~"api.*"`: the same matcher syntax as amtool and Alertmanager. */
export function parseMatcher(text: string): Matcher {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) throw new Error(`matcher "${text}" is not of the form name=value, name!=value, name=~regex or name!~regex`);
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  const value = /^".*"$/.test(raw) ? (JSON.parse(raw) as string) : raw;
  if (value === '' && (op === '=' || op === '=~'))
    throw new Error(`matcher "${text}" would match every alert lacking ${name}; give a value`);
  return { name, value, isRegex: op.includes('~'), isEqual: !op.startsWith('!') };
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/** `2h`, `1d12h`, `30m` to milliseconds. */
export function parseSilenceDuration(d: string): number {
  const m = DURATION.exec(d);
  const ms = m && d !== '' ? ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 : 0;
  if (ms <= 0) throw new Error(`duration "${d}" is not a positive duration such as 30m, 2h or 1d`);
  return ms;
}

export class SilenceClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/v2${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.trim()}`);
    return (text ? JSON.parse(text) : undefined) as T;
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
