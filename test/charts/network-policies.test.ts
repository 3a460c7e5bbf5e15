/**
 * NetworkPolicies, checked with the NetworkPolicy evaluator (tools/runner/netpol.ts) over the
 * rendered policies: the flows the platform needs are allowed, others are denied, and every
 * policy selects pods that exist.
 */
import { envFiles, resolveAll } from '../../envs/index.js';
import { synthesize } from '../../charts/index.js';
import { ingressAllowed, policyCluster, selects } from '../../tools/runner/netpol.js';
import { manifestsOf } from '../helpers/tree.js';

const envs = resolveAll(envFiles);
const all = manifestsOf(await synthesize(envs));
const prod = envs.find((e) => e.name === 'prod')!;
const cluster = 'greenlang-prod-use1';
const ms = all.filter((m) => m.file.startsWith(`prod/${cluster}/`)).map((m) => m.manifest as any);
const policies = ms.filter((m) => m.kind === 'NetworkPolicy');

interface Pod {
  ns: string;
  labels: Record<string, string>;
}
const inCluster = policyCluster(ms);
const asPod = (p: Pod) => ({ namespace: p.ns, labels: p.labels, ip: '10.40.0.2' });
const matches = selects;

/** Whether the rendered policies admit `src` into `dst` on `port` (tools/runner/netpol.ts: the one evaluator). */
function allowed(src: Pod, dst: Pod, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  return ingressAllowed(inCluster, asPod(dst), { pod: asPod(src) }, { port, protocol }).allowed;
}

/** Pod labels of every workload rendered in the namespace (operator-managed ones included). */
const podLabels: Record<string, Record<string, string>> = {};
for (const m of ms) {
  if (m.spec?.template?.metadata?.labels) podLabels[m.metadata.name] = m.spec.template.metadata.labels;
  if (m.spec?.jobTemplate) podLabels[m.metadata.name] = m.spec.jobTemplate.spec.template.metadata.labels;
}
const prom = { ...ms.find((m) => m.kind === 'Prometheus').spec.podMetadata.labels, 'operator.prometheus.io/name': 'prometheus' };
const am = { alertmanager: 'alertmanager' };
const ruler = { 'thanos-ruler': 'thanos-ruler' };
const at = (labels: Record<string, string>, ns = prod.namespace): Pod => ({ ns, labels });
const grafana = at({ 'app.kubernetes.io/name': 'grafana' });

describe('network policies (prod, host cluster)', () => {
  it('deny by default, ingress and egress', () => {
    const deny = policies.find((p) => p.metadata.name === 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it.each([
    ['Grafana -> Prometheus 9090', grafana, at(prom), 9090],
    ['Thanos Query -> sidecar gRPC 10901', at(podLabels['thanos-query']!), at(prom), 10901],
    ['Thanos Query -> store gRPC 10901', at(podLabels['thanos-query']!), at(podLabels['thanos-store']!), 10901],
    ['Thanos Query -> ruler gRPC 10901', at(podLabels['thanos-query']!), at(ruler), 10901],
    ['global query -> Thanos Query gRPC 10901', at(podLabels['thanos-query-global']!), at(podLabels['thanos-query']!), 10901],
    ['query-frontend -> Thanos Query 10902', at(podLabels['thanos-query-frontend']!), at(podLabels['thanos-query']!), 10902],
    ['ruler -> Thanos Query 10902', at(ruler), at(podLabels['thanos-query']!), 10902],
    ['Prometheus -> Alertmanager 9093', at(prom), at(am), 9093],
    ['ruler -> Alertmanager 9093', at(ruler), at(am), 9093],
    ['Alertmanager mesh 9094/TCP', at(am), at(am), 9094],
    ['a batch job in gl-fuel -> PushGateway 9091', at({ app: 'nightly' }, 'gl-fuel'), at(podLabels.pushgateway!), 9091],
    ['janitor -> PushGateway 9091', at(podLabels['pushgateway-janitor']!), at(podLabels.pushgateway!), 9091],
    ['digest -> query-frontend 10902', at(podLabels['alert-digest']!), at(podLabels['thanos-query-frontend']!), 10902],
    ['Prometheus scrapes the compactor 10902', at(prom), at(podLabels['thanos-compactor']!), 10902],
    ['Prometheus scrapes kube-state-metrics 8080', at(prom), at(podLabels['kube-state-metrics']!), 8080],
    ['Prometheus scrapes PushGateway 9091', at(prom), at(podLabels.pushgateway!), 9091],
  ])('allows %s', (_t, src, dst, port) => {
    expect(allowed(src as Pod, dst as Pod, port as number)).toBe(true);
  });

  it('allows the Alertmanager mesh over UDP too', () => {
    expect(allowed(at(am), at(am), 9094, 'UDP')).toBe(true);
  });

  it.each([
    ['a pod in greenlang -> Prometheus 9090', at({ app: 'x' }, 'greenlang'), at(prom), 9090],
    ['a batch job -> Alertmanager 9093', at({ app: 'nightly' }, 'gl-fuel'), at(am), 9093],
    ['a pod in an unlisted namespace -> PushGateway 9091', at({ app: 'x' }, 'playground'), at(podLabels.pushgateway!), 9091],
    ['Grafana -> the store gateway gRPC 10901', grafana, at(podLabels['thanos-store']!), 10901],
    ['a batch job -> Thanos Query 10902', at({ app: 'nightly' }, 'gl-fuel'), at(podLabels['thanos-query']!), 10902],
  ])('denies %s', (_t, src, dst, port) => {
    expect(allowed(src as Pod, dst as Pod, port as number)).toBe(false);
  });

  it('every allow policy selects pods that are rendered (or run by the operator)', () => {
    const known = [...Object.values(podLabels), prom, am, ruler];
    for (const p of policies.filter((x) => x.metadata.name.startsWith('allow-') && x.metadata.name !== 'allow-egress')) {
      expect({ policy: p.metadata.name, selectsSomething: known.some((l) => matches(p.spec.podSelector, l)) }).toEqual({
        policy: p.metadata.name,
        selectsSomething: true,
      });
    }
  });

  it('egress: DNS, the namespaces with targets, and only HTTPS, API server, SMTP, node-exporter and kubelet ports beyond', () => {
    const egress = policies.find((p) => p.metadata.name === 'allow-egress').spec.egress;
    expect(egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    expect(egress[1].to[0].namespaceSelector.matchExpressions[0].values).toEqual(
      expect.arrayContaining([prod.namespace, ...prod.monitoredNamespaces, 'kube-system']),
    );
    expect(egress[2].ports.map((p: any) => p.port).sort((a: number, b: number) => a - b)).toEqual([443, 587, 6443, 9100, 10250]);
  });
});
