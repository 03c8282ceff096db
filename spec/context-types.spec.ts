// Type tests: the fixtures in spec/types/ compiled by tsc as a user's project
// would (against the built package, `logto-authkit` and its entry points: run
// `node build.mjs` first), with strict on and off. Each fixture holds lines that must compile
// (typed claims read without a cast or `!`) and lines marked @ts-expect-error
// that must not (tsc fails on an unused one), so a type that drifts either way
// fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

// what a user's tsconfig for an ESM app holds; strict is the variable
const COMPILER_FLAGS = ['--noEmit', '--target', 'ES2022', '--module', 'ESNext', '--moduleResolution', 'Bundler', '--lib', 'ES2022,DOM,DOM.Iterable', '--skipLibCheck', '--esModuleInterop', '--allowImportingTsExtensions', '--types', 'node'];

function compile(fixture: string, strict: boolean): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, ...COMPILER_FLAGS, '--strict', String(strict), `spec/types/${fixture}`], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('types a user compiles against', () => {
  for (const strict of [true, false]) {
    test(`typed custom claims reach verifyLogtoToken, verifyAuth, withAuth, verifyNextAuth, Hono, Express and Fastify handlers (strict ${strict})`, () => {
      const { status, output } = compile('typed-claims.ts', strict);
      assert.equal(status, 0, output);
    });
  }

  test('no `!` where no guest can arrive, and nullable where one can (strict true)', () => {
    const { status, output } = compile('strict-nulls.ts', true);
    assert.equal(status, 0, output);
  });
});
