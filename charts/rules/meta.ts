/**
 * Meta-monitoring evaluated by the Thanos ruler, from outside the Prometheus pods: when the
 * whole Prometheus pair of a cluster is gone, Prometheus cannot alert on itself, but the ruler
 * still queries Thanos Query (deduplicated across the pair) and still reaches Alertmanager.
 */
import type { RuleArea } from './types.js';
import { PROMETHEUS } from '../workloads.js';

export const metaRules: RuleArea = {
  area: 'meta',
  evaluator: 'thanos-ruler',
  groups: [
    {
      name: 'meta',
      rules: [
        {
          alert: 'PrometheusPairDown',
          // The sidecars serve live data only while their Prometheus runs; the store gateway holds
          // only uploaded blocks, 2h and older, so recent samples vanish when both replicas are gone.
          expr: `absent_over_time(prometheus_build_info{job="${PROMETHEUS.name}"}[5m])`,
          for: '5m',
          severity: 'critical',
          summary: 'No Prometheus of this cluster answers through Thanos Query',
          description:
            'For 10 minutes Thanos Query has returned no recent sample of prometheus_build_info: both Prometheus replicas (or their sidecars) are down, so nothing is scraped and no Prometheus rule is evaluated.',
        },
        {
          alert: 'PrometheusReplicaMissing',
          // Deduplicated by Thanos Query: one series per Prometheus pod, scraped by whichever replica is up.
          expr: `count by (namespace) (up{job="${PROMETHEUS.name}"} == 1) < 2 and count by (namespace) (up{job="${PROMETHEUS.name}"}) >= 2`,
          for: '15m',
          severity: 'warning',
          summary: 'One replica of the Prometheus pair is down',
          description:
            'Only {{ $value }} of the Prometheus pods answer their scrapes; the pair has no redundancy until the other replica is back.',
        },
      ],
    },
  ],
};
