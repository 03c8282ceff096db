// The built package on Bun, through the package's own name ('logto-authkit'
// resolves to dist/ by the exports map).
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { assertChecks, ensureBuilt, FIXTURES, ROOT, runChild, startTokenFixture, versionOf, type RuntimeInput } from './support.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';

const bun = join(ROOT, 'node_modules', '.bin', 'bun');
let server: JwksServer;
let input: RuntimeInput;

before(async () => {
  ensureBuilt();
  ({ server, input } = await startTokenFixture());
});
after(() => server?.close());

test(`verifies an ES384 Logto token on Bun ${versionOf(bun)}`, async (t) => {
  const result = await runChild(bun, ['run', '--no-install', join(FIXTURES, 'check-esm.mjs'), 'logto-authkit'], input, { DO_NOT_TRACK: '1' });
  t.diagnostic(result.runtime!);
  assertChecks(result);
});
