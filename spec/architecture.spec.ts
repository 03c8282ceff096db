// The shape STYLE.md asks of lib/: a core on WebCrypto and fetch alone, rooms
// by concern, arrows that only point down (adapters → verify → keys, request,
// authorize, revocation → jose, stores → errors), no cycles.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
}

// a module is named by its path under lib/ without the extension: 'jose/jws', 'verify'
const modules = walk('lib').filter((file) => file.endsWith('.ts')).map((file) => file.slice('lib/'.length, -'.ts'.length));
const sources = new Map(modules.map((name) => [name, readFileSync(`lib/${name}.ts`, 'utf8')]));
const specifiers = (name: string) => [...sources.get(name)!.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
const local = (name: string) =>
  specifiers(name)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => normalize(join(dirname(name), specifier)).replace(/\.js$/, ''));

// The rooms, lowest first. A module may import a lower rank, or its own room
// (never in a cycle). Files at the root of lib/ are rooms of their own.
const RANK: Record<string, number> = {
  errors: 0,
  bytes: 0,
  events: 1,
  jose: 2,
  stores: 2,
  context: 3,
  request: 4,
  options: 5,
  keys: 5,
  authorize: 6,
  revocation: 6,
  'token-cache': 6,
  verify: 7,
  adapters: 8,
  index: 9,
  // logto-authkit/testing: its own entry, above everything, imported by nothing in lib
  testing: 10,
};
const roomOf = (name: string) => (name.includes('/') ? name.slice(0, name.indexOf('/')) : name);

test('every lib module is in a room with a rank', () => {
  assert.deepEqual(modules.filter((name) => !(roomOf(name) in RANK)), []);
});

test('the library imports no node: module and no package, only its own files', () => {
  for (const name of modules) {
    assert.deepEqual(specifiers(name).filter((specifier) => !specifier.startsWith('.')), [], `lib/${name}.ts`);
    const code = sources.get(name)!.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\brequire\(|\bimport\(|\bprocess\.|\bBuffer\./, `lib/${name}.ts uses a Node-only API`);
  }
});

test('imports point down the rooms, or stay inside one', () => {
  for (const name of modules) {
    for (const target of local(name)) {
      assert.ok(modules.includes(target), `lib/${name}.ts imports ${target}, which is not a lib module`);
      const from = roomOf(name);
      const to = roomOf(target);
      assert.ok(from === to || RANK[to]! < RANK[from]!, `lib/${name}.ts (${from}) imports ${target} (${to}): an arrow up`);
    }
  }
});

test('no import cycle', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    assert.notEqual(state.get(name), 'visiting', `cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const target of local(name)) visit(target, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of modules) visit(name, []);
});

test('adapters import only the shared HTTP answer among themselves, and nothing below imports an adapter', () => {
  for (const name of modules) {
    const adapters = local(name).filter((target) => roomOf(target) === 'adapters');
    if (name === 'index') continue;
    if (roomOf(name) === 'adapters') assert.deepEqual(adapters.filter((target) => target !== 'adapters/http-answer'), [], `lib/${name}.ts imports another adapter`);
    else assert.deepEqual(adapters, [], `lib/${name}.ts imports an adapter`);
  }
});

test('stores know only the store interface', () => {
  for (const name of modules.filter((module) => roomOf(module) === 'stores')) {
    for (const target of local(name)) assert.ok(roomOf(target) === 'stores' || target === 'errors', `lib/${name}.ts imports ${target}`);
  }
});

test('index.ts re-exports by name, never with export *', () => {
  assert.doesNotMatch(sources.get('index')!, /export \*/);
});
