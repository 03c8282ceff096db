// The kit stays out of production bundles: bundling any production entry point
// (as a browser or edge app would, tree-shaken) pulls in nothing of
// dist/testing/; and the kit itself bundles for the browser platform, so it
// needs no Node module and runs wherever the library runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';

const ENTRIES = ['./dist/index.js', './dist/adapters/express.js', './dist/adapters/next.js', './dist/adapters/hono.js', './dist/adapters/fastify.js'];

async function inputsOf(code: string): Promise<string[]> {
  const result = await build({ stdin: { contents: code, resolveDir: process.cwd(), loader: 'js' }, bundle: true, write: false, metafile: true, format: 'esm', platform: 'browser', logLevel: 'silent' });
  return Object.keys(result.metafile.inputs);
}

test('no production entry point bundles any file of the testing kit, even when all of it is imported', async () => {
  for (const entry of ENTRIES) {
    const inputs = await inputsOf(`export * from '${entry}';`);
    assert.ok(inputs.length > 0, entry);
    assert.deepEqual(inputs.filter((path) => path.startsWith('dist/testing/')), [], entry);
  }
});

test('the kit bundles for the browser platform (no Node module) and is visible by its own files', async () => {
  const inputs = await inputsOf("export * from './dist/testing/index.js';");
  assert.ok(inputs.includes('dist/testing/issuer.js'));
  assert.deepEqual(inputs.filter((path) => path !== '<stdin>' && !path.startsWith('dist/')), []);
});
