/**
 * Which process opened a loopback connection. Pods here share the loopback interface and their
 * outgoing connections leave from 127.0.0.1, so a source address names no pod; the kernel still
 * knows the socket: /proc/net/tcp maps the client end (address:port) to an inode, and
 * /proc/<pid>/fd shows which process holds it.
 */
import fs from 'node:fs';
import type net from 'node:net';

/** An IPv4 address and port as /proc/net/tcp prints them (address little-endian hex, port hex). */
export function procNetAddress(ip: string, port: number): string {
  const hex = ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .reverse()
    .join('');
  return `${hex}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/** The inode of the socket whose local end is `local` and remote end `remote`, from /proc/net/tcp's text. */
export function socketInode(procNetTcp: string, local: string, remote: string): string | undefined {
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[2] === remote) return f[9];
  }
  return undefined;
}

/** The pid among `pids` holding the client end of a connection a server accepted as `accepted`. */
export function connectionOwner(accepted: net.Socket, pids: readonly number[]): number | undefined {
  if (!accepted.remoteAddress || !accepted.remotePort || !accepted.localAddress || !accepted.localPort) return undefined;
  const client = procNetAddress(accepted.remoteAddress.replace(/^::ffff:/, ''), accepted.remotePort);
  const server = procNetAddress(accepted.localAddress.replace(/^::ffff:/, ''), accepted.localPort);
  const inode = socketInode(fs.readFileSync('/proc/net/tcp', 'utf8'), client, server);
  if (!inode || inode === '0') return undefined;
  const link = `socket:[${inode}]`;
  return pids.find((pid) => {
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === link;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}
