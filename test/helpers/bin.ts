/** Run a pinned tool synchronously and capture everything it printed. */
import { spawnSync } from 'node:child_process';
import { toolPath, type ToolName } from '../../tools/binaries.js';

export function runTool(tool: ToolName, args: readonly string[], input?: string): { code: number; out: string } {
  const r = spawnSync(toolPath(tool), args, { encoding: 'utf8', input });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
