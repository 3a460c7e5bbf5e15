/**
 * Platform defaults: the PRD's values, corrected where they do not work with the pinned versions (each correction says why, here or where it is used).
 * Environment files hold only their overrides.
 */
import type { EnvConfig } from './schema.js';

export const defaults: Omit<EnvConfig, 'name' | 'tier' | 'clusters' | 'aws' | 'release'> = {
  namespace: 'monitoring',
  hostNamespace: 'monitoring-host',
  monitoredNamespaces: ['greenlang', 'gl-agents', 'gl-fuel', 'gl-cbam', 'gl-building'],
  prometheus: {
    replicas: 2,
    scrapeInterval: '15s',
    evaluationInterval: '15s',
    retention: '7d',
    // The PRD's 50GB on a 50Gi PVC leaves no headroom (and Prometheus reads GB as GiB): cap at
    // 85% of the volume. 42GiB holds 7d at ~40K samples/s x 1.5 B/sample.
    retentionSize: '42GB',
    sizing: { samplesPerSecond: 40_000, bytesPerSample: 1.5 },
    storage: { storageClassName: 'gp3', size: '50Gi' },
    resources: {
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '2', memory: '8Gi' },
    },
    // Measured in docs/benchmarks/load.md: with Prometheus' defaults (20 queries, 10 remote
    // reads) 100 query clients cut ingestion by ~10%.
    queryLimits: { maxConcurrency: 4, remoteReadConcurrency: 2, timeout: '2m' },
    additionalScrapeConfigs: [],
  },
  services: [
    // PRD 8.1: the API, with the pod's app label as `service` and the pod name as `pod`.
    {
      name: 'greenlang-api',
      namespace: 'greenlang',
      selector: { app: 'greenlang-api' },
      port: 'metrics',
      path: '/metrics',
      podLabels: true,
      honorLabels: true,
    },
    // PRD 8.2: the agent factory exports many metrics; only gl_agent_* are kept.
    {
      name: 'agent-factory',
      namespace: 'greenlang',
      selector: { 'app.kubernetes.io/component': 'agent-factory' },
      port: 'metrics',
      path: '/metrics',
      keepMetrics: 'gl_agent_.*',
      podLabels: false,
      honorLabels: false,
    },
    {
      name: 'greenlang-worker',
      namespace: 'greenlang',
      selector: { app: 'greenlang-worker' },
      port: 'metrics',
      path: '/metrics',
      podLabels: true,
      honorLabels: false,
    },
    {
      name: 'agent-runtime',
      namespace: 'gl-agents',
      selector: { 'app.kubernetes.io/name': 'agent-runtime' },
      port: 'metrics',
      path: '/metrics',
      podLabels: true,
      honorLabels: false,
    },
    {
      name: 'fuel-service',
      namespace: 'gl-fuel',
      selector: { 'app.kubernetes.io/name': 'fuel-service' },
      port: 'metrics',
      path: '/metrics',
      podLabels: true,
      honorLabels: false,
    },
    {
      name: 'cbam-service',
      namespace: 'gl-cbam',
      selector: { 'app.kubernetes.io/name': 'cbam-service' },
      port: 'metrics',
      path: '/metrics',
      podLabels: true,
      honorLabels: false,
    },
    {
      name: 'building-service',
      namespace: 'gl-building',
      selector: { 'app.kubernetes.io/name': 'building-service' },
      port: 'metrics',
      path: '/metrics',
      podLabels: true,
      honorLabels: false,
    },
  ],
  runbookBaseUrl: 'https://github.com/greenlang/prometheus-platform/blob/main/docs/runbooks',
  // PRD 3.2 / 7.2, with the compactor's flags as the pinned Thanos accepts them.
  thanos: {
    sidecar: {
      // 1Gi, not 512Mi: a query over every series makes the sidecar hold what it has read until the
      // query's timeout cancels the read (it sorts before sending; nothing in the pinned versions
      // refuses earlier), and GOMEMLIMIT lets its heap grow to 90% of this. Measured at 1M series:
      // with 1Gi, peak 888 MiB within the query's 30 s timeout, 1,225 MiB within 2m; with 512Mi,
      // 502 MiB within 30 s (docs/benchmarks/load.md, "Over-limit query"). Over the limit it would
      // be OOM-killed, on both replicas at once, since the query asks both.
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      // docs/benchmarks/load.md: one query at a time the sidecar's CPU per 10,000-series query fell
      // from 0.09-0.16 s to 0.05-0.09 s; under 100 clients ("One change at a time") 1.2 q/s instead
      // of 0.7 and ingestion at 93% instead of 88%. Its CPU is taken from the ingestion core.
      goGC: 400,
    },
    // Sized against what one query holds in thanos-query's memory (2Gi limit): 250K series of
    // ~1.5 KB with their chunks, or 2 hours of them at a 15 s interval (~120M samples). A dashboard
    // panel reads a few thousand. The store gateway enforces it before reading; the sidecar at the
    // pinned Thanos does not enforce it at all (storeLimitFlags; docs/benchmarks/load.md).
    storeLimits: { requestSeries: 250_000, requestSamples: 120_000_000 },
    query: {
      replicas: 2,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
      maxConcurrent: 20,
      // Under Grafana's default data-proxy timeout (30 s), so the user gets the server's answer and
      // the read behind it is cancelled: a query over 1M series then held the sidecar at 888 MiB and
      // ingestion at 86% of its rate, against 1,225 MiB and 81% with 2m (docs/benchmarks/load.md).
      timeout: '30s',
    },
    queryFrontend: {
      replicas: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      splitInterval: '24h',
      maxRetries: 5,
      cache: { maxSize: '512MB', maxSizeItems: 1000, validity: '5m' },
    },
    store: {
      replicas: 2,
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '4Gi' } },
      storage: { storageClassName: 'gp3', size: '50Gi' },
      indexCacheSize: '512MB',
      shards: 1,
    },
    compactor: {
      replicas: 1,
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '4Gi' } },
      // Twice a 14-day block at the default sizing (67.6 GiB): the schema's compactor disk rule.
      storage: { storageClassName: 'gp3', size: '150Gi' },
      retention: { raw: '30d', fiveMinutes: '120d', oneHour: '730d' },
    },
    ruler: {
      replicas: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      storage: { storageClassName: 'gp3', size: '10Gi' },
      evaluationInterval: '30s',
    },
  },
  // PRD 7.1 / FR-3, with credentials read from a mounted Secret instead of inline values.
  alertmanager: {
    replicas: 2,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    storage: { storageClassName: 'gp3', size: '10Gi' },
    credentialsSecret: 'alertmanager-credentials',
    timing: { resolveTimeout: '5m', groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' },
    heartbeat: { repeatInterval: '1m' },
    maxSilence: '7d',
    groupBy: ['alertname', 'cluster', 'service'],
    slack: { defaultChannel: '#greenlang-alerts', criticalChannel: '#greenlang-alerts', warningChannel: '#greenlang-alerts-warning' },
    digest: {
      schedule: '0 8 * * 1',
      smtpHost: 'smtp.greenlang.internal:587',
      from: 'alerts@greenlang.io',
      to: ['platform-team@greenlang.io'],
    },
  },
  // PRD 3.4 / FR-4: two replicas, each scraped on its own; the SDK pushes to both.
  pushgateway: {
    replicas: 2,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    storage: { storageClassName: 'gp3', size: '2Gi' },
    authSecret: 'pushgateway-auth',
    clientNamespaces: ['greenlang', 'gl-agents', 'gl-fuel', 'gl-cbam', 'gl-building'],
    janitor: { schedule: '*/10 * * * *', defaultTtl: '1h' },
  },
  // PRD 7.1: Grafana with the stack, 10Gi of persistence, datasources for Prometheus, Thanos and
  // Alertmanager. One replica on SQLite; more need `database`.
  grafana: {
    replicas: 1,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    storage: { storageClassName: 'gp3', size: '10Gi' },
    auth: { basicLogin: true },
    allowFrom: { namespaces: ['ingress-nginx'], cidrs: [] },
  },
  secrets: { clusterSecretStore: 'aws-secrets-manager', prefix: 'greenlang/monitoring', refreshInterval: '1h' },
  tls: { issuer: { kind: 'ClusterIssuer', name: 'greenlang-internal-ca' } },
  argocd: {
    namespace: 'argocd',
    hub: { name: 'in-cluster' },
    repoURL: 'https://github.com/greenlang/prometheus-platform.git',
    targetRevision: 'main',
  },
  features: { enableThanos: true, enablePushgateway: true, enableGrafana: true },
  // EKS has no gp3 class by default: render one (encrypted, bound where the pod lands, growable).
  scheduling: { zoneSpread: 'preferred' },
  storageClasses: { provision: { name: 'gp3', volumeType: 'gp3' }, existing: [] },
  tags: { Component: 'observability', DataClass: 'operational', ManagedBy: 'greenlang-prometheus-platform' },
};
