/**
 * terraform/ run through the real OpenTofu at the pinned version (tools/opentofu): its formatting
 * is canonical, and the workspace guard refuses a plan in any workspace but the environment's.
 * The guard needs only the built-in provider, so it is planned for real here; the modules that
 * need the AWS provider cannot be initialised without the Terraform registry (see README).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { envFiles, resolveAll } from '../../envs/index.js';
import { repoRoot } from '../../lib/paths.js';
import { toolPath } from '../../tools/binaries.js';
import { parseDir } from '../helpers/terraform.js';

const tofu = toolPath('tofu');
const terraformDir = path.join(repoRoot, 'terraform');

/** One tofu command in `cwd`, offline and without prompts; status and output. */
function run(cwd: string, ...args: string[]) {
  const r = spawnSync(tofu, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' },
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gl-tofu-'));

describe('formatting', () => {
  it('every .tf and .tfvars file under terraform/ is as `fmt` writes it', () => {
    const r = run(repoRoot, 'fmt', '-check', '-recursive', '-diff', terraformDir);
    expect({ status: r.status, out: r.out }).toEqual({ status: 0, out: '' });
  });

  it('the check fails on a file that is not (it can fail)', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'main.tf'), 'variable "a" {\n  type = string\n  default    = "x"\n}\n');
    const r = run(dir, 'fmt', '-check', '-diff', dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('main.tf');
  });
});

describe('workspace guard (terraform/modules/workspace-guard), planned by OpenTofu', () => {
  let dir: string;
  beforeAll(() => {
    // A root that calls the guard as terraform/envs does, with the local backend.
    dir = tmp();
    const source = path.join(terraformDir, 'modules', 'workspace-guard');
    fs.writeFileSync(
      path.join(dir, 'main.tf'),
      `variable "environment" {\n  type = string\n}\n\nmodule "workspace_guard" {\n  source      = "${source}"\n  environment = var.environment\n}\n`,
    );
    const init = run(dir, 'init', '-input=false', '-no-color');
    expect({ status: init.status, out: init.out }).toEqual({ status: 0, out: expect.stringContaining('initialized') });
    expect(run(dir, 'workspace', 'new', '-no-color', 'dev').status).toBe(0);
  });
  const plan = (environment: string) => run(dir, 'plan', '-input=false', '-no-color', '-lock=false', `-var=environment=${environment}`);

  it('plans the environment of its own workspace', () => {
    const r = plan('dev');
    expect({ status: r.status, out: r.out }).toEqual({ status: 0, out: expect.stringContaining('1 to add') });
  });

  it("refuses another environment's tfvars, naming both and the command that fixes it", () => {
    const r = plan('prod');
    expect(r.status).toBe(1);
    expect(r.out.replace(/\s+/g, ' ')).toContain(
      'Workspace "dev" cannot apply environment "prod": run `terraform workspace select -or-create prod` first',
    );
  });

  it('refuses the default workspace, which belongs to no environment', () => {
    expect(run(dir, 'workspace', 'select', '-no-color', 'default').status).toBe(0);
    const r = plan('dev');
    expect(r.status).toBe(1);
    expect(r.out.replace(/\s+/g, ' ')).toContain('Workspace "default" cannot apply environment "dev"');
    expect(run(dir, 'workspace', 'select', '-no-color', 'dev').status).toBe(0);
  });
});

describe('terraform/envs', () => {
  it('calls the guard with the environment of the tfvars', async () => {
    const root = await parseDir(path.join(terraformDir, 'envs'));
    expect(root.module.workspace_guard[0]).toEqual({ source: '../modules/workspace-guard', environment: '${var.environment}' });
  });

  it.each(resolveAll(envFiles).map((env) => ({ env, label: env.name })))(
    "$label: a state backend in the environment's own account, locked, encrypted",
    async ({ env }) => {
      const file = `${env.name}.s3.tfbackend`;
      const backend = await parse(file, fs.readFileSync(path.join(terraformDir, 'envs', file), 'utf8'));
      const [account] = new Set(env.clusters.map((c) => c.awsAccountId));
      expect(backend).toEqual({
        bucket: `greenlang-terraform-state-${account}`,
        key: 'prometheus-platform/terraform.tfstate',
        region: env.clusters[0]!.region,
        encrypt: true,
        use_lockfile: true,
      });
    },
  );
});
