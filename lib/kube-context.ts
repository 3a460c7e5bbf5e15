/**
 * A KubeClient for a context of the user's kubeconfig (KUBECONFIG or ~/.kube/config), with the
 * mistakes people make answered in one line: an unknown context names the ones that exist.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from './kube.js';

export class KubeContextError extends Error {}

export async function kubeClientFor(context: string): Promise<KubeClient> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(context)) {
    throw new KubeContextError(`no kube context "${context}" in the kubeconfig (contexts: ${names.join(', ') || 'none'})`);
  }
  kc.setCurrentContext(context);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new KubeContextError(`kube context "${context}" has no cluster server`);
  const opts: {
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
    headers?: Record<string, string>;
    rejectUnauthorized?: boolean;
  } = {};
  await kc.applyToHTTPSOptions(opts as never);
  return new KubeClient({
    server,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    headers: opts.headers,
    insecure: opts.rejectUnauthorized === false,
  });
}

/** One line for a failed request: what was tried and why it failed (refused, TLS, DNS, timeout). */
export function unreachable(context: string, server: string, err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `cannot reach the API server of kube context "${context}" (${server}): ${e.code ?? ''}${e.code ? ' ' : ''}${e.message ?? String(err)}`.replace(
    /\s+/g,
    ' ',
  );
}
