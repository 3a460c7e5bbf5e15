/**
 * Start a pinned upstream binary on a free loopback port in its own temp dir, wait until it
 * answers its readiness endpoint, keep its log for failure messages, and always stop it.
 *
 *   const procs = useProcesses();              // in a describe: stops everything afterAll
 *   const prom = await procs.start({ tool: 'prometheus', args: ({ port, dir }) => [...] });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { toolPath, type ToolName } from '../../tools/binaries.js';

export interface StartOptions {
  readonly tool: ToolName;
  /** Arguments, given the chosen port and the process's own temp dir. */
  readonly args: (ctx: { port: number; dir: string }) => string[];
  /** HTTP path that answers 200 once ready; `/-/ready` by default. */
  readonly readyPath?: string;
  readonly timeoutMs?: number;
}

export interface Running {
  readonly tool: ToolName;
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  readonly pid: number;
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
  const bin = toolPath(opts.tool);
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`make tools\``);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gl-${opts.tool}-`));
  const port = await freePort();
  const child = spawn(bin, opts.args({ port, dir }), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));

  const running: Running = {
    tool: opts.tool,
    port,
    dir,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
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
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${opts.tool} exited with ${child.exitCode} before it was ready:\n${tail(output)}`);
    }
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return running;
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

/** Processes started through this are stopped after the enclosing describe, pass or fail. */
export function useProcesses(): { start: (opts: StartOptions) => Promise<Running> } {
  const started: Running[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
  });
  return {
    start: async (opts) => {
      const p = await start(opts);
      started.push(p);
      return p;
    },
  };
}

function tail(s: string, lines = 30): string {
  return s.split('\n').slice(-lines).join('\n');
}
