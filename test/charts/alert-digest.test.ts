/** The weekly digest CronJob: once per environment, running the script in this repo against a rendered query service. */
import fs from 'node:fs';
import path from 'node:path';
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { repoRoot } from '../../lib/paths.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const script = fs.readFileSync(path.join(repoRoot, 'sdk/python/greenlang/monitoring/alert_digest.py'), 'utf8');

describe.each(envs.map((env) => ({ env, label: env.name })))('alert digest in $label', ({ env }) => {
  const jobs = all.filter(
    (m) => m.file.startsWith(`${env.name}/`) && m.manifest.kind === 'CronJob' && m.manifest.metadata.name === 'alert-digest',
  );

  it('runs exactly once per environment, weekly, never overlapping', () => {
    expect(jobs).toHaveLength(1);
    const spec = (jobs[0]!.manifest as any).spec;
    expect(spec.schedule).toBe(env.alertmanager.digest.schedule);
    expect(spec.concurrencyPolicy).toBe('Forbid');
  });

  it('mounts the script from this repo unchanged and queries a rendered service that sees every cluster', () => {
    const cluster = jobs[0]!.file.split('/')[1];
    const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster}/`)).map((m) => m.manifest as any);
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'alert-digest-script');
    expect(cm.data['alert_digest.py']).toBe(script);
    const pod = (jobs[0]!.manifest as any).spec.jobTemplate.spec.template.spec;
    const envVars = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    const url = new URL(envVars.DIGEST_QUERY_URL);
    const svc = ms.find((m) => m.kind === 'Service' && `${m.metadata.name}.${m.metadata.namespace}.svc.cluster.local` === url.hostname);
    expect(svc).toBeDefined();
    expect(svc.metadata.name).toBe(env.thanos.global ? 'thanos-query-global' : 'thanos-query-frontend');
    expect(envVars.SMTP_TO).toBe(env.alertmanager.digest.to.join(','));
    const secretVolume = pod.volumes.find((v: any) => v.secret);
    expect(secretVolume.secret).toEqual({
      secretName: env.alertmanager.credentialsSecret,
      items: [{ key: 'smtp-password', path: 'smtp-password' }],
    });
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
    });
  });
});
