// Every name a code block of README.md or docs/ imports as a value from
// 'logto-authkit' or one of its subpaths exists at run time in the built
// entry (type-checking alone cannot see a name that has types but no value).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, test } from 'node:test';
import { codeBlocks, isReference, markdownFiles, ROOT, TYPED } from './markdown.ts';

before(() => execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' }));

interface Imported {
  where: string;
  specifier: string;
  name: string;
}

const imports: Imported[] = markdownFiles()
  .filter((file) => !isReference(file))
  .flatMap(codeBlocks)
  .filter((block) => TYPED[block.lang] !== undefined)
  .flatMap((block) =>
    [...block.code.matchAll(/^import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(logto-authkit(?:\/[\w-]+)?)'/gm)].flatMap((match) =>
      match[1]
        ? []
        : match[2]!
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '' && !part.startsWith('type '))
            .map((part) => ({ where: `${block.file}:${block.line}`, specifier: match[3]!, name: part.split(/\s+as\s+/)[0]! })),
    ),
  );

test('the docs import values from the package', () => {
  assert.ok(imports.some((entry) => entry.specifier === 'logto-authkit'));
});

test('every value the docs import from an entry point exists in its built module', async () => {
  const missing: string[] = [];
  for (const { where, specifier, name } of imports) {
    const module = (await import(specifier)) as Record<string, unknown>; // the package's own exports, by self-reference
    if (!(name in module)) missing.push(`${where}: ${name} is not exported by ${specifier} at run time`);
  }
  assert.deepEqual(missing, []);
});

// What the README says of the root entry: every adapter's exports but the
// guards, whose one name means another function in each framework
// (requireScopes from logto-authkit/express is Express middleware).
const FRAMEWORK_GUARDS = ['guard', 'requireScopes', 'requireAnyScope', 'requireOrganization', 'requireClaims', 'requireActor', 'forbidActor', 'requireUser', 'requireMachine', 'requireClients', 'withGuard', 'guardResponse'];
// NestJS's decorators and their metadata keys are guards too, in Nest's own form;
// Elysia's derive is at the root under a name that says whose it is
const FRAMEWORK_ONLY = new Set([...FRAMEWORK_GUARDS, 'Auth', 'Public', 'Requires', 'RequireScopes', 'RequireAnyScope', 'RequireOrganization', 'RequireClaims', 'RequireActor', 'ForbidActor', 'RequireTokenKind', 'RequireClients', 'LOGTO_PUBLIC_KEY', 'LOGTO_REQUIREMENTS_KEY', 'logtoAuth']);
// the testing kit is never reachable from the root: no production bundle may carry it (spec/testing/bundle.spec.ts)
const NOT_AT_ROOT = new Set(['./testing']);

test('the root entry exports every value of every subpath but the framework guards and the testing kit', async () => {
  const root = (await import('logto-authkit')) as Record<string, unknown>;
  const pkg = (await import('logto-authkit/package.json', { with: { type: 'json' } })).default as { exports: Record<string, unknown> };
  const missing: string[] = [];
  for (const key of Object.keys(pkg.exports).filter((key) => key !== '.' && key !== './package.json' && !NOT_AT_ROOT.has(key))) {
    const specifier = `logto-authkit/${key.slice(2)}`;
    const module = (await import(specifier)) as Record<string, unknown>;
    for (const name of Object.keys(module)) if (!(name in root) && !FRAMEWORK_ONLY.has(name)) missing.push(`${specifier}: ${name}`);
  }
  assert.deepEqual(missing, []);
  assert.equal('requireScopes' in root, false, 'the README says the guards come from the framework entry points');
  assert.equal('createTestIssuer' in root, false, 'the testing kit comes from logto-authkit/testing alone');
});
