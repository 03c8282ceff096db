// The built package in the Vercel edge runtime's VM (@edge-runtime/vm, the
// sandbox `next dev` and Vercel use for edge functions): bundled to one IIFE,
// evaluated inside the VM, run with the VM's own fetch, crypto and Request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { EdgeVM } from '@edge-runtime/vm';
import { assertChecks, ensureBuilt, FIXTURES, startTokenFixture, type CheckResult, type RuntimeInput } from './support.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';

const vmVersion = (createRequire(import.meta.url)('@edge-runtime/vm/package.json') as { version: string }).version;
let server: JwksServer;
let input: RuntimeInput;
let code: string;

before(async () => {
  ensureBuilt();
  ({ server, input } = await startTokenFixture());
  const bundle = await build({ entryPoints: [join(FIXTURES, 'edge-entry.mjs')], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning' });
  code = bundle.outputFiles[0]!.text;
});
after(() => server?.close());

test(`verifies an ES384 Logto token in the edge runtime VM (@edge-runtime/vm ${vmVersion})`, async (t) => {
  const vm = new EdgeVM();
  assert.equal(vm.evaluate('typeof EdgeRuntime'), 'string');
  vm.evaluate(code);
  const json = await vm.evaluate<Promise<string>>(`runAuthkitChecks(${JSON.stringify(input)})`);
  t.diagnostic(`@edge-runtime/vm ${vmVersion}, EdgeRuntime = ${vm.evaluate('EdgeRuntime')}`);
  assertChecks(JSON.parse(json) as CheckResult);
});
