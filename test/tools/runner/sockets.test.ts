import { spawn } from 'node:child_process';
import net from 'node:net';
import { connectionOwner, procNetAddress, socketInode } from '../../../tools/runner/sockets.js';

describe('connection owners', () => {
  it('writes addresses the way /proc/net/tcp does', () => {
    expect(procNetAddress('127.0.0.1', 8080)).toBe('0100007F:1F90');
    expect(procNetAddress('10.40.0.12', 10901)).toBe('0C00280A:2A95');
  });

  it('finds the inode of a connection in /proc/net/tcp text', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:9C40 0200007F:2A95 01 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect(socketInode(text, '0100007F:9C40', '0200007F:2A95')).toBe('424242');
    expect(socketInode(text, '0100007F:9C41', '0200007F:2A95')).toBeUndefined();
  });

  it('names the process that opened a connection, and no other', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = spawn(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1'); setTimeout(() => {}, 10000)`]);
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      const socket = await accepted;
      expect(connectionOwner(socket, [idle.pid!, client.pid!])).toBe(client.pid);
      expect(connectionOwner(socket, [idle.pid!])).toBeUndefined();
      socket.destroy();
    } finally {
      client.kill();
      idle.kill();
      server.close();
    }
  });
});
