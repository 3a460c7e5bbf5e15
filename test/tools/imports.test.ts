/**
 * imports/crds holds exactly the CRD files of the pinned API versions: byte-identical to the
 * upstream Go module at that version (downloaded from the module proxy), nothing missing, nothing
 * extra. Run `make import` after a pin changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { apiSources, type ApiSourceName } from '../../envs/versions.js';
import {
  IMPORTS_DIR,
  OPENAPI_DIR,
  TYPED_DIR,
  typedConstructs,
  upstreamCrds,
  upstreamOpenapi,
  vendoredDir,
  versionsToVendor,
} from '../../tools/import-crds.js';

const sources = Object.keys(apiSources) as ApiSourceName[];

describe.each(sources.flatMap((name) => versionsToVendor(name).map((version) => ({ name, version, label: `${name} ${version}` }))))(
  'imports/crds/$label',
  ({ name, version }) => {
    it('is byte-identical to the CRD files of the upstream module at that version (run `make import`)', () => {
      const upstream = upstreamCrds(name, version);
      const dir = vendoredDir(name, version);
      expect(fs.existsSync(dir)).toBe(true);
      expect(fs.readdirSync(dir).sort()).toEqual([...upstream.keys()].sort());
      for (const [file, text] of upstream)
        expect({ file, same: fs.readFileSync(path.join(dir, file), 'utf8') === text }).toEqual({ file, same: true });
    }, 120_000);
  },
);

it('holds no source or version that no pin asks for (stale imports are removed by `make import`)', () => {
  const wanted = new Set(sources.flatMap((name) => versionsToVendor(name).map((v) => `${name}/${v}`)));
  const present = fs.readdirSync(IMPORTS_DIR).flatMap((name) => fs.readdirSync(path.join(IMPORTS_DIR, name)).map((v) => `${name}/${v}`));
  expect(present.sort()).toEqual([...wanted].sort());
});

it('vendors the operator CRDs of the operator version every environment runs', () => {
  expect(versionsToVendor('prometheus-operator')).toContain(apiSources['prometheus-operator'].module.version);
});

it('imports/<group>.ts are what `cdk8s import` generates from the vendored CRDs today (run `make import`)', () => {
  const generated = typedConstructs();
  const present = fs.readdirSync(TYPED_DIR).filter((f) => f.endsWith('.ts'));
  expect(present.sort()).toEqual([...generated.keys()].sort());
  for (const [file, text] of generated)
    expect({ file, same: fs.readFileSync(path.join(TYPED_DIR, file), 'utf8') === text }).toEqual({ file, same: true });
  // Every kind dist renders has a typed construct (the rest of a group is left out on purpose).
  expect(generated.get('monitoring.coreos.com.ts')).toMatch(/export class ThanosRuler extends ApiObject/);
}, 120_000);

it('imports/openapi/kubernetes/<version> holds exactly the OpenAPI documents of the targeted Kubernetes module (run `make import`)', () => {
  const upstream = upstreamOpenapi();
  expect(fs.readdirSync(OPENAPI_DIR).sort()).toEqual([...upstream.keys()].sort());
  for (const [file, text] of upstream)
    expect({ file, same: fs.readFileSync(path.join(OPENAPI_DIR, file), 'utf8') === text }).toEqual({ file, same: true });
  expect(fs.readdirSync(path.dirname(OPENAPI_DIR))).toEqual([path.basename(OPENAPI_DIR)]);
}, 120_000);
