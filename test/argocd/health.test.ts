/**
 * The Argo CD health checks (lib/argocd-health.lua for operator CRs, lib/argocd-app-health.lua
 * for child Applications), run in a real Lua VM (fengari), and the committed argocd-cm patch
 * matches the scripts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { healthPatch } from '../../tools/argocd-health-patch.js';
import { repoRoot } from '../../tools/binaries.js';

const require = createRequire(import.meta.url);
const { lua, lauxlib, lualib, to_luastring, to_jsstring } = require('fengari');
const script = fs.readFileSync(path.join(repoRoot, 'lib/argocd-health.lua'), 'utf8');
const appScript = fs.readFileSync(path.join(repoRoot, 'lib/argocd-app-health.lua'), 'utf8');

/** Push a JSON value as a Lua value (objects and arrays become tables, arrays 1-based). */
function push(L: unknown, v: unknown): void {
  if (v === null || v === undefined) lua.lua_pushnil(L);
  else if (typeof v === 'boolean') lua.lua_pushboolean(L, v);
  else if (typeof v === 'number') lua.lua_pushnumber(L, v);
  else if (typeof v === 'string') lua.lua_pushstring(L, to_luastring(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((x, i) => {
      push(L, x);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    lua.lua_createtable(L, 0, 0);
    for (const [k, x] of Object.entries(v as object)) {
      push(L, x);
      lua.lua_setfield(L, -2, to_luastring(k));
    }
  }
}

function health(obj: unknown, lua_ = script): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_dostring(L, to_luastring(lua_)) !== lua.LUA_OK) throw new Error(to_jsstring(lua.lua_tostring(L, -1)));
  lua.lua_getfield(L, -1, to_luastring('status'));
  const status = to_jsstring(lua.lua_tostring(L, -1));
  lua.lua_getfield(L, -2, to_luastring('message'));
  return { status, message: to_jsstring(lua.lua_tostring(L, -1)) };
}

const cr = (conditions?: object[], generation = 3) => ({ metadata: { generation }, ...(conditions ? { status: { conditions } } : {}) });

describe('Argo CD health for operator CRs', () => {
  it.each([
    ['no status yet', cr(), 'Progressing'],
    [
      'available and reconciled',
      cr([
        { type: 'Available', status: 'True' },
        { type: 'Reconciled', status: 'True', observedGeneration: 3 },
      ]),
      'Healthy',
    ],
    [
      'some replicas down',
      cr([
        { type: 'Available', status: 'Degraded', message: '1/2 ready' },
        { type: 'Reconciled', status: 'True', observedGeneration: 3 },
      ]),
      'Degraded',
    ],
    [
      'the operator rejected the spec',
      cr([
        { type: 'Available', status: 'True' },
        { type: 'Reconciled', status: 'False', message: 'invalid storage' },
      ]),
      'Degraded',
    ],
    [
      'a change not reconciled yet',
      cr([
        { type: 'Available', status: 'True' },
        { type: 'Reconciled', status: 'True', observedGeneration: 2 },
      ]),
      'Progressing',
    ],
    [
      'nothing available yet',
      cr([
        { type: 'Available', status: 'False' },
        { type: 'Reconciled', status: 'True', observedGeneration: 3 },
      ]),
      'Progressing',
    ],
  ])('%s -> %s', (_title, obj, status) => {
    expect(health(obj).status).toBe(status);
  });

  it('carries the operator message through', () => {
    expect(health(cr([{ type: 'Reconciled', status: 'False', message: 'invalid storage' }])).message).toBe('invalid storage');
  });

  it('the committed argocd-cm patch is up to date with the script (run `make synth`)', () => {
    expect(fs.readFileSync(path.join(repoRoot, 'docs/argocd/argocd-cm-health-patch.yaml'), 'utf8')).toBe(healthPatch());
  });
});

describe('Argo CD health for child Applications (what makes sync waves wait)', () => {
  const app = (status?: object) => ({ metadata: {}, ...(status ? { status } : {}) });
  it.each([
    ['just created', app(), 'Progressing'],
    ['healthy but not synced yet', app({ sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } }), 'Progressing'],
    ['synced, resources still coming up', app({ sync: { status: 'Synced' }, health: { status: 'Progressing' } }), 'Progressing'],
    ['synced and healthy', app({ sync: { status: 'Synced' }, health: { status: 'Healthy' } }), 'Healthy'],
    [
      'synced, something broken',
      app({ sync: { status: 'Synced' }, health: { status: 'Degraded', message: 'certificate not ready' } }),
      'Degraded',
    ],
  ])('%s -> %s', (_title, obj, status) => {
    expect(health(obj, appScript).status).toBe(status);
  });

  it('is installed by the argocd-cm patch', () => {
    expect(healthPatch()).toContain('resource.customizations.health.argoproj.io_Application');
  });
});
