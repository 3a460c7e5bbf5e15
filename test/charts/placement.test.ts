/**
 * HA placement (issue 16): every workload that runs more than one replica keeps its replicas on
 * different nodes and spreads them across zones, as a rule in prod and a preference elsewhere,
 * over the same pods its PodDisruptionBudget guards.
 */
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const OWN = ['Deployment', 'StatefulSet'];
const OPERATOR = ['Prometheus', 'Alertmanager', 'ThanosRuler'];

const subset = (small: Record<string, string>, big: Record<string, string>) => Object.entries(small).every(([k, v]) => big[k] === v);

describe.each(envs.flatMap((env) => env.clusters.map((c) => ({ env, cluster: c.name, label: `${env.name}/${c.name}` }))))(
  'HA placement in $label',
  ({ env, cluster }) => {
    const ms = all.filter((m) => m.file.startsWith(`${env.name}/${cluster}/`)).map((m) => m.manifest as any);
    const ha = ms.filter((m) => [...OWN, ...OPERATOR].includes(m.kind) && m.spec.replicas > 1);
    const pdbs = ms.filter((m) => m.kind === 'PodDisruptionBudget');
    const expected = env.scheduling.zoneSpread === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway';

    it('has HA workloads to check (every pair of the platform)', () => {
      expect(ha.map((w) => w.kind)).toEqual(expect.arrayContaining(['Prometheus', 'Alertmanager', 'Deployment', 'StatefulSet']));
      if (env.tier === 'prod') expect(expected).toBe('DoNotSchedule');
    });

    it.each(ha.map((w) => ({ w, name: `${w.kind}/${w.metadata.name}` })))(
      '$name: one per node, spread across zones, PDB over the same pods',
      ({ w }) => {
        const spec = OWN.includes(w.kind) ? w.spec.template.spec : w.spec;
        const anti = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        expect(anti).toHaveLength(1);
        expect(anti[0].topologyKey).toBe('kubernetes.io/hostname');
        const selector = anti[0].labelSelector.matchLabels as Record<string, string>;
        expect(spec.topologySpreadConstraints).toEqual([
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: expected,
            labelSelector: { matchLabels: selector },
            // A Deployment's rollout must not be blocked by the ReplicaSet it replaces; a StatefulSet keeps its pods.
            ...(w.kind === 'Deployment' ? { matchLabelKeys: ['pod-template-hash'] } : {}),
          },
        ]);
        // The pods it spreads are its own: its pod labels carry the selector.
        const podLabels = OWN.includes(w.kind) ? w.spec.template.metadata.labels : { ...(w.spec.podMetadata?.labels ?? {}) };
        if (OWN.includes(w.kind)) expect(subset(selector, podLabels)).toBe(true);
        // One PDB guards the same pods (unchanged by the spread).
        expect(
          pdbs.filter((p) => subset(p.spec.selector.matchLabels, selector) && subset(selector, p.spec.selector.matchLabels)),
        ).toHaveLength(1);
      },
    );
  },
);
