/**
 * Static exposition for load tests (avalanche is not obtainable here): `targets` endpoints of
 * `series` gauges each, rendered once into buffers and served as-is, so the server costs little
 * CPU next to the Prometheus it feeds.
 *
 *   node --import tsx bench/load/exposition-server.ts <port> <targets> <seriesPerTarget>
 */
import http from 'node:http';

const [port, targets, series] = process.argv.slice(2).map(Number) as [number, number, number];
const bodies: Buffer[] = [];
for (let t = 0; t < targets; t++) {
  const lines = ['# HELP bench_series Synthetic load series.', '# TYPE bench_series gauge'];
  for (let s = 0; s < series; s++) lines.push(`bench_series{target="t${t}",series="s${s}",shard="${s % 16}"} ${(s * 7919) % 1000}`);
  bodies.push(Buffer.from(lines.join('\n') + '\n'));
}
http
  .createServer((req, res) => {
    const m = /^\/t\/(\d+)$/.exec(req.url ?? '');
    const body = m ? bodies[Number(m[1])] : undefined;
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length });
    res.end(body);
  })
  .listen(port, '127.0.0.1', () => console.log(`serving ${targets} x ${series} series on ${port}`));
