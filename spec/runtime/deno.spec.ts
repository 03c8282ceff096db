// The built package on Deno, imported by path, with no network beyond
// loopback and no npm, remote or config resolution.
import { after, before, test } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertChecks, DIST_INDEX, ensureBuilt, FIXTURES, ROOT, runChild, startTokenFixture, versionOf, type RuntimeInput } from './support.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';

const deno = join(ROOT, 'node_modules', '.bin', 'deno');
const denoDir = join(ROOT, 'node_modules', '.cache', 'deno');
let server: JwksServer;
let input: RuntimeInput;

before(async () => {
  ensureBuilt();
  mkdirSync(denoDir, { recursive: true });
  ({ server, input } = await startTokenFixture());
});
after(() => server?.close());

test(`verifies an ES384 Logto token on Deno ${versionOf(deno).split(' ')[1]}`, async (t) => {
  const args = [
    'run',
    '--no-config',
    '--no-lock',
    '--no-npm',
    '--no-remote',
    '--allow-net=127.0.0.1',
    `--allow-read=${ROOT}`,
    '--allow-env=AUTHKIT_RUNTIME_INPUT',
    join(FIXTURES, 'check-esm.mjs'),
    pathToFileURL(DIST_INDEX).href,
  ];
  const result = await runChild(deno, args, input, { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: denoDir, NO_COLOR: '1' });
  t.diagnostic(result.runtime!);
  assertChecks(result);
});
