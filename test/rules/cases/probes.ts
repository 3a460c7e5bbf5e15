/** promtool unit tests for the probe alerts of charts/blackbox-exporter.ts (one series per probed URL). */
import type { AlertCase } from './types.js';

const FE = 'https://thanos-query-frontend.monitoring.svc.cluster.local:10902/-/ready';
const labels = (instance: string) => `job="platform-endpoints",namespace="monitoring",instance="${instance}"`;

export const probeCases: readonly AlertCase[] = [
  {
    name: 'the query-frontend fails its probe for 6 minutes',
    alert: 'PlatformEndpointDown',
    series: [{ series: `probe_success{${labels(FE)}}`, values: '1x5 0x10' }],
    evalTime: '11m',
    expected: [{ job: 'platform-endpoints', namespace: 'monitoring', instance: FE }],
  },
  {
    name: 'one failed probe among successes is not an outage',
    alert: 'PlatformEndpointDown',
    series: [{ series: `probe_success{${labels(FE)}}`, values: '1x5 0 1x10' }],
    evalTime: '11m',
    expected: [],
  },
  {
    name: 'a certificate 5 days from expiry (renewal failed)',
    alert: 'PlatformCertificateExpiresSoon',
    // Expiry at 5 days + 2h from t=0, evaluated after 2h: 5 days left.
    series: [{ series: `probe_ssl_earliest_cert_expiry{${labels(FE)}}`, values: `${5 * 86400 + 7200}x200` }],
    evalTime: '2h',
    expected: [{ job: 'platform-endpoints', namespace: 'monitoring', instance: FE }],
  },
  {
    name: 'a certificate renewed 15 days ahead never gets close',
    alert: 'PlatformCertificateExpiresSoon',
    series: [{ series: `probe_ssl_earliest_cert_expiry{${labels(FE)}}`, values: `${15 * 86400}x200` }],
    evalTime: '2h',
    expected: [],
  },
];
