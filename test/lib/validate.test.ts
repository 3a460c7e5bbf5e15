/** The schema gate: the vendored CRDs and the targeted Kubernetes version's OpenAPI documents, strict. */
import { validateObject } from '../../lib/validate.js';

const statefulSet = () => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'x', namespace: 'monitoring', labels: { a: 'b' } },
  spec: {
    serviceName: 'x',
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'i:1', ports: [{ containerPort: 80, name: 'web' }], resources: { limits: { cpu: '1' } } }] },
    },
  },
});

describe('validateObject', () => {
  it('accepts a valid object', async () => {
    expect(await validateObject(statefulSet())).toEqual([]);
  });

  it('reports unknown fields at any depth, including inside arrays and maps', async () => {
    const o: any = statefulSet();
    o.spec.replicaz = 2;
    o.metadata.lables = {};
    o.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const fields = (await validateObject(o)).map((p) => p.field);
    expect(fields.sort()).toEqual(['metadata.lables', 'spec.replicaz', 'spec.template.spec.containers[0].imagePullPolicyy']);
  });

  it('does not flag map keys such as label names or resource names', async () => {
    const o: any = statefulSet();
    o.metadata.labels['example.com/any-key'] = 'v';
    o.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = '1';
    expect(await validateObject(o)).toEqual([]);
  });

  it('reports type errors and missing required fields from the schema', async () => {
    const o: any = statefulSet();
    o.spec.replicas = 'two';
    delete o.spec.selector;
    expect(await validateObject(o)).toEqual(
      expect.arrayContaining([
        { field: 'spec.replicas', message: 'must be an integer' },
        { field: 'spec', message: 'missing required field "selector"' },
      ]),
    );
  });

  it('refuses a kind no vendored API serves', async () => {
    expect(await validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      {
        field: '(kind)',
        message: 'no schema for example.com/v1/Widget: vendor its API (envs/versions.ts, make import) or do not render it',
      },
    ]);
  });

  it('checks operator CRs against their CRD', async () => {
    const prom = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: 'p' },
      spec: { replicas: 2, retentionSizee: '1GB' },
    };
    expect((await validateObject(prom)).map((p) => p.field)).toEqual(['spec.retentionSizee']);
  });

  it("checks Kubernetes kinds against the targeted version's documents; a group-version it no longer serves has no schema", async () => {
    const o: any = statefulSet();
    o.spec.template.spec.containers[0].resources.claims = [{ name: 'gpu' }]; // 1.26+: known
    expect(await validateObject(o)).toEqual([]);
    o.spec.template.spec.serviceAccount = 'x'; // deprecated but still served: known
    expect(await validateObject(o)).toEqual([]);
    const podSecurityPolicy = { apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p' }, spec: {} };
    expect((await validateObject(podSecurityPolicy)).map((p) => p.field)).toEqual(['(kind)']);
  });

  it('accepts int-or-string fields in both forms and refuses other types', async () => {
    const o: any = statefulSet();
    o.spec.template.spec.containers[0].readinessProbe = { httpGet: { port: 'web' } };
    expect(await validateObject(o)).toEqual([]);
    o.spec.template.spec.containers[0].readinessProbe = { httpGet: { port: 8080 } };
    expect(await validateObject(o)).toEqual([]);
    o.spec.template.spec.containers[0].readinessProbe = { httpGet: { port: true } };
    expect(await validateObject(o)).toEqual([
      { field: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'must be an integer or a string' },
    ]);
  });
});
