import { startStack } from '../preview/stack.js';
import { json } from '../../test/helpers/http.js';
const t0 = Date.now();
const s = await startStack({ demoJob: false, keepWork: true, progress: (l) => console.log(((Date.now() - t0) / 1000).toFixed(1), l) });
console.log('up in', (Date.now() - t0) / 1000, 'work', s.work, 'needs', s.needsCluster);
await new Promise((r) => setTimeout(r, 15000));
try {
  const d = await json(s.proms[0]!, '/api/v1/targets?state=active');
  const by: Record<string, string[]> = {};
  for (const t of d.data.activeTargets) (by[t.scrapePool] ??= []).push(`${t.health} ${t.labels.job}/${t.labels.pod} ${t.lastError}`);
  console.log(JSON.stringify(by, null, 1));
  console.log(JSON.stringify((await json(s.frontend!, '/api/v1/query?query=count%20by%20(job)(up)')).data.result.map((r: any) => [r.metric.job, r.value[1]])));
} catch (e) { console.log('ERR', e); }
await s.stop();
