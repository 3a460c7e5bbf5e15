/**
 * The pod network on loopback: every pod gets an address of its own in a /24 of 127.0.0.0/8 (so
 * it listens on its real container ports, as in a cluster), every ClusterIP Service a virtual IP
 * forwarded to its ready pods (what kube-proxy does), and cluster DNS names are resolved to those
 * addresses by rewriting them where configuration names them (binaries cannot be pointed at a DNS
 * server of ours).
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { LocalPod, LocalService } from './discovery.js';
import { membersOf, targetPortOf } from './discovery.js';

const CLUSTER_DOMAIN = 'cluster.local';

/** A free /24 of loopback addresses: pods from .10, service IPs from .200. */
export async function allocateSubnet(): Promise<{ pod(i: number): string; service(i: number): string }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [a, b] = [16 + crypto.randomInt(230), 1 + crypto.randomInt(250)];
    const base = `127.${a}.${b}.`;
    // Taken if anything listens on the first pod address (another runner on this machine).
    if (await canBind(`${base}10`)) return { pod: (i) => `${base}${10 + i}`, service: (i) => `${base}${200 + i}` };
  }
  throw new Error('no free loopback /24 found');
}

function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, host, () => s.close(() => resolve(true)));
  });
}

export interface Resolver {
  /** Every address a name stands for: a pod's, a headless Service's ready pods', a Service's virtual IP. */
  hosts(name: string): string[] | undefined;
  /** `dnssrv+_<port>._tcp.<service>` and `dns+<host>:<port>`: the `ip:port` list Thanos would resolve. */
  endpoints(address: string): string[] | undefined;
  /** Cluster DNS names in `text` replaced by one address each (longest names first). */
  rewrite(text: string): string;
}

/**
 * Cluster DNS as CoreDNS answers it for these pods and Services, in every form a client in
 * namespace `from` may use (short names resolve through the pod's search path).
 */
export function clusterDns(
  pods: readonly LocalPod[],
  services: readonly (LocalService & { clusterIP: string })[],
  from: string,
  running: (pod: LocalPod) => boolean = () => true,
  /** Names outside the cluster domain (another cluster's load balancer) and their addresses. */
  external: Readonly<Record<string, readonly string[]>> = {},
): Resolver {
  const names = new Map<string, () => string[]>();
  for (const [n, ips] of Object.entries(external)) names.set(n, () => [...ips]);
  const forms = (first: string, ns: string) => {
    const fqdn = `${first}.${ns}.svc.${CLUSTER_DOMAIN}`;
    return [fqdn, `${first}.${ns}.svc`, `${first}.${ns}`, ...(ns === from ? [first] : [])];
  };
  const members = (svc: LocalService) => membersOf(svc, pods);
  for (const svc of services) {
    const headless = svc.clusterIP === 'None';
    for (const n of forms(svc.name, svc.namespace))
      names.set(n, () =>
        headless
          ? members(svc)
              .filter(running)
              .map((p) => p.ip)
          : [svc.clusterIP],
      );
    // StatefulSet pods: <hostname>.<service>.<namespace>.svc
    for (const p of members(svc).filter((m) => m.hostname))
      for (const n of forms(`${p.hostname}.${svc.name}`, svc.namespace)) names.set(n, () => [p.ip]);
  }
  const hosts = (name: string) => names.get(name.replace(/\.$/, ''))?.();
  const serviceOf = (name: string) => services.find((s) => forms(s.name, s.namespace).includes(name.replace(/\.$/, '')));
  // In free text only dotted names: a bare service name ("prometheus") is also a path segment.
  const sorted = [...names.keys()].filter((n) => n.includes('.')).sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    `(?<![\\w.-])(${sorted.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\w-]|\\.[\\w-])`,
    'g',
  );
  return {
    hosts,
    endpoints(address) {
      const srv = /^dnssrv\+_([^.]+)\._tcp\.(.+)$/.exec(address);
      if (srv) {
        const svc = serviceOf(srv[2]!);
        const sp = svc?.ports.find((p) => p.name === srv[1]);
        if (!svc || !sp) return undefined;
        // SRV of a ClusterIP Service: its virtual IP and port; of a headless one: each pod's.
        if (svc.clusterIP !== 'None') return [`${svc.clusterIP}:${sp.port}`];
        return members(svc)
          .filter(running)
          .flatMap((p) => {
            const port = targetPortOf(sp, p);
            return port === undefined ? [] : [`${p.ip}:${port}`];
          });
      }
      const a = /^dns\+(.+):(\d+)$/.exec(address);
      if (a) return hosts(a[1]!)?.map((ip) => `${ip}:${a[2]}`);
      return undefined;
    },
    rewrite: (text) =>
      sorted.length === 0
        ? text
        : text.replace(pattern, (n) => {
            const ips = hosts(n);
            return ips?.[0] ?? n;
          }),
  };
}

/** Where one accepted connection goes: a backend, optionally dialled from a given local address; none drops it. */
type Route = { host: string; port: number; localAddress?: string } | undefined;

/** TCP forwarding on `host`: each listener port routes every connection it accepts (the client waits while an async route decides). */
export async function forwardPorts(
  host: string,
  listeners: readonly { port: number; route: (client: net.Socket) => Route | Promise<Route> }[],
): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const servers = await Promise.all(
    listeners.map(
      (l) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer(async (client) => {
            client.pause();
            client.on('error', () => client.destroy());
            const to = await l.route(client);
            if (!to || client.destroyed) {
              client.destroy();
              return;
            }
            const upstream = net.connect(to);
            for (const s of [client, upstream]) {
              sockets.add(s);
              s.once('close', () => sockets.delete(s));
            }
            client.pipe(upstream).pipe(client);
            client.resume();
            const drop = () => (client.destroy(), upstream.destroy());
            client.on('error', drop);
            upstream.on('error', drop);
          });
          server.once('error', reject);
          server.listen(l.port, host, () => resolve(server));
        }),
    ),
  );
  return {
    close: () => (
      sockets.forEach((s) => s.destroy()),
      Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined)
    ),
  };
}

/** The ready pods behind a Service port, as host:port. */
export function readyBackends(
  svc: LocalService,
  sp: LocalService['ports'][number],
  pods: readonly LocalPod[],
  running: (pod: LocalPod) => boolean,
): { pod: LocalPod; host: string; port: number }[] {
  return membersOf(svc, pods)
    .filter(running)
    .flatMap((p) => {
      const port = targetPortOf(sp, p);
      return port === undefined ? [] : [{ pod: p, host: p.ip, port }];
    });
}

/** kube-proxy for one Service: each port on its virtual IP forwards to a ready pod, chosen at random. */
export function proxyService(
  svc: LocalService & { clusterIP: string },
  pods: readonly LocalPod[],
  running: (pod: LocalPod) => boolean,
): Promise<{ close(): Promise<void> }> {
  return forwardPorts(
    svc.clusterIP,
    svc.ports.map((sp) => ({
      port: sp.port,
      route: () => {
        const ready = readyBackends(svc, sp, pods, running);
        return ready[crypto.randomInt(Math.max(ready.length, 1))];
      },
    })),
  );
}
