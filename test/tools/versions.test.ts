/**
 * What is tested is what is deployed: each test binary is built from the upstream module at
 * the version envs/versions.ts pins for the image, and says so when run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pinOf, versions } from '../../envs/versions.js';
import { parse } from 'yaml';
import { goModuleDir, goModuleOf, OMITTED_TAGS, toolBinaries, toolPath, type ToolName } from '../../tools/binaries.js';
import { repoRoot } from '../../lib/paths.js';
import { requiredVersion } from '../../tools/build.js';
import { runTool } from '../helpers/bin.js';
import { freePort, useProcesses } from '../helpers/proc.js';

describe.each(toolBinaries.map((t) => ({ ...t, label: t.name })))('$label', (spec) => {
  const mod = goModuleOf(spec);
  const tag = pinOf(spec.component).tag;
  const bin = toolPath(spec.name as ToolName);

  it(`tools/${spec.moduleDir}/go.mod requires the pinned upstream module`, () => {
    const goMod = fs.readFileSync(path.join(repoRoot, 'tools', spec.moduleDir, 'go.mod'), 'utf8');
    expect(requiredVersion(goMod, mod.path)).toBe(mod.version);
  });

  it('was compiled from that module version (go build info)', () => {
    const info = execFileSync('go', ['version', '-m', bin], { encoding: 'utf8' });
    expect(info).toMatch(new RegExp(`\\n\\s+(?:mod|dep)\\s+${mod.path.replace(/\./g, '\\.')}\\s+${mod.version.replace(/\./g, '\\.')}\\s`));
  });

  it('reports the pinned version', () => {
    const { out } = runTool(spec.name as ToolName, [...(spec.versionArgs ?? ['--version'])]); // some print it on stderr
    // Prometheus projects: "version 3.14.0 (...)"; Kubernetes: "Kubernetes v1.36.5"; etcd: "etcd Version: 3.6.17".
    const expected = {
      prometheus: `version ${tag.replace(/^v/, '')} `,
      kubernetes: `Kubernetes ${tag}\n`,
      none: `Version: ${tag.replace(/^v/, '')}\n`,
      opentofu: `OpenTofu ${tag}\n`, // not `-dev`: the release stamp took
    }[spec.stamp ?? 'prometheus'];
    expect(out).toContain(expected);
  });

  if (spec.promu === false) {
    it('is built without build tags, as upstream builds it (no .promu.yml)', () => {
      expect(spec.tags).toEqual([]);
      expect(execFileSync('go', ['version', '-m', bin], { encoding: 'utf8' })).not.toMatch(/\n\s+build\s+-tags=\S/);
    });
  } else {
    it("is built with upstream's release build tags (.promu.yml), minus the documented omissions", () => {
      const dir = goModuleDir(mod);
      const promu = parse(fs.readFileSync(path.join(dir, '.promu.yml'), 'utf8')) as { build?: { tags?: { all?: string[] } } };
      const upstream = promu.build?.tags?.all ?? [];
      expect([...spec.tags].sort()).toEqual(upstream.filter((t) => !(t in OMITTED_TAGS)).sort());
      const info = execFileSync('go', ['version', '-m', bin], { encoding: 'utf8' });
      if (spec.tags.length) expect(info).toMatch(new RegExp(`\\n\\s+build\\s+-tags=${spec.tags.join(',')}\\n`));
    });
  }
});

describe('the servers start, get ready and report their pinned version over HTTP', () => {
  const procs = useProcesses();

  it('prometheus', async () => {
    const p = await procs.start({
      tool: 'prometheus',
      args: ({ port, dir }) => {
        fs.writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
        return ['--config.file=prometheus.yml', `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`];
      },
    });
    const body = (await (await fetch(`${p.url}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
    expect(body.data.version).toBe(versions.prometheus.tag.replace(/^v/, ''));
  });

  it('alertmanager', async () => {
    const p = await procs.start({
      tool: 'alertmanager',
      args: ({ port, dir }) => {
        fs.writeFileSync(path.join(dir, 'am.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
        return [
          '--config.file=am.yml',
          `--storage.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
        ];
      },
    });
    const body = (await (await fetch(`${p.url}/api/v2/status`)).json()) as { versionInfo: { version: string } };
    expect(body.versionInfo.version).toBe(versions.alertmanager.tag.replace(/^v/, ''));
  });

  it('pushgateway', async () => {
    const p = await procs.start({ tool: 'pushgateway', args: ({ port }) => [`--web.listen-address=127.0.0.1:${port}`] });
    const body = (await (await fetch(`${p.url}/api/v1/status`)).json()) as { data: { build_information: { version: string } } };
    expect(body.data.build_information.version).toBe(versions.pushgateway.tag.replace(/^v/, ''));
  });

  it('node_exporter', async () => {
    const p = await procs.start({
      tool: 'node_exporter',
      readyPath: '/metrics',
      args: ({ port }) => [`--web.listen-address=127.0.0.1:${port}`],
    });
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`node_exporter_build_info\\{[^}]*version="${versions.nodeExporter.tag.replace(/^v/, '').replace(/\./g, '\\.')}"`),
    );
  });

  it('thanos', async () => {
    const grpc = await freePort();
    const p = await procs.start({
      tool: 'thanos',
      args: ({ port }) => ['query', `--http-address=127.0.0.1:${port}`, `--grpc-address=127.0.0.1:${grpc}`],
    });
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`thanos_build_info\\{[^}]*version="${versions.thanos.tag.replace(/^v/, '').replace(/\./g, '\\.')}"`),
    );
  });
});
