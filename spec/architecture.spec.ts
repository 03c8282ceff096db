// The shape STYLE.md asks of lib/: a core on WebCrypto and fetch alone, arrows
// that only point down (shims → verify → the stages → the primitives), no cycles.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const modules = readdirSync('lib').filter((file) => file.endsWith('.ts')).map((file) => file.slice(0, -3));
const imports = new Map(
  modules.map((name) => {
    const source = readFileSync(`lib/${name}.ts`, 'utf8');
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
    return [name, specifiers] as const;
  }),
);
const local = (name: string) => imports.get(name)!.filter((specifier) => specifier.startsWith('./')).map((specifier) => specifier.slice(2).replace(/\.js$/, ''));

// lower layers never import higher ones; a module may import its own layer only where listed
const LAYER: Record<string, number> = {
  base64url: 0, errors: 0, cookies: 0, 'token-cache': 0,
  jwk: 1, claims: 1, options: 2,
  jws: 2, 'jwks-cache': 2, 'token-source': 1, guest: 2,
  verify: 3,
  express: 4, next: 4,
  index: 5,
};

test('every lib module has a layer', () => {
  assert.deepEqual(modules.filter((name) => !(name in LAYER)), []);
});

test('the library imports no node: module and no package, only its own files', () => {
  for (const [name, specifiers] of imports) {
    assert.deepEqual(specifiers.filter((specifier) => !specifier.startsWith('./')), [], `lib/${name}.ts`);
    const code = readFileSync(`lib/${name}.ts`, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\brequire\(|\bimport\(|\bprocess\.|\bBuffer\./, `lib/${name}.ts uses a Node-only API`);
  }
});

test('imports point down the layers', () => {
  for (const name of modules) {
    for (const target of local(name)) assert.ok(LAYER[target]! < LAYER[name]!, `lib/${name}.ts imports ${target}`);
  }
});

test('only index.ts imports the shims, and the shims never import each other', () => {
  for (const name of modules) {
    if (name === 'index') continue;
    assert.ok(!local(name).includes('express') && !local(name).includes('next'), `lib/${name}.ts imports a shim`);
  }
});

test('index.ts re-exports by name, never with export *', () => {
  assert.doesNotMatch(readFileSync('lib/index.ts', 'utf8'), /export \*/);
});
