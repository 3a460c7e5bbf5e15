/**
 * A CronJob that runs one stdlib-only script from sdk/python on the pinned official python
 * image, the script mounted from a ConfigMap rendered from the file in this repo.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { Construct } from 'constructs';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { repoRoot } from './paths.js';
import { labelsFor, type Workload } from './labels.js';
import { CONFIG_HASH_ANNOTATION, configHash, configMap, restrictedContainer, restrictedPod } from './workload.js';

const SCRIPT_MOUNT = '/opt/greenlang';

/** Contents of a script under sdk/python/greenlang/monitoring/. */
export function pythonScript(file: string): string {
  return fs.readFileSync(path.join(repoRoot, 'sdk/python/greenlang/monitoring', file), 'utf8');
}

/** Adds the script's ConfigMap to `scope`; returns the CronJob that mounts it. */
export function pythonCronJob(
  scope: Construct,
  opts: {
    workload: Workload;
    /** `repo:tag` of the Python image, from the environment's release. */
    image: string;
    namespace: string;
    script: string;
    schedule: string;
    env: IEnvVar[];
    args?: string[];
    extraVolumes?: IVolume[];
    extraMounts?: IVolumeMount[];
    activeDeadlineSeconds: number;
  },
): CronJob {
  const { workload: w, namespace } = opts;
  const labels = labelsFor(w);
  const source = pythonScript(opts.script);
  const script = configMap(scope, { name: `${w.name}-script`, namespace, labels, data: { [opts.script]: source } });
  const cronJob = new CronJob({
    metadata: { name: w.name, namespace, labels },
    spec: {
      schedule: opts.schedule,
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: opts.activeDeadlineSeconds,
          template: {
            metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(source) } },
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: w.name,
              automountServiceAccountToken: false,
              securityContext: restrictedPod(),
              containers: [
                {
                  name: w.name,
                  image: opts.image,
                  command: ['python', `${SCRIPT_MOUNT}/${opts.script}`, ...(opts.args ?? [])],
                  env: [{ name: 'PYTHONDONTWRITEBYTECODE', value: '1' }, { name: 'PYTHONUNBUFFERED', value: '1' }, ...opts.env],
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                  securityContext: restrictedContainer(),
                  volumeMounts: [{ name: 'script', mountPath: SCRIPT_MOUNT, readOnly: true }, ...(opts.extraMounts ?? [])],
                },
              ],
              volumes: [{ name: 'script', configMap: { name: script.name } }, ...(opts.extraVolumes ?? [])],
            },
          },
        },
      },
    },
  });
  return cronJob;
}
