/** Print the cached path of every pinned tool as JSON (read by the Python test fixtures). */
import { toolBinaries, toolPath, type ToolName } from './binaries.js';

console.log(JSON.stringify(Object.fromEntries(toolBinaries.map((t) => [t.name, toolPath(t.name as ToolName)]))));
