// The testing guide's examples (examples/testing/, shown whole in
// docs/testing.md) run as their users run them: node:test, Vitest and Jest
// through their own command lines, in a child process. Each must pass, and
// must FAIL once its route's guard lines (marked `// guard`) are removed from
// a copy: a test that cannot fail would prove nothing about authorization.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = resolve('.');
const EXAMPLES = join(ROOT, 'examples', 'testing');
const GUARD = /^.*\/\/ guard\s*$\n/gm;

interface Example {
  name: string;
  runner: string;
  /** The command, run with the example's folder as `dir`. */
  command: (dir: string) => string[];
}

const nodeTest = (file: string) => (dir: string) => ['--import', 'tsx', '--test', join(dir, file)];
const EXAMPLE_LIST: Example[] = [
  { name: 'express', runner: 'Jest + supertest', command: (dir) => [join(ROOT, 'node_modules/jest/bin/jest.js'), '--rootDir', dir, '--config', join(dir, 'jest.config.cjs')] },
  { name: 'hono', runner: "Vitest + Hono's app.request()", command: (dir) => [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--cache=false'] },
  { name: 'fastify', runner: "node:test + Fastify's inject()", command: nodeTest('app.test.ts') },
  { name: 'next', runner: 'node:test + a Next route handler called directly', command: nodeTest('route.test.ts') },
  { name: 'webhook', runner: 'node:test + a Logto webhook delivery', command: nodeTest('app.test.ts') },
];

function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  // CI=1: Vitest and Jest run once, without watch mode or interactive output. Without
  // NODE_TEST_CONTEXT: a child `node --test` that inherits it runs nothing and exits 0
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd, env: { ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0', NODE_OPTIONS: '' }, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== 'node_modules')
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
}

/** A copy of the example beside it (so packages resolve the same way) with every `// guard` line removed. */
function unguardedCopy(example: Example): { dir: string; removed: number } {
  const dir = join(EXAMPLES, `unguarded-${example.name}-${process.pid}`);
  cpSync(join(EXAMPLES, example.name), dir, { recursive: true });
  let removed = 0;
  for (const file of walk(dir)) {
    const text = readFileSync(file, 'utf8');
    const stripped = text.replace(GUARD, () => {
      removed++;
      return '';
    });
    if (stripped !== text) writeFileSync(file, stripped);
  }
  return { dir, removed };
}

describe('every example of docs/testing.md', () => {
  for (const example of EXAMPLE_LIST) {
    test(`${example.name} (${example.runner}) passes`, async () => {
      const dir = join(EXAMPLES, example.name);
      const { code, output } = await run(example.command(dir), dir);
      assert.equal(code, 0, output);
      // the runner really ran the file's tests (none skipped, none missing)
      assert.match(output, /(# pass [1-9]|Tests: +[1-9]\d* passed|Tests +[1-9]\d* passed)/, output);
      assert.doesNotMatch(output, /# fail [1-9]|failed/, output);
    });

    test(`${example.name} (${example.runner}) fails once its route's guard is removed`, async () => {
      const { dir, removed } = unguardedCopy(example);
      try {
        assert.ok(removed > 0, 'the example marks no guard line');
        const { code, output } = await run(example.command(dir), dir);
        assert.notEqual(code, 0, `the tests still pass without the guard:\n${output}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

test('the TypeScript examples type-check as a user project would (strict, on their own)', async () => {
  // a program of the examples alone: the repository's other dev types (another library's
  // `req.auth`, say) are not in a user's project either
  const config = join(ROOT, `tsconfig.examples-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({ extends: './tsconfig.json', include: ['examples/testing/**/*.ts'] }));
  try {
    const { code, output } = await run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], ROOT);
    assert.equal(code, 0, output);
  } finally {
    rmSync(config, { force: true });
  }
});

test("the guide's first snippet runs as shown and gives alice", async () => {
  const guide = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');
  const snippet = /## In one test\n\n```ts\n([\s\S]*?)```/.exec(guide)?.[1];
  assert.ok(snippet, 'docs/testing.md has no "In one test" snippet');
  // inside the repository, so `logto-authkit` resolves to this package as from node_modules
  const file = join(ROOT, `snippet-${process.pid}.ts`);
  writeFileSync(file, `${snippet}\nif (auth.userId !== 'alice') throw new Error('not alice');\nconsole.log('snippet ok');\n`);
  try {
    const { code, output } = await run(['--import', 'tsx', file], ROOT);
    assert.equal(code, 0, output);
    assert.match(output, /snippet ok/);
  } finally {
    rmSync(file, { force: true });
  }
});

test('docs/testing.md shows every example file whole, as the suite runs it', () => {
  const guide = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');
  for (const file of walk(EXAMPLES).filter((path) => !relative(EXAMPLES, path).startsWith('unguarded-'))) {
    assert.ok(guide.includes(readFileSync(file, 'utf8').trim()), `docs/testing.md does not show ${relative(ROOT, file)} as it is`);
  }
});
