/**
 * An internal network load balancer for a `type: LoadBalancer` Service, between clusters (what
 * the AWS Load Balancer Controller provisions for dist's annotations): it listens on an address
 * of its own, targets the Service's ready pods by IP, and forwards a connection only when `admit`
 * lets it through, knowing who the client is (preserve_client_ip: the test names the client's
 * pod from its socket). `admit` is where a test applies the clusters' NetworkPolicies; every
 * decision is kept for the test to read.
 */
import crypto from 'node:crypto';
import type net from 'node:net';
import type { LocalPod, LocalService } from './discovery.js';
import { forwardPorts, readyBackends } from './network.js';

export interface Admission {
  /** The client's address:port (on loopback always 127.0.0.1; tools/runner/sockets.ts names its process). */
  readonly client: string;
  readonly connection: net.Socket;
  readonly listenerPort: number;
  readonly target: LocalPod;
  readonly targetPort: number;
}

export interface Decision extends Admission {
  readonly allowed: boolean;
  readonly why: string;
}

export interface LoadBalancer {
  readonly address: string;
  readonly decisions: readonly Decision[];
  close(): Promise<void>;
}

export async function startLoadBalancer(o: {
  service: LocalService;
  pods: readonly LocalPod[];
  running: (pod: LocalPod) => boolean;
  address: string;
  /** May wait (e.g. until the client cluster's pods are known); the client's connection waits with it. */
  admit: (a: Admission) => { allowed: boolean; why: string } | Promise<{ allowed: boolean; why: string }>;
}): Promise<LoadBalancer> {
  if (o.service.ports.length === 0) throw new Error(`Service ${o.service.name} has no ports`);
  const decisions: Decision[] = [];
  const forwarder = await forwardPorts(
    o.address,
    o.service.ports.map((sp) => ({
      port: sp.port,
      route: async (client) => {
        const ready = readyBackends(o.service, sp, o.pods, o.running);
        const to = ready[crypto.randomInt(Math.max(ready.length, 1))];
        if (!to) return undefined;
        const a: Admission = {
          client: `${client.remoteAddress}:${client.remotePort}`,
          connection: client,
          listenerPort: sp.port,
          target: to.pod,
          targetPort: to.port,
        };
        const verdict = await o.admit(a);
        decisions.push({ ...a, ...verdict });
        return verdict.allowed ? { host: to.host, port: to.port } : undefined;
      },
    })),
  );
  return { address: o.address, decisions, close: () => forwarder.close() };
}
