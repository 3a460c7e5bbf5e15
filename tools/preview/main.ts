/**
 * `make preview`: the rendered dev environment running locally until Ctrl-C.
 *   node --import tsx tools/preview/main.ts [--env dev] [--cluster NAME]
 */
import { parseArgs } from 'node:util';
import { startStack } from './stack.js';

const { values } = parseArgs({ options: { env: { type: 'string', default: 'dev' }, cluster: { type: 'string' } } });
const t0 = Date.now();
const stack = await startStack({
  env: values.env,
  cluster: values.cluster,
  keepWork: true,
  progress: (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] starting ${line}`),
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping ${stack.all().length} processes...`);
  await stack.stop();
  console.log('stopped; work dir kept at', stack.work);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

console.log(`
GreenLang monitoring preview: ${stack.env.name} / ${stack.cluster} (${stack.all().length} processes, ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)

  Thanos query UI         ${stack.query.url}
  Thanos query-frontend   ${stack.frontend?.url ?? '-'}
  Alertmanager UI         ${stack.ams.map((a) => a.url).join('  ')}
  Prometheus              ${stack.proms.map((p) => p.url).join('  ')}
  PushGateway (basic auth ${stack.pushAuth.username} / password in ${stack.pushAuth.passwordFile})
                          ${stack.pgs.map((p) => p.url).join('  ')}
  Notifications (sink)    ${stack.sink.url}
  TLS                     CA ${stack.certDir}/ca.crt; the query API wants the client certificate
                          ${stack.certDir}/tls.crt + tls.key; names: ${stack.tls.web.serverName}
  e.g. curl --cacert ${stack.certDir}/ca.crt --cert ${stack.certDir}/tls.crt --key ${stack.certDir}/tls.key \\
         --connect-to ${stack.tls.web.serverName}:443:${stack.frontend?.url.replace('https://', '') ?? ''} 'https://${stack.tls.web.serverName}/api/v1/query?query=up'
  Bucket                  ${stack.bucket}

Monitors that need a cluster (not scraped here):
${stack.skippedMonitors.map((s) => `  - ${s}`).join('\n')}

Ctrl-C stops every process.`);
