/**
 * The import graph of the code (not the tests): no cycles, and every arrow points down the layers.
 * Type-only imports are left out: TypeScript erases them, so they order nothing at run time.
 *
 *   pins (envs/versions.ts), imports/ < lib/ < envs/ < charts/ < cli/, tools/, bench/, main.ts
 *
 * The pins file and the API types `cdk8s import` generated import nothing of ours, so lib/ may use
 * them (the API versions it validates against, the operator's types).
 * Within charts/, a component refers to another through the leaf vocabulary (charts/workloads.ts,
 * charts/flows.ts), never through its chart module.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../lib/paths.js';

const LAYERS: [string, RegExp][] = [
  ['pins and generated API types', /^envs\/versions\.ts$|^imports\//],
  ['lib', /^lib\//],
  ['envs', /^envs\//],
  ['charts', /^charts\//],
  ['entry points', /^(cli|tools|bench)\/|^main\.ts$/],
];
const rank = (file: string) => LAYERS.findIndex(([, re]) => re.test(file));

/** Runtime imports of one file, resolved to repository paths (packages left out). */
function importsOf(file: string): string[] {
  const src = ts.createSourceFile(file, fs.readFileSync(path.join(repoRoot, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = clause?.isTypeOnly || (clause && !clause.name && named && named.length > 0 && named.every((e) => e.isTypeOnly));
      if (!typeOnly) specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) specs.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, '.ts'))
    .map((s) => (fs.existsSync(path.join(repoRoot, s)) ? s : s.replace(/\.ts$/, '/index.ts')));
}

function graphOf(files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, importsOf(f)]));
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return out;
}

const upward = (graph: Map<string, string[]>) =>
  [...graph].flatMap(([from, tos]) => tos.filter((to) => rank(to) > rank(from)).map((to) => `${from} -> ${to}`));

const code = fs
  .globSync(['{charts,envs,lib,cli,tools,bench}/**/*.ts', 'main.ts'], { cwd: repoRoot })
  .filter((f) => !f.includes('node_modules') && !f.endsWith('.d.ts'))
  .sort();
const graph = graphOf(code);

it('every code file is in a layer', () => {
  expect(code.length).toBeGreaterThan(100);
  expect(code.filter((f) => rank(f) < 0)).toEqual([]);
});

it('no import cycles', () => {
  expect(cycles(graph)).toEqual([]);
});

it('no arrow points up a layer', () => {
  expect(upward(graph)).toEqual([]);
});

/** Past this, a file holds more than one idea; split it. */
const MAX_LINES = 450;

it(`no code file is longer than ${MAX_LINES} lines`, () => {
  const long = code
    .map((f) => ({ f, lines: fs.readFileSync(path.join(repoRoot, f), 'utf8').split('\n').length }))
    .filter(({ lines }) => lines > MAX_LINES);
  expect(long).toEqual([]);
});

it('the checks can fail: a cycle and an upward arrow are found', () => {
  const bad = new Map([
    ['charts/a.ts', ['charts/b.ts']],
    ['charts/b.ts', ['charts/c.ts']],
    ['charts/c.ts', ['charts/a.ts', 'lib/x.ts']],
    ['lib/x.ts', ['envs/schema.ts']],
  ]);
  expect(cycles(bad)).toEqual([['charts/a.ts', 'charts/b.ts', 'charts/c.ts']]);
  expect(upward(bad)).toEqual(['lib/x.ts -> envs/schema.ts']);
});
