/**
 * Real processes in tests: `useProcesses()` in a describe stops everything it started afterAll,
 * pass or fail.
 *
 *   const procs = useProcesses();
 *   const prom = await procs.start({ tool: 'prometheus', args: ({ port, dir }) => [...] });
 */
import { start, type Running, type StartOptions } from '../../tools/proc.js';

export { freePort, start, type Running, type StartOptions } from '../../tools/proc.js';

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
