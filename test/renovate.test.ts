/**
 * Renovate keeps every pin current: each pin of envs/versions.ts (deployed images, the Go modules
 * the tests build, the control plane, the vendored APIs) is matched by one of renovate.json's
 * managers, an image and its module are grouped into one PR, and nothing matches inside the
 * promoted pins (staging and prod move only by promotion).
 */
import fs from 'node:fs';
import path from 'node:path';
import { apiSources, controlPlane, PINS_BEGIN, PINS_END, tooling, versions } from '../envs/versions.js';
import { repoRoot } from '../lib/paths.js';

interface Manager {
  customType: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  depNameTemplate?: string;
  datasourceTemplate: string;
}
const config = JSON.parse(fs.readFileSync(path.join(repoRoot, 'renovate.json'), 'utf8'));
const source = fs.readFileSync(path.join(repoRoot, 'envs/versions.ts'), 'utf8');

/** What Renovate's regex managers extract from a file: dependency, version, where. */
function extract(managers: readonly Manager[], file: string, text: string) {
  return managers
    .filter((m) => m.managerFilePatterns.some((p) => new RegExp(p.slice(1, -1)).test(file)))
    .flatMap((m) =>
      m.matchStrings.flatMap((s) =>
        [...text.matchAll(new RegExp(s, 'g'))].map((x) => ({
          depName: m.depNameTemplate ?? x.groups!.depName!,
          currentValue: x.groups!.currentValue!,
          datasource: m.datasourceTemplate,
          at: x.index!,
        })),
      ),
    );
}

const deps = extract(config.customManagers, 'envs/versions.ts', source);
const has = (depName: string, currentValue: string, datasource: string) =>
  deps.some((d) => d.depName === depName && d.currentValue === currentValue && d.datasource === datasource);

it('matches every deployed image with its tag, and every Go module the tests build', () => {
  for (const [name, v] of Object.entries(versions)) {
    expect({ name, image: has(v.image, v.tag, 'docker') }).toEqual({ name, image: true });
    if ('goModule' in v) {
      const m = v.goModule as { path: string; version: string };
      // Prometheus' module version is derived from its tag; the tag is what Renovate moves.
      if (name !== 'prometheus') expect({ name, module: has(m.path, m.version, 'go') }).toEqual({ name, module: true });
    }
  }
});

it('matches the control plane and the test tooling (tag and module) and the vendored API modules', () => {
  for (const [name, v] of Object.entries({ ...controlPlane, ...tooling })) {
    // Two matches, the tag's and the module's: where both read the same version, one match alone
    // would leave the other line behind on the next upgrade.
    const matches = deps.filter(
      (d) => d.depName === v.goModule.path && d.datasource === 'go' && [v.tag, v.goModule.version as string].includes(d.currentValue),
    );
    expect({
      name,
      tag: has(v.goModule.path, v.tag, 'go'),
      module: has(v.goModule.path, v.goModule.version, 'go'),
      matches: matches.length,
    }).toEqual({
      name,
      tag: true,
      module: true,
      matches: 2,
    });
  }
  for (const [name, a] of Object.entries(apiSources)) {
    expect({ name, module: has(a.module.path, a.module.version, 'go') }).toEqual({ name, module: true });
  }
});

it('never matches inside the promoted pins: staging and prod move by promotion only', () => {
  const [begin, end] = [source.indexOf(PINS_BEGIN), source.indexOf(PINS_END)];
  expect(begin).toBeGreaterThan(0);
  expect(deps.filter((d) => d.at > begin && d.at < end)).toEqual([]);
});

it("groups each upstream's image with its module, and every grouped name is a real dependency", () => {
  const names = new Set(deps.map((d) => d.depName));
  const groups = (config.packageRules as { matchDepNames?: string[]; groupName?: string }[]).filter((r) => r.groupName && r.matchDepNames);
  for (const g of groups)
    expect({ group: g.groupName, unknown: g.matchDepNames!.filter((n) => !names.has(n)) }).toEqual({ group: g.groupName, unknown: [] });
  for (const [name, v] of Object.entries(versions)) {
    if (!('goModule' in v) || name === 'prometheus') continue; // Prometheus: one tag, the module derived
    const module = (v.goModule as { path: string }).path;
    const group = groups.find((g) => g.matchDepNames!.includes(v.image));
    expect({ name, grouped: group?.matchDepNames?.includes(module) ?? false }).toEqual({ name, grouped: true });
  }
});

it('the check can fail: a pin written another way is not matched', () => {
  expect(extract(config.customManagers, 'envs/versions.ts', 'image: \'quay.io/x/y\', tag: "v1"')).toEqual([]);
  expect(extract(config.customManagers, 'envs/other.ts', "image: 'quay.io/x/y', tag: 'v1'")).toEqual([]);
});

it("matches the Terraform CLI the repository host's CI validates terraform/ with", () => {
  const workflow = fs.readFileSync(path.join(repoRoot, '.github/workflows/ci.yml'), 'utf8');
  const version = /terraform_version: (\S+)/.exec(workflow)?.[1];
  expect(extract(config.customManagers, '.github/workflows/ci.yml', workflow)).toEqual([
    expect.objectContaining({ depName: 'hashicorp/terraform', currentValue: version, datasource: 'github-releases' }),
  ]);
});
