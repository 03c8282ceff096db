// The built package in plain Node, as a user installs it: the ESM entry
// (import 'logto-authkit') and the CommonJS one (require('logto-authkit')),
// on the Node running this suite (20 in CI) and on Node 22.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertChecks, ensureBuilt, ensureNodeBinary, FIXTURES, runChild, startTokenFixture, type RuntimeInput } from './support.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';

let server: JwksServer;
let input: RuntimeInput;

before(async () => {
  ensureBuilt();
  ({ server, input } = await startTokenFixture());
});
after(() => server?.close());

test(`verifies an ES384 Logto token on Node ${process.versions.node} through import 'logto-authkit'`, async (t) => {
  const result = await runChild(process.execPath, [join(FIXTURES, 'check-esm.mjs'), 'logto-authkit'], input);
  t.diagnostic(result.runtime!);
  assertChecks(result);
});

test(`verifies an ES384 Logto token on Node ${process.versions.node} through require('logto-authkit')`, async (t) => {
  const result = await runChild(process.execPath, [join(FIXTURES, 'check-cjs.cjs')], input);
  t.diagnostic(result.runtime!);
  assert.match((result as { resolved?: string }).resolved ?? '', /dist[\\/]index\.cjs$/);
  assertChecks(result);
});

test('verifies an ES384 Logto token on Node 22 through both import and require', async (t) => {
  const node22 = ensureNodeBinary(22);
  for (const args of [[join(FIXTURES, 'check-esm.mjs'), 'logto-authkit'], [join(FIXTURES, 'check-cjs.cjs')]]) {
    const result = await runChild(node22, args, input);
    t.diagnostic(`${result.runtime} (${(result as { format?: string }).format})`);
    assert.match(result.runtime!, /^Node 22\./);
    assertChecks(result);
  }
});
