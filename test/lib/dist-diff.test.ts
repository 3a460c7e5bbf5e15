import { deepMerge, resolveAll } from '../../envs/index.js';
import { envFiles } from '../../envs/index.js';
import type { EnvOverrides } from '../../envs/schema.js';
import { diffTrees, toMarkdown } from '../../lib/dist-diff.js';
import { synthesize } from '../../charts/index.js';
import { versions } from '../../envs/versions.js';

const dev = envFiles.find((e) => e.name === 'dev')!;
const base = await synthesize(resolveAll([dev]));

describe('rendered-change summary', () => {
  it('reports nothing for an unchanged render', async () => {
    const same = await synthesize(resolveAll([dev]));
    expect(diffTrees(base, same)).toEqual({ components: [], images: [] });
    expect(toMarkdown(diffTrees(base, same))).toContain('No rendered object changes.');
  });

  it('reports changed objects per component', async () => {
    const bigger = await synthesize(
      resolveAll([deepMerge(dev, { prometheus: { storage: { size: '30Gi' }, retentionSize: '20GB' } }) as EnvOverrides]),
    );
    const diff = diffTrees(base, bigger);
    const prom = diff.components.find((c) => c.component === 'dev/greenlang-dev/prometheus')!;
    expect(prom.changed).toEqual(['Prometheus/monitoring/prometheus']);
    expect(diff.images).toEqual([]);
  });

  it('reports added and removed objects and moved images', async () => {
    const noPushgateway = await synthesize(resolveAll([deepMerge(dev, { features: { enablePushgateway: false } }) as EnvOverrides]));
    const diff = diffTrees(base, noPushgateway);
    const pg = diff.components.find((c) => c.component === 'dev/greenlang-dev/pushgateway')!;
    expect(pg.removed).toContain('StatefulSet/monitoring/pushgateway');
    expect(pg.added).toEqual([]);
    const md = toMarkdown(diff);
    expect(md).toContain('| `dev/greenlang-dev/pushgateway` | 0 |');
    expect(md).toContain('**removed** StatefulSet/monitoring/pushgateway');

    const back = diffTrees(noPushgateway, base);
    expect(back.components.find((c) => c.component === 'dev/greenlang-dev/pushgateway')!.added).toContain(
      'StatefulSet/monitoring/pushgateway',
    );
    expect(back.images.filter((i) => i.object === 'StatefulSet/monitoring/pushgateway')).toEqual([
      {
        component: 'dev/greenlang-dev/pushgateway',
        object: 'StatefulSet/monitoring/pushgateway',
        container: 'pushgateway',
        from: undefined,
        to: `${versions.pushgateway.image}:${versions.pushgateway.tag}`,
      },
    ]);
  });
});
