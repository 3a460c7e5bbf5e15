/**
 * The runner's stand-in for Kubernetes discovery, cluster DNS and the job report. The labels are
 * those of Prometheus' discovery/kubernetes (endpointslice.go, pod.go); that the operator's
 * generated relabelling keeps the right targets with them is proven end to end (test/e2e).
 */
import { endpointSliceTargets, podTargets, staticDiscovery, type LocalPod, type LocalService } from '../../../tools/runner/discovery.js';
import { clusterDns } from '../../../tools/runner/network.js';
import { reportJobs } from '../../../tools/runner/jobs.js';

const pod = (name: string, ip: string, labels: Record<string, string>, ports = [{ name: 'web', containerPort: 9090 }]): LocalPod => ({
  namespace: 'monitoring',
  name,
  ip,
  uid: `uid-${name}`,
  labels,
  annotations: { 'a.b/c': 'd' },
  node: 'local-node',
  hostIP: '127.0.0.1',
  hostname: name,
  controller: { kind: 'StatefulSet', name: 'prometheus-prometheus' },
  containers: [
    { name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3', ports },
    { name: 'config-reloader', image: 'reloader', ports: [{ name: 'reloader-web', containerPort: 8080 }] },
  ],
  initContainers: [],
});
const pods = [pod('prometheus-prometheus-0', '127.5.5.10', { app: 'prometheus' }), pod('other-0', '127.5.5.11', { app: 'other' })];
const services: (LocalService & { clusterIP: string })[] = [
  {
    namespace: 'monitoring',
    name: 'prometheus-operated',
    labels: { 'operated-prometheus': 'true' },
    annotations: {},
    selector: { app: 'prometheus' },
    ports: [{ name: 'web', port: 9090, targetPort: 'web' }],
    clusterIP: 'None',
  },
  {
    namespace: 'monitoring',
    name: 'prometheus',
    labels: { 'app.kubernetes.io/name': 'prometheus' },
    annotations: {},
    selector: { app: 'prometheus' },
    ports: [{ name: 'web', port: 80, targetPort: 9090 }],
    clusterIP: '127.5.5.200',
  },
];

describe('endpointSliceTargets', () => {
  const targets = endpointSliceTargets(services, pods, ['monitoring']);
  it('gives one target per Service port and pod, at the pod address and the resolved target port', () => {
    const web = targets.filter((t) => t.__meta_kubernetes_endpointslice_port_name === 'web');
    expect(web.map((t) => [t.__meta_kubernetes_service_name, t.__address__])).toEqual([
      ['prometheus-operated', '127.5.5.10:9090'],
      ['prometheus', '127.5.5.10:9090'],
    ]);
  });
  it('attaches the labels Prometheus discovery does (service, slice, pod, container)', () => {
    const t = targets.find(
      (x) => x.__meta_kubernetes_service_name === 'prometheus' && x.__meta_kubernetes_endpointslice_port_name === 'web',
    )!;
    expect(t).toMatchObject({
      __meta_kubernetes_namespace: 'monitoring',
      __meta_kubernetes_service_label_app_kubernetes_io_name: 'prometheus',
      __meta_kubernetes_service_labelpresent_app_kubernetes_io_name: 'true',
      __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
      __meta_kubernetes_endpointslice_address_target_name: 'prometheus-prometheus-0',
      __meta_kubernetes_endpointslice_port: '9090',
      __meta_kubernetes_pod_name: 'prometheus-prometheus-0',
      __meta_kubernetes_pod_label_app: 'prometheus',
      __meta_kubernetes_pod_annotation_a_b_c: 'd',
      __meta_kubernetes_pod_container_name: 'prometheus',
      __meta_kubernetes_pod_container_port_name: 'web',
      __meta_kubernetes_pod_controller_kind: 'StatefulSet',
      __meta_kubernetes_pod_phase: 'Running',
    });
  });
  it('adds a target for each container port no Service port covers, and none for pods outside the selector or namespaces', () => {
    expect(targets.filter((t) => t.__address__ === '127.5.5.10:8080').length).toBe(2); // once per Service's slice
    expect(targets.some((t) => t.__address__.startsWith('127.5.5.11'))).toBe(false);
    expect(endpointSliceTargets(services, pods, ['greenlang'])).toEqual([]);
  });
});

describe('podTargets', () => {
  it('gives one target per container port of every pod in the namespaces', () => {
    expect(podTargets(pods, ['monitoring']).map((t) => t.__address__)).toEqual([
      '127.5.5.10:9090',
      '127.5.5.10:8080',
      '127.5.5.11:9090',
      '127.5.5.11:8080',
    ]);
  });
});

describe('staticDiscovery', () => {
  it('replaces kubernetes_sd_configs with static targets and keeps everything else of the job', () => {
    const relabel = [{ action: 'keep', source_labels: ['__meta_kubernetes_service_name'], regex: 'prometheus' }];
    const out = staticDiscovery(
      {
        scrape_configs: [
          {
            job_name: 'j',
            kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['monitoring'] } }],
            relabel_configs: relabel,
          },
        ],
        alerting: { alertmanagers: [{ kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['nowhere'] } }] }] },
      },
      { services, pods },
    ) as any;
    expect(out.scrape_configs[0].kubernetes_sd_configs).toBeUndefined();
    expect(out.scrape_configs[0].relabel_configs).toBe(relabel);
    expect(out.scrape_configs[0].static_configs.length).toBe(4);
    expect(out.scrape_configs[0].static_configs[0].targets).toEqual(['127.5.5.10:9090']);
    expect(out.alerting.alertmanagers[0].static_configs).toEqual([]);
  });
  it('refuses roles it cannot fill rather than scraping nothing', () => {
    expect(() =>
      staticDiscovery({ scrape_configs: [{ job_name: 'n', kubernetes_sd_configs: [{ role: 'node' }] }] }, { services, pods }),
    ).toThrow(/role node/);
  });
});

