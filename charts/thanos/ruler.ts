/**
 * Thanos ruler (ThanosRuler CR): evaluates rules through Thanos Query, so global and
 * long-range rules see deduplicated data, and sends alerts to every Alertmanager replica via
 * DNS SRV on the headless `alertmanager-operated` Service (never a load-balanced Service).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ThanosRuler } from '../../imports/monitoring.coreos.com.js';
import { Secret } from 'kubernetes-models/v1/Secret';
import { stringify } from 'yaml';
import type { EnvConfig } from '../../envs/schema.js';
import { imageOf } from '../../envs/versions.js';
import { labelsFor, stableLabels, versioned } from '../../lib/labels.js';
import { addObject, typed } from '../../lib/objects.js';
import { REPLICA_LABELS } from '../../lib/replica-labels.js';
import { RULE_EVALUATOR_LABEL, THANOS_RULER_EVALUATOR } from '../../lib/rules.js';
import {
  crResources,
  operatorStorage,
  pdb,
  restrictedPod,
  service,
  serviceAccount,
  serviceMonitor,
  haPlacement,
} from '../../lib/workload.js';
import { clientTls, webTlsMount, webTlsVolume } from '../../lib/web-tls.js';
import { externalLabels, storageOf, type ChartContext } from '../context.js';
import { GRPC_PORT, grpcTlsFiles, grpcTlsMount, grpcTlsVolume, HTTP_PORT, OBJSTORE_KEY, OBJSTORE_SECRET, srv } from './common.js';
import { svcHost } from '../../lib/dns.js';
import { tcp, type Flow } from '../flows.js';
import { ALERTMANAGER_OPERATED_SERVICE, CONFIG_RELOADER_PORT, PROMETHEUS, QUERY, RULER } from '../workloads.js';
import { type Component, whenThanos } from '../component.js';
import { metaRules } from '../rules/meta.js';

export const RULER_CONFIG_SECRET = 'thanos-ruler-config';
export const ALERTMANAGERS_KEY = 'alertmanagers.yaml';
export const QUERY_CONFIG_KEY = 'query.yaml';
/** The operator names the ruler's container ports `grpc` and `web` (ThanosRuler spec.portName). */
export const RULER_WEB_PORT = { name: 'web', port: HTTP_PORT } as const;
const RULER_PORTS = [{ name: 'grpc', port: GRPC_PORT }, RULER_WEB_PORT] as const;

/** Labels the operator gives ThanosRuler pods (pkg/thanos makeSelectorLabels). */
export function rulerPodSelector(): Record<string, string> {
  return { 'thanos-ruler': RULER.name };
}

/** Thanos alerting config: every Alertmanager pod, resolved by SRV on the operator's headless Service, over HTTPS. */
export function alertmanagersConfig(env: EnvConfig): string {
  return stringify({
    alertmanagers: [
      {
        static_configs: [srv(env, ALERTMANAGER_OPERATED_SERVICE, 'web')],
        scheme: 'https',
        http_config: { tls_config: clientTls(env) },
        api_version: 'v2',
        timeout: '10s',
      },
    ],
  });
}

/** Where the ruler queries: every Thanos query pod by SRV, with the client certificate the query API requires. */
export function rulerQueryConfig(env: EnvConfig): string {
  return stringify([
    {
      scheme: 'https',
      http_config: { tls_config: clientTls(env, { clientCert: true }) },
      static_configs: [`dnssrv+_http._tcp.${svcHost(env, QUERY.name)}`],
    },
  ]);
}

export function thanosRulerChart(scope: Construct, ctx: ChartContext): Chart {
  const { env } = ctx;
  const rulerW = versioned(RULER, env);
  const chart = new Chart(scope, 'thanos-ruler');
  const ns = env.namespace;
  const r = env.thanos.ruler;
  const labels = labelsFor(rulerW);
  const inWatched = {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns, ...env.monitoredNamespaces.filter((n) => n !== ns)] },
    ],
  };

  serviceAccount(chart, rulerW, ns, { roleArn: storageOf(ctx).roles.ruler });
  addObject(
    chart,
    new Secret({
      metadata: { name: RULER_CONFIG_SECRET, namespace: ns, labels },
      type: 'Opaque',
      stringData: { [ALERTMANAGERS_KEY]: alertmanagersConfig(env), [QUERY_CONFIG_KEY]: rulerQueryConfig(env) },
    }),
  );
  addObject(
    chart,
    typed(ThanosRuler, {
      metadata: { name: rulerW.name, namespace: ns, labels },
      spec: {
        replicas: r.replicas,
        image: imageOf(env, 'thanos'),
        version: env.release.images.thanos.tag,
        serviceAccountName: rulerW.name,
        // The operator copies these into the StatefulSet's (immutable) selector and sets the
        // version label itself, so only stable labels go here, never the version.
        podMetadata: { labels: stableLabels(rulerW) },
        evaluationInterval: r.evaluationInterval,
        queryConfig: { name: RULER_CONFIG_SECRET, key: QUERY_CONFIG_KEY },
        alertmanagersConfig: { name: RULER_CONFIG_SECRET, key: ALERTMANAGERS_KEY },
        objectStorageConfig: { name: OBJSTORE_SECRET, key: OBJSTORE_KEY },
        labels: externalLabels(ctx),
        // The operator always drops thanos_ruler_replica; stated so the drop has one source.
        alertDropLabels: [REPLICA_LABELS.thanosRuler],
        ruleSelector: { matchLabels: { [RULE_EVALUATOR_LABEL]: THANOS_RULER_EVALUATOR } },
        ruleNamespaceSelector: inWatched,
        resources: crResources(r.resources),
        securityContext: restrictedPod(),
        ...(r.replicas > 1 ? haPlacement(rulerPodSelector(), env.scheduling.zoneSpread) : {}),
        storage: operatorStorage('thanos-ruler-data', r.storage),
        grpcServerTlsConfig: { certFile: grpcTlsFiles.cert, keyFile: grpcTlsFiles.key, caFile: grpcTlsFiles.ca },
        volumes: [grpcTlsVolume, webTlsVolume],
        volumeMounts: [grpcTlsMount, webTlsMount],
      },
    }),
  );
  addObject(chart, service(rulerW, ns, RULER_PORTS, { headless: true, selector: rulerPodSelector() }));
  if (r.replicas > 1) addObject(chart, pdb(rulerW, ns, rulerPodSelector()));
  addObject(chart, serviceMonitor(rulerW, ns, RULER_WEB_PORT.name, env.prometheus.scrapeInterval));
  return chart;
}

/** Who may reach the ruler: Thanos Query (its StoreAPI), Prometheus (its metrics and the reloader's). */
export function rulerIngress(): Flow[] {
  return [
    { name: 'thanos-ruler', to: rulerPodSelector(), from: [QUERY, PROMETHEUS], ports: tcp(GRPC_PORT, HTTP_PORT, CONFIG_RELOADER_PORT) },
  ];
}

export const thanosRulerComponent: Component = {
  name: 'thanos-ruler',
  render: thanosRulerChart,
  runs: whenThanos,
  pods: [{ workload: RULER, selector: rulerPodSelector() }],
  ingress: rulerIngress,
  rules: [metaRules],
};
