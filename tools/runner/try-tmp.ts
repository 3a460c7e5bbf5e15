import { startStack } from '../preview/stack.js';
import { json } from '../../test/helpers/http.js';
const s = await startStack({
  demoJob: false,
  extraRulerGroups: [{ name: 'e2e-ruler-probe', rules: [{ record: 'e2e:prometheus_up:count', expr: 'count(up{job="prometheus"})' }] }],
});
await new Promise((r) => setTimeout(r, 15000));
try {
  const ruler = s.client(s.local.podsOf('StatefulSet', 'thanos-ruler-thanos-ruler')[0]!, 'thanos-ruler');
  console.log(ruler.url);
  const rules = await json(ruler, '/api/v1/rules');
  console.log(
    JSON.stringify(
      rules.data.groups.map((g: any) => [g.name, g.file, g.rules.map((r: any) => [r.name, r.health, r.lastError])]),
      null,
      0,
    ).slice(0, 3000),
  );
  console.log(s.local.podsOf('StatefulSet', 'thanos-ruler-thanos-ruler')[0]!.log().slice(-3000));
} catch (e) {
  console.log('ERR', e);
}
await s.stop();
