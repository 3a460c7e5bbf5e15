/**
 * Start a pinned upstream binary on a free loopback port in its own temp dir, wait until it
 * answers its readiness endpoint, and keep its log for failure messages. Used by the tests
 * (test/helpers/proc.ts) and by `make preview`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { toolPath, type ToolName } from './binaries.js';
import { request, type ClientTls } from './https.js';

/** A pinned tool, or a named process run through `command`. */
export type ProcessName = ToolName | 'python';

export interface StartOptions {
  readonly tool: ProcessName;
  /** Arguments, given the chosen port and the process's own temp dir. */
  readonly args: (ctx: { port: number; dir: string }) => string[];
  /** HTTP path that answers 200 once ready; `/-/ready` by default; null: ready once it runs. */
  readonly readyPath?: string | null;
  /** Headers for the readiness request (e.g. basic auth). */
  readonly readyHeaders?: Record<string, string>;
  /** The process serves HTTPS: readiness (and `url`) use it, with this client TLS. */
  readonly tls?: ClientTls;
  readonly timeoutMs?: number;
  /** Reuse a port / a data dir (a restart keeps its address and its data). */
  readonly port?: number;
  readonly dir?: string;
  /** Run this executable instead of the pinned tool (e.g. the SDK's Python). */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Address it listens on (`url`); 127.0.0.1 by default, a pod's own address for the local runner. */
  readonly host?: string;
  /** Readiness check replacing readyPath (e.g. a pod's readinessProbe). */
  readonly ready?: () => Promise<boolean>;
  /** Scheduling priority (nice value), e.g. to stand in for a process on another node. */
  readonly nice?: number;
  /** CPUs to run on (a `taskset` list, e.g. "1"): a role's own share of the machine, as a node's in a cluster. */
  readonly cpus?: string;
}

export interface Running {
  readonly tool: ProcessName;
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  readonly pid: number;
  /** Client TLS for `url` when it serves HTTPS. */
  readonly tls?: ClientTls;
  /** Everything the process printed so far (stdout and stderr). */
  log(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => live.forEach((c) => c.kill('SIGKILL')));

export async function start(opts: StartOptions): Promise<Running> {
  const bin = opts.command ?? toolPath(opts.tool as ToolName);
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`make tools\``);
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `gl-${opts.tool}-`));
  const port = opts.port ?? (await freePort());
  const args = opts.args({ port, dir });
  // taskset sets the affinity and execs the command: the same pid, pinned from its first instruction.
  const [file, argv] = opts.cpus ? ['taskset', ['-c', opts.cpus, bin, ...args]] : [bin, args];
  const child = spawn(file, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  live.add(child);
  if (opts.nice !== undefined && child.pid) {
    try {
      os.setPriority(child.pid, opts.nice);
    } catch (err) {
      console.warn(`${opts.tool}: cannot set nice ${opts.nice} (${(err as Error).message}); measurements may differ`);
    }
  }
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));

  const running: Running = {
    tool: opts.tool,
    port,
    dir,
    url: `${opts.tls ? 'https' : 'http'}://${opts.host ?? '127.0.0.1'}:${port}`,
    pid: child.pid!,
    tls: opts.tls,
    log: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const readyUrl = running.url + (opts.readyPath ?? '/-/ready');
  for (let first = true; ; first = false) {
    if (child.exitCode !== null) {
      throw new Error(`${opts.tool} exited with ${child.exitCode} before it was ready:\n${tail(output)}`);
    }
    if (opts.ready) {
      if (await opts.ready().catch(() => false)) return running;
    } else if (opts.readyPath === null) {
      if (!first) return running;
      await new Promise((r) => setTimeout(r, 300));
      continue;
    } else
      try {
        if (opts.tls) {
          const res = await request(readyUrl, opts.tls, { headers: opts.readyHeaders, timeoutMs: 1000 });
          if (res.status === 200) return running;
        } else {
          const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000), headers: opts.readyHeaders });
          if (res.ok) return running;
        }
      } catch {
        // not listening yet
      }
    if (Date.now() > deadline) {
      await running.stop('SIGKILL');
      throw new Error(`${opts.tool} not ready at ${readyUrl} after ${opts.timeoutMs ?? 30_000} ms:\n${tail(output)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function tail(s: string, lines = 30): string {
  return s.split('\n').slice(-lines).join('\n');
}
