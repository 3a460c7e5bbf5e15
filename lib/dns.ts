/** In-cluster DNS names. */
import type { EnvConfig } from '../envs/schema.js';

/** The cluster DNS name of a Service in the platform's namespace. */
export function svcHost(env: EnvConfig, service: string): string {
  return `${service}.${env.namespace}.svc.cluster.local`;
}
