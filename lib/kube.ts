/**
 * A small Kubernetes REST client for what the platform's checks need: discovery, server-side
 * apply (optionally a strict dry run), get, list, create. Used by the control-plane test tier
 * against a local API server and by `npm run verify -- --dry-run-server` against a live one, so
 * both speak to the API server the same way. API warnings (deprecations, Pod Security) are
 * returned, never dropped.
 */
import https from 'node:https';
import type { Manifest } from './synth.js';

export interface KubeConnection {
  /** e.g. https://127.0.0.1:6443 */
  readonly server: string;
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** e.g. a bearer token from a kubeconfig. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Skip server certificate verification (only when a kubeconfig says so). */
  readonly insecure?: boolean;
}

export interface KubeResponse<T = any> {
  readonly status: number;
  readonly body: T;
  /** Text of each `Warning` header (RFC 7234 form `299 - "text"` unwrapped). */
  readonly warnings: readonly string[];
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

interface Resource {
  readonly name: string;
  readonly namespaced: boolean;
}

export interface ApplyOptions {
  readonly fieldManager: string;
  /** Validate and admit only; nothing is stored. */
  readonly dryRun?: boolean;
  /** Reject unknown and duplicate fields instead of dropping them. */
  readonly strict?: boolean;
  readonly force?: boolean;
}

export class KubeClient {
  private readonly resources = new Map<string, Resource | undefined>();

  constructor(readonly conn: KubeConnection) {}

  request<T = any>(method: string, path: string, opts: { body?: unknown; contentType?: string } = {}): Promise<KubeResponse<T>> {
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.conn.server),
        {
          method,
          ca: this.conn.ca,
          cert: this.conn.cert,
          key: this.conn.key,
          rejectUnauthorized: !this.conn.insecure,
          agent: false,
          timeout: 30_000,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
            ...this.conn.headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            const warnings: string[] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              if (res.rawHeaders[i]!.toLowerCase() === 'warning') warnings.push(res.rawHeaders[i + 1]!.replace(/^\d{3} \S+ "(.*)"$/, '$1'));
            }
            let body: any = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON (e.g. /readyz): keep the text
            }
            resolve({ status: res.statusCode ?? 0, body, warnings });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like request, but a non-2xx answer throws a KubeError carrying the API server's message. */
  async call<T = any>(method: string, path: string, opts: { body?: unknown; contentType?: string } = {}): Promise<KubeResponse<T>> {
    const res = await this.request<T>(method, path, opts);
    if (res.status < 200 || res.status > 299) {
      const b = res.body as { message?: string; reason?: string } | string | undefined;
      const message = typeof b === 'object' && b?.message ? b.message : String(b ?? '');
      throw new KubeError(res.status, typeof b === 'object' ? (b?.reason ?? '') : '', `${method} ${path}: ${res.status} ${message}`);
    }
    return res;
  }

  /** The REST resource serving apiVersion/kind (discovery; asked again after a miss, as CRDs arrive). */
  async resource(apiVersion: string, kind: string): Promise<Resource> {
    const key = `${apiVersion}/${kind}`;
    if (!this.resources.get(key)) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const res = await this.request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>('GET', base);
      const r = res.status === 200 ? res.body.resources?.find((x) => x.kind === kind && !x.name.includes('/')) : undefined;
      this.resources.set(key, r && { name: r.name, namespaced: r.namespaced });
    }
    const found = this.resources.get(key);
    if (!found) throw new KubeError(404, 'NotFound', `the server has no resource for ${apiVersion} ${kind} (is its CRD installed?)`);
    return found;
  }

  /** Collection path of a kind, in a namespace when it is namespaced. */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (r.namespaced && namespace) return `${base}/namespaces/${namespace}/${r.name}`;
    return `${base}/${r.name}`;
  }

  async objectPath(m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): Promise<string> {
    const r = await this.resource(m.apiVersion, m.kind);
    if (r.namespaced && !m.metadata.namespace)
      throw new KubeError(400, 'Invalid', `${m.kind}/${m.metadata.name} is namespaced but has no namespace`);
    return `${await this.collectionPath(m.apiVersion, m.kind, r.namespaced ? m.metadata.namespace : undefined)}/${m.metadata.name}`;
  }

  /** Server-side apply of one object; with `dryRun` and `strict`, the strictest check the API server offers. */
  async apply(m: Manifest, opts: ApplyOptions): Promise<KubeResponse> {
    const q = new URLSearchParams({ fieldManager: opts.fieldManager });
    if (opts.force ?? true) q.set('force', 'true');
    if (opts.dryRun) q.set('dryRun', 'All');
    if (opts.strict) q.set('fieldValidation', 'Strict');
    return this.call('PATCH', `${await this.objectPath(m)}?${q}`, { body: m, contentType: 'application/apply-patch+yaml' });
  }

  /** The object, or undefined when it does not exist. */
  async get<T = any>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
    const res = await this.request<T>('GET', `${await this.collectionPath(apiVersion, kind, namespace)}/${name}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw new KubeError(res.status, '', `GET ${kind} ${namespace ?? ''}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async list<T = any>(apiVersion: string, kind: string, namespace?: string): Promise<T[]> {
    const res = await this.call<{ items: T[] }>('GET', await this.collectionPath(apiVersion, kind, namespace));
    return res.body.items;
  }
}
