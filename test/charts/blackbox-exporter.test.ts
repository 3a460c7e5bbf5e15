/**
 * The real blackbox exporter (pinned version) on the config and web config rendered for dev,
 * with only the mount paths pointed at a throwaway CA's files: it serves HTTPS, and its probe
 * module succeeds against an HTTPS endpoint carrying the platform's name, and fails against a
 * plain-HTTP one and against a certificate of another CA.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HTTPS_MODULE, probeTargets } from '../../charts/blackbox-exporter.js';
import { synthesize } from '../../charts/index.js';
import { planCluster } from '../../charts/plan.js';
import { envFiles, resolveAll } from '../../envs/index.js';
import { WEB_TLS_MOUNT, webServerName } from '../../lib/web-tls.js';
import { request } from '../../tools/https.js';
import { makeCerts } from '../helpers/certs.js';
import { useProcesses, type Running } from '../helpers/proc.js';
import { manifestsOf, tempDir } from '../helpers/tree.js';
import { BLACKBOX } from '../../charts/workloads.js';

const dev = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const rendered = manifestsOf(await synthesize([dev])).filter((m) => m.file.includes('/blackbox-exporter/'));
const cm = rendered.find((m) => m.manifest.kind === 'ConfigMap')!.manifest as any;
const deployment = rendered.find((m) => m.manifest.kind === 'Deployment')!.manifest as any;
const probe = rendered.find((m) => m.manifest.kind === 'Probe')!.manifest as any;

describe('blackbox exporter on the rendered config', () => {
  const procs = useProcesses();
  const certs = makeCerts([webServerName(dev.namespace), 'localhost']);
  const tls = { certDir: certs, serverName: webServerName(dev.namespace), clientCert: true };
  let bb: Running;

  beforeAll(async () => {
    const dir = tempDir('blackbox');
    const configDir = deployment.spec.template.spec.containers[0].volumeMounts.find((v: any) => v.name === 'config').mountPath;
    // The only rewrite: where the mounted files are.
    for (const [file, text] of Object.entries(cm.data as Record<string, string>))
      fs.writeFileSync(path.join(dir, file), text.replaceAll(WEB_TLS_MOUNT, certs));
    const args: string[] = deployment.spec.template.spec.containers[0].args.map((a: string) => a.replaceAll(configDir, dir));
    bb = await procs.start({
      tool: 'blackbox_exporter',
      tls,
      args: ({ port }) => [...args.filter((a) => !a.startsWith('--web.listen-address=')), `--web.listen-address=127.0.0.1:${port}`],
    });
  });

  const probeOf = async (target: string) => {
    const r = await request(`${bb.url}/probe?module=${HTTPS_MODULE}&target=${encodeURIComponent(target)}`, tls);
    expect(r.status).toBe(200);
    return r.body;
  };

  it('serves HTTPS only', async () => {
    expect(bb.url).toMatch(/^https:/);
    // Go's TLS server answers a plain-HTTP request with 400 ("client sent an HTTP request to an HTTPS server").
    expect((await fetch(bb.url.replace('https:', 'http:') + '/-/ready')).status).toBe(400);
  });

  it('succeeds against an HTTPS endpoint with the platform name (itself), and reports the certificate expiry', async () => {
    const body = await probeOf(`${bb.url}/-/ready`);
    expect(body).toMatch(/^probe_success 1$/m);
    expect(body).toMatch(/^probe_ssl_earliest_cert_expiry \d/m);
  });

  it('fails against plain HTTP (fail_if_not_ssl)', async () => {
    const server = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const body = await probeOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(body).toMatch(/^probe_success 0$/m);
    } finally {
      server.close();
    }
  });

  it('fails against a certificate of another CA', async () => {
    const other = makeCerts([webServerName(dev.namespace)]);
    const foreign = await procs.start({
      tool: 'blackbox_exporter',
      tls: { ...tls, certDir: other },
      args: ({ port, dir }) => {
        fs.writeFileSync(path.join(dir, 'web.yml'), cm.data['web-config.yml'].replaceAll(WEB_TLS_MOUNT, other));
        fs.writeFileSync(path.join(dir, 'bb.yml'), 'modules: {}\n');
        return ['--config.file=bb.yml', '--web.config.file=web.yml', `--web.listen-address=127.0.0.1:${port}`];
      },
    });
    expect(await probeOf(`${foreign.url}/-/ready`)).toMatch(/^probe_success 0$/m);
  });

  it("the Probe sends Prometheus to the blackbox Service over HTTPS, for each running component's Service", () => {
    expect(probe.spec.prober).toEqual({ url: `${BLACKBOX.name}.${dev.namespace}.svc.cluster.local:9115`, scheme: 'https' });
    expect(probe.spec.module).toBe(HTTPS_MODULE);
    const plan = planCluster(dev, dev.clusters[0]!);
    expect(probe.spec.targets.staticConfig.static).toEqual(probeTargets({ env: dev, cluster: dev.clusters[0]!, plan }));
    expect(probe.spec.targets.staticConfig.static).toHaveLength(3);
  });
});
