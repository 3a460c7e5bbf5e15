/** GET a JSON API of a running process: over HTTPS with its client TLS when it serves HTTPS. */
import { getJson } from '../../tools/https.js';
import type { Running } from '../../tools/proc.js';

export async function json(p: Running, pathAndQuery: string): Promise<any> {
  return p.tls ? getJson(`${p.url}${pathAndQuery}`, p.tls) : (await fetch(`${p.url}${pathAndQuery}`)).json();
}
