/** The rendered PushGateway: independent replicas, each scraped on its own, with auth, persistence and a janitor that knows every replica. */
import { envFiles, resolveAll } from '../../envs/index.js';
import { parseDuration } from '../../lib/units.js';
import { synthesize } from '../../charts/index.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const targets = envs.flatMap((env) => env.clusters.map((cluster) => ({ env, cluster, label: `${env.name}/${cluster.name}` })));

describe.each(targets)('PushGateway in $label', ({ env, cluster }) => {
  const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster.name}/pushgateway/`)).map((m) => m.manifest as any);
  const sts = ms.find((m) => m.kind === 'StatefulSet' && m.metadata.name === 'pushgateway');
  const svc = ms.find((m) => m.kind === 'Service' && m.metadata.name === 'pushgateway');
  const pod = sts.spec.template.spec;
  const container = pod.containers[0];

  it('runs the replicas behind a headless Service, so each pod has its own DNS name', () => {
    expect(sts.spec.replicas).toBe(env.pushgateway.replicas);
    expect(sts.spec.serviceName).toBe(svc.metadata.name);
    expect(svc.spec.clusterIP).toBe('None');
  });

  it('scrapes every replica as its own target, honouring pushed labels, with basic auth', () => {
    const sm = ms.find((m) => m.kind === 'ServiceMonitor');
    const ep = sm.spec.endpoints[0];
    expect(ep.honorLabels).toBe(true);
    expect(ep.basicAuth).toEqual({
      username: { name: env.pushgateway.authSecret, key: 'username' },
      password: { name: env.pushgateway.authSecret, key: 'password' },
    });
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
  });

  it('requires auth for pushes and persists its state on the PVC', () => {
    const args: string[] = container.args;
    const webConfig = args.find((a) => a.startsWith('--web.config.file='))!.split('=')[1]!;
    const persistence = args.find((a) => a.startsWith('--persistence.file='))!.split('=')[1]!;
    const mountOf = (p: string) => container.volumeMounts.find((m: any) => p.startsWith(m.mountPath + '/'));
    expect(pod.volumes.find((v: any) => v.name === mountOf(webConfig).name).secret.secretName).toBe(env.pushgateway.authSecret);
    expect(sts.spec.volumeClaimTemplates.map((v: any) => v.metadata.name)).toContain(mountOf(persistence).name);
    expect(args.some((a) => a.startsWith('--web.enable-admin-api'))).toBe(false);
  });

  it('runs as 65534 with a restricted container, probed without credentials', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe.tcpSocket).toBeDefined();
  });

  it('has a PDB when replicated', () => {
    expect(ms.filter((m) => m.kind === 'PodDisruptionBudget')).toHaveLength(sts.spec.replicas > 1 ? 1 : 0);
  });

  it('runs the janitor against every replica by its pod DNS name, with the configured TTL', () => {
    const cron = ms.find((m) => m.kind === 'CronJob' && m.metadata.name === 'pushgateway-janitor');
    const args: string[] = cron.spec.jobTemplate.spec.template.spec.containers[0].command;
    const urls = args.filter((a) => a.startsWith('--url=')).map((a) => new URL(a.slice(6)));
    expect(urls.map((u) => u.hostname)).toEqual(
      Array.from(
        { length: sts.spec.replicas },
        (_, i) => `${sts.metadata.name}-${i}.${svc.metadata.name}.${env.namespace}.svc.cluster.local`,
      ),
    );
    expect(urls.every((u) => u.port === '9091')).toBe(true);
    expect(args).toContain(`--default-ttl=${parseDuration(env.pushgateway.janitor.defaultTtl)}`);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
  });
});
