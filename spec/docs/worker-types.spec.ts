// The shipped declarations type-check in a Cloudflare Worker project as its
// authors set one up: Cloudflare's runtime types, no DOM lib, and
// `skipLibCheck: false`, so every .d.ts the package ships is checked. The
// Worker imports every entry point of package.json `exports`, so a new subpath
// is covered without editing this spec. `wrangler types` would write the same
// runtime types, but wrangler 4 refuses to start on Node 20 (this repository's
// floor), so they come from @cloudflare/workers-types, the same runtime types on npm.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// inside the repository, so `logto-authkit/...` resolves to dist/ by package self-reference
const dir = join(ROOT, 'tmp', `worker-types-${process.pid}`);
after(() => rmSync(dir, { recursive: true, force: true }));

const entries = Object.keys(pkg.exports as Record<string, unknown>)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`) as string);

test('a Worker importing every entry point type-checks with skipLibCheck false and no DOM lib', { timeout: 120_000 }, () => {
  execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  assert.ok(entries.length >= 5, `entries: ${entries.join(', ')}`);
  mkdirSync(dir, { recursive: true });
  const imports = entries.map((entry, i) => `import * as entry${i} from '${entry}';`).join('\n');
  writeFileSync(
    join(dir, 'worker.ts'),
    `${imports}
import { verifyAuth } from 'logto-authkit';
export const used = [${entries.map((_, i) => `entry${i}`).join(', ')}];
export default {
  async fetch(request: Request): Promise<Response> {
    const auth = await verifyAuth(request, { logtoUrl: 'https://tenant.logto.app', audience: 'https://api.example.com' });
    return Response.json({ userId: auth.userId });
  },
} satisfies ExportedHandler;
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'es2022',
        moduleResolution: 'bundler',
        lib: ['es2022'],
        types: ['@cloudflare/workers-types'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: ['worker.ts'],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
  assert.equal(tsc.stdout + tsc.stderr, '', `entries: ${entries.join(', ')}`);
  assert.equal(tsc.status, 0);
});
