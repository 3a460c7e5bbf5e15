/** Terraform read as data (@cdktf/hcl2json), for tests that assert its properties. */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** Every .tf file of a module directory, merged into one parsed document. */
export async function parseDir(dir: string): Promise<any> {
  // Files of one module share block types (e.g. `data.aws_iam_policy_document`): merge deeply.
  const merge = (a: any, b: any): any =>
    Array.isArray(a) && Array.isArray(b)
      ? [...a, ...b]
      : a && b && typeof a === 'object' && typeof b === 'object'
        ? Object.fromEntries(
            [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in a && k in b ? merge(a[k], b[k]) : (a[k] ?? b[k])]),
          )
        : b;
  let merged: any = {};
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    merged = merge(merged, await parse(f, fs.readFileSync(path.join(dir, f), 'utf8')));
  }
  return merged;
}
