/**
 * What a change does to the rendered output, per component: objects added, removed and changed,
 * and every image that moves. The Markdown goes into the PR body / comment.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { RenderedTree } from './synth.js';

interface Obj {
  component: string;
  ref: string;
  body: Record<string, unknown>;
}

export interface ComponentChange {
  component: string;
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ImageChange {
  component: string;
  object: string;
  container: string;
  from: string | undefined;
  to: string | undefined;
}

export interface DistDiff {
  components: ComponentChange[];
  images: ImageChange[];
}

function objects(tree: RenderedTree): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const [file, content] of tree) {
    const component = file.slice(0, file.lastIndexOf('/'));
    for (const doc of parseAllDocuments(content)) {
      const body = doc.toJS() as Record<string, any> | null;
      if (!body) continue;
      const ref = [body.kind, body.metadata?.namespace, body.metadata?.name].filter(Boolean).join('/');
      out.set(`${component}|${ref}`, { component, ref, body });
    }
  }
  return out;
}

/** container name -> image, for workloads and for the operator's CRs. */
export function imagesOf(body: Record<string, any>): Map<string, string> {
  const images = new Map<string, string>();
  const spec = body.spec ?? {};
  const podSpec = spec.template?.spec ?? spec.jobTemplate?.spec?.template?.spec;
  for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) images.set(c.name, c.image);
  if (typeof spec.image === 'string') images.set(String(body.kind).toLowerCase(), spec.image);
  if (typeof spec.thanos?.image === 'string') images.set('thanos-sidecar', spec.thanos.image);
  return images;
}

export function diffTrees(before: RenderedTree, after: RenderedTree): DistDiff {
  const a = objects(before);
  const b = objects(after);
  const byComponent = new Map<string, ComponentChange>();
  const change = (component: string) => {
    if (!byComponent.has(component)) byComponent.set(component, { component, added: [], removed: [], changed: [] });
    return byComponent.get(component)!;
  };
  const images: ImageChange[] = [];
  for (const [key, o] of b) {
    const old = a.get(key);
    if (!old) change(o.component).added.push(o.ref);
    else if (!isDeepStrictEqual(old.body, o.body)) change(o.component).changed.push(o.ref);
    const [from, to] = [old ? imagesOf(old.body) : new Map<string, string>(), imagesOf(o.body)];
    for (const container of new Set([...from.keys(), ...to.keys()])) {
      if (from.get(container) !== to.get(container))
        images.push({ component: o.component, object: o.ref, container, from: from.get(container), to: to.get(container) });
    }
  }
  for (const [key, o] of a) if (!b.has(key)) change(o.component).removed.push(o.ref);
  const components = [...byComponent.values()].sort((x, y) => x.component.localeCompare(y.component));
  return { components, images };
}

export function toMarkdown(diff: DistDiff, title = 'Rendered change'): string {
  if (diff.components.length === 0) return `### ${title}\n\nNo rendered object changes.\n`;
  const rows = diff.components.map((c) => `| \`${c.component}\` | ${c.added.length} | ${c.removed.length} | ${c.changed.length} |`);
  const details = diff.components.flatMap((c) => [
    ...c.added.map((r) => `- \`${c.component}\`: added ${r}`),
    ...c.removed.map((r) => `- \`${c.component}\`: **removed** ${r}`),
    ...c.changed.map((r) => `- \`${c.component}\`: changed ${r}`),
  ]);
  const images = diff.images.map((i) => `| \`${i.component}\` | ${i.object} | ${i.container} | ${i.from ?? '—'} | ${i.to ?? '—'} |`);
  return [
    `### ${title}`,
    '',
    '| component | added | removed | changed |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    ...(images.length
      ? ['**Image changes**', '', '| component | object | container | from | to |', '|---|---|---|---|---|', ...images, '']
      : []),
    '<details><summary>Objects</summary>',
    '',
    ...details,
    '',
    '</details>',
    '',
  ].join('\n');
}