describe('clusterDns', () => {
  const dns = clusterDns(pods, services, 'monitoring', () => true, { 'query.example.com': ['127.6.6.200'] });
  it('answers every form of a Service name, the pods of a headless one, and StatefulSet pod names', () => {
    expect(dns.hosts('prometheus.monitoring.svc.cluster.local')).toEqual(['127.5.5.200']);
    expect(dns.hosts('prometheus')).toEqual(['127.5.5.200']);
    expect(dns.hosts('prometheus-operated.monitoring.svc')).toEqual(['127.5.5.10']);
    expect(dns.hosts('prometheus-prometheus-0.prometheus-operated')).toEqual(['127.5.5.10']);
    expect(dns.endpoints('dnssrv+_web._tcp.prometheus-operated.monitoring.svc.cluster.local')).toEqual(['127.5.5.10:9090']);
    expect(dns.endpoints('dnssrv+_web._tcp.prometheus.monitoring.svc.cluster.local')).toEqual(['127.5.5.200:80']);
    expect(dns.hosts('query.example.com')).toEqual(['127.6.6.200']);
  });
  it('rewrites dotted names in text, never a bare name (it is also a path segment)', () => {
    expect(dns.rewrite('https://prometheus.monitoring.svc:80/x /etc/prometheus/config')).toBe(
      'https://127.5.5.200:80/x /etc/prometheus/config',
    );
    expect(dns.rewrite('prometheus.monitoring.svc.example.org')).toBe('prometheus.monitoring.svc.example.org');
  });
});

describe('reportJobs', () => {
  const config = {
    scrape_configs: [
      { job_name: 'serviceMonitor/monitoring/prometheus/0', kubernetes_sd_configs: [{ namespaces: { names: ['monitoring'] } }] },
      { job_name: 'serviceMonitor/monitoring/kubelet/0', kubernetes_sd_configs: [{ namespaces: { names: ['kube-system'] } }] },
      { job_name: 'serviceMonitor/monitoring/kube-state-metrics/0', kubernetes_sd_configs: [{ namespaces: { names: ['monitoring'] } }] },
      { job_name: 'serviceMonitor/monitoring/thanos-store/0', kubernetes_sd_configs: [{ namespaces: { names: ['monitoring'] } }] },
    ],
  };
  it('explains every job without targets, or reports it', () => {
    const r = reportJobs(
      config,
      { 'serviceMonitor/monitoring/prometheus/0': 2 },
      ['monitoring'],
      ['Deployment/monitoring/kube-state-metrics: no local binary'],
    );
    expect(r.local).toEqual([{ job: 'serviceMonitor/monitoring/prometheus/0', targets: 2 }]);
    expect(r.needsCluster.map((j) => j.job)).toEqual([
      'serviceMonitor/monitoring/kubelet/0',
      'serviceMonitor/monitoring/kube-state-metrics/0',
    ]);
    expect(r.unexplained).toEqual(['serviceMonitor/monitoring/thanos-store/0']);
  });
});
