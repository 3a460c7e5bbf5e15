import fs from 'node:fs';
import { stringify } from 'yaml';
import { envFiles, resolveAll } from '../../envs/index.js';
import { distOf } from '../../test/control-plane/cluster.js';
import { generatedCluster } from '../../tools/runner/cluster.js';
const env = resolveAll(envFiles).find((e) => e.name === 'dev')!;
const t0 = Date.now();
const g = await generatedCluster(env, distOf(env, env.clusters[0]!), { caDir: fs.mkdtempSync('/tmp/ca-') });
console.log('ready in', Date.now() - t0);
for (const ns of g.namespaces) {
  for (const [v, k] of [
    ['apps/v1', 'StatefulSet'],
    ['apps/v1', 'Deployment'],
    ['apps/v1', 'DaemonSet'],
    ['v1', 'Secret'],
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
  ]) {
    const items = await g.kube.list(v, k, ns);
    for (const i of items) {
      delete i.metadata.managedFields;
      fs.writeFileSync(`/tmp/gen/${ns}.${k}.${i.metadata.name}.yaml`, stringify(i));
    }
  }
}
await g.stop();
