/** Every component reaches staging and prod only by promotion: each promoted pin set names every component. */
import { promotedPins, versions } from '../../envs/versions.js';

it.each(Object.keys(promotedPins))('the promoted pins of %s name every component of envs/versions.ts', (env) => {
  const missing = Object.keys(versions).filter((c) => !(c in promotedPins[env]!.images));
  expect(missing).toEqual([]);
  expect(Object.keys(promotedPins[env]!.images).filter((c) => !(c in versions))).toEqual([]);
});

it('there is a promoted environment to check', () => {
  expect(Object.keys(promotedPins).sort()).toEqual(['prod', 'staging']);
});
