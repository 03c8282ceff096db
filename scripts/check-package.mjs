// Checks the package as npm would publish it (`npm run check:package`):
//   1. `npm pack` into a temporary folder; the tarball holds every file the
//      exports map names, a README and a LICENSE, and no sources, specs or
//      build leftovers;
//   2. publint on that tarball (warnings count as errors);
//   3. attw (@arethetypeswrong/cli) on that tarball: node16 (from CJS and from
//      ESM) and bundler must be clean; node10 (TypeScript's legacy
//      `moduleResolution: node`, which ignores `exports`) fails too once
//      package.json has "typesVersions" for the subpaths, and is only reported
//      before that, as Node >= 20 itself always reads `exports`;
//   4. the tarball installed into a fresh temporary project: imported as ESM
//      and required as CommonJS (`logto-authkit`, `/express`, `/next`), and a
//      consumer type-checked by the repo's tsc under node16 (ESM and CJS) and
//      bundler resolution, with skipLibCheck off.
// Prints a summary; exits 1 on any problem. Temporary folders are removed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = ['logto-authkit', 'logto-authkit/express', 'logto-authkit/next', 'logto-authkit/testing'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Paths a published tarball must not hold: sources, tests, tooling, build leftovers. */
const FORBIDDEN = [/^(lib|spec|bench|bin|scripts|fixtures|examples|node_modules|\.ci)\//, /(?<!\.d)\.(ts|mts|cts)$/, /(^|\/)\.[^/]+$/, /\.tgz$/];
/** Files every release must carry besides what the exports map names. */
const REQUIRED = ['package.json', 'README.md', 'LICENSE'];

const results = [];
const temp = mkdtempSync(join(tmpdir(), 'logto-authkit-package-'));
try {
  execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const tarball = await step('npm pack: tarball contents', () => checkTarball(pkg));
  if (tarball) {
    await step('publint (strict)', () => runPublint(tarball));
    await step('attw: types resolve under node16 (CJS and ESM) and bundler', () => runAttw(tarball, pkg));
    const project = await step('npm install of the tarball into a fresh project', () => installInto(tarball, pkg));
    if (project) {
      await step('ESM import of every entry', () => runNode(project, 'esm.mjs'));
      await step('CommonJS require of every entry', () => runNode(project, 'cjs.cjs'));
      await step('tsc: module node16 from ESM (.mts)', () => typecheck(project, 'node16', 'consumer-esm.mts'));
      await step('tsc: module node16 from CommonJS (.cts)', () => typecheck(project, 'node16', 'consumer-cjs.cts'));
      await step('tsc: module esnext, moduleResolution bundler', () => typecheck(project, 'bundler', 'consumer.ts'));
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

const failed = results.filter((result) => result.problems.length > 0);
console.log('\nPackage check summary');
for (const { name, problems, notes } of results) {
  console.log(`${problems.length ? '✘' : '✔'} ${name}`);
  for (const line of problems) console.log(`    ✘ ${line.replaceAll('\n', '\n      ')}`);
  for (const line of notes) console.log(`    · ${line}`);
}
console.log(failed.length ? `\n${failed.length} of ${results.length} checks failed` : `\nall ${results.length} checks passed`);
process.exitCode = failed.length ? 1 : 0;

/** Runs one check; it returns `{ problems?, notes?, value? }` and a throw is a problem too. */
async function step(name, check) {
  const result = { name, problems: [], notes: [] };
  results.push(result);
  try {
    const { problems = [], notes = [], value } = (await check()) ?? {};
    result.problems.push(...problems);
    result.notes.push(...notes);
    return value; // later checks still run on a tarball with, say, a missing LICENSE
  } catch (error) {
    result.problems.push(String(error.stderr || error.stdout || error.message || error).trim());
    return undefined;
  }
}

function checkTarball(pkg) {
  const out = execFileSync(npm, ['pack', '--json', '--pack-destination', temp], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  const files = new Set(info.files.map((file) => file.path));
  const problems = [];
  for (const file of [...REQUIRED, ...exportTargets(pkg.exports)]) if (!files.has(file.replace(/^\.\//, ''))) problems.push(`${file} is not in the tarball`);
  for (const file of files) if (FORBIDDEN.some((pattern) => pattern.test(file))) problems.push(`${file} is in the tarball but should not be published`);
  const notes = [`${info.filename}: ${info.entryCount} files, ${info.size} B packed, ${info.unpackedSize} B unpacked`];
  return { problems, notes, value: join(temp, info.filename) };
}

/** Every file path named in the exports map. */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (!exports || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

async function runPublint(tarball) {
  const bytes = readFileSync(tarball);
  // a tarball's files all sit under package/, which is then the package folder
  const { messages, pkg } = await publint({ pkgDir: 'package', pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, strict: true, level: 'suggestion' });
  const line = (message) => `${message.type}: ${formatMessage(message, pkg, { color: false })} (${message.code})`;
  return {
    problems: messages.filter((message) => message.type !== 'suggestion').map(line),
    notes: messages.filter((message) => message.type === 'suggestion').map(line),
  };
}

function runAttw(tarball, pkg) {
  const attw = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  let out;
  try {
    // --no-definitely-typed: no @types lookup on the registry; we ship our own types
    out = execFileSync(process.execPath, [attw, tarball, '--format', 'json', '--no-definitely-typed'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    out = error.stdout; // attw exits 1 when it finds problems; the JSON says which
    if (!out) throw error;
  }
  const { analysis } = JSON.parse(out);
  const problems = [];
  const notes = [];
  for (const problem of analysis.problems ?? []) {
    const where = problem.entrypoint ? `${problem.entrypoint} under ${problem.resolutionKind ?? 'every resolution'}` : (problem.fileName ?? '');
    const line = `${problem.kind}: ${where} (https://github.com/arethetypeswrong/arethetypeswrong.github.io/blob/main/docs/problems/${problem.kind}.md)`;
    if (problem.resolutionKind === 'node10' && !pkg.typesVersions) notes.push(`not gating (add "typesVersions" for the subpaths to fix): ${line}`);
    else problems.push(line);
  }
  notes.push(`entrypoints: ${Object.keys(analysis.entrypoints).join(', ')}`);
  return { problems, notes };
}

function installInto(tarball, pkg) {
  const project = join(temp, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'logto-authkit', 'package.json'), 'utf8'));
  const problems = [];
  if (installed.version !== pkg.version) problems.push(`installed version ${installed.version}, expected ${pkg.version}`);
  const dependencies = Object.keys({ ...installed.dependencies, ...installed.peerDependencies, ...installed.optionalDependencies });
  if (dependencies.length) problems.push(`runtime dependencies found: ${dependencies.join(', ')} (the contract says zero)`);
  writeConsumer(project);
  return { problems, value: project };
}

function runNode(project, file) {
  const out = execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { notes: out.trim().split('\n').filter(Boolean) };
}

function typecheck(project, mode, file) {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: false, // our own .d.ts/.d.cts must compile in a consumer
    types: [],
    lib: ['ES2022', 'DOM'],
    target: 'ES2022',
    ...(mode === 'node16' ? { module: 'node16', moduleResolution: 'node16' } : { module: 'esnext', moduleResolution: 'bundler' }),
  };
  writeFileSync(join(project, `tsconfig.${file}.json`), JSON.stringify({ compilerOptions, files: [file] }));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', `tsconfig.${file}.json`], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { notes: [`${file} compiles with TypeScript ${JSON.parse(readFileSync(join(ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8')).version}`] };
}

function writeConsumer(project) {
  // runtime checks: every entry loads, the names the contract promises are
  // functions, the subpaths share the root's module instances (one JWKS cache),
  // and a malformed token fails offline with the contract's code and status
  const body = (load) => `
const root = ${load('logto-authkit')};
const express = ${load('logto-authkit/express')};
const next = ${load('logto-authkit/next')};
const fastify = ${load('logto-authkit/fastify')};
const koa = ${load('logto-authkit/koa')};
const hapi = ${load('logto-authkit/hapi')};
const nestjs = ${load('logto-authkit/nestjs')};
const elysia = ${load('logto-authkit/elysia')};
const expect = (ok, what) => { if (!ok) throw new Error(what); };
for (const name of ['verifyLogtoToken', 'verifyAuth', 'createExpressAuthMiddleware', 'verifyNextAuth', 'withAuth', 'clearJwksCache', 'isAuthError', 'AuthError'])
  expect(typeof root[name] === 'function', 'logto-authkit does not export ' + name);
expect(express.createExpressAuthMiddleware === root.createExpressAuthMiddleware, 'logto-authkit/express is another copy of the middleware');
expect(next.withAuth === root.withAuth && next.verifyNextAuth === root.verifyNextAuth, 'logto-authkit/next is another copy of the shims');
expect(fastify.createFastifyAuthHook === root.createFastifyAuthHook && fastify.fastifyLogtoAuth === root.fastifyLogtoAuth, 'logto-authkit/fastify is another copy of the hook');
expect(koa.createKoaAuthMiddleware === root.createKoaAuthMiddleware, 'logto-authkit/koa is another copy of the middleware');
expect(hapi.hapiLogtoScheme === root.hapiLogtoScheme, 'logto-authkit/hapi is another copy of the adapter');
expect(nestjs.LogtoAuthGuard === root.LogtoAuthGuard, 'logto-authkit/nestjs is another copy of the adapter');
expect(elysia.logtoAuth === root.elysiaLogtoDerive && elysia.elysiaLogtoAuth === root.elysiaLogtoAuth, 'logto-authkit/elysia is another copy of the adapter');
const error = await root.verifyLogtoToken('not-a-jwt', { logtoUrl: 'http://127.0.0.1:9', audience: 'https://api.example.com' }).then(() => undefined, (e) => e);
expect(error instanceof root.AuthError && error.code === 'TOKEN_MALFORMED' && error.status === 401, 'a malformed token did not fail with TOKEN_MALFORMED 401');
const testing = ${load('logto-authkit/testing')};
const issuer = await testing.createTestIssuer();
const minted = await root.verifyLogtoToken(await issuer.accessToken({ scope: 'read:data' }), { ...issuer.options, requiredScope: 'read:data' });
expect(minted.userId === issuer.userId, 'logto-authkit/testing: a token it minted did not verify through its fetch');
console.log('loaded ' + Object.keys(root).length + ' root exports; a malformed token fails with ' + error.code + ' ' + error.status);
`;
  writeFileSync(join(project, 'esm.mjs'), body((entry) => `await import('${entry}')`));
  writeFileSync(join(project, 'cjs.cjs'), `(async () => {${body((entry) => `require('${entry}')`)}})().catch((e) => { console.error(e.message); process.exitCode = 1; });`);

  // type checks: the public names have real types (a wrong code is an error,
  // which an \`any\` would hide) and the shims fit the shapes users pass
  const types = `
import { verifyAuth, verifyLogtoToken, AuthError, isAuthError, type AuthContext, type AuthErrorCode, type VerifyAuthOptions } from 'logto-authkit';
import { createExpressAuthMiddleware } from 'logto-authkit/express';
import { verifyNextAuth, withAuth, type NextAuthResult } from 'logto-authkit/next';
import { createFastifyAuthHook, fastifyLogtoAuth, type FastifyAuthHook } from 'logto-authkit/fastify';
import { createTestIssuer, type TestIssuer } from 'logto-authkit/testing';
import { createKoaAuthMiddleware, type KoaAuthMiddleware } from 'logto-authkit/koa';

import { hapiLogtoScheme, type HapiScheme } from 'logto-authkit/hapi';
import { LogtoAuthGuard } from 'logto-authkit/nestjs';
import { logtoAuth, type ElysiaAuthDerive } from 'logto-authkit/elysia';
const options: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.app', audience: ['https://api.example.com'], requiredScope: 'read:data' };
const code: AuthErrorCode = 'TOKEN_EXPIRED';
// @ts-expect-error not an error code of the contract
const wrong: AuthErrorCode = 'TOKEN_STOLEN';
// @ts-expect-error logtoUrl is required
const incomplete: VerifyAuthOptions = { audience: 'x' };

export async function check(request: Request): Promise<Response> {
  const auth: AuthContext = await verifyLogtoToken('token', options);
  const userId: string | null = auth.userId;
  const fromRequest: boolean = (await verifyAuth(request, options)).isAuthenticated;
  try {
    await verifyAuth({ headers: { authorization: 'Bearer x' } }, options);
  } catch (error) {
    if (error instanceof AuthError) { const status: number = error.status; const c: AuthErrorCode = error.code; void status; void c; }
    if (isAuthError(error)) void error.code;
  }
  const middleware = createExpressAuthMiddleware(options);
  void middleware;
  const hook: FastifyAuthHook = createFastifyAuthHook(options);
  void hook; void fastifyLogtoAuth;
  const koaMiddleware: KoaAuthMiddleware = createKoaAuthMiddleware(options);
  void koaMiddleware;
  const hapiAdapter: HapiScheme = hapiLogtoScheme;
  void hapiAdapter;
  const nestjsAdapter: typeof LogtoAuthGuard = LogtoAuthGuard;
  void nestjsAdapter;
  const elysiaAdapter: ElysiaAuthDerive = logtoAuth(options);
  void elysiaAdapter;
  const result: NextAuthResult = await verifyNextAuth(request, options);
  if (result.success) void result.auth.isAuthenticated;
  else { const status: number = result.status; void status; }
  const handler = withAuth(async (_request, context) => Response.json({ userId: context.userId }), options);
  const issuer: TestIssuer = await createTestIssuer({ algorithm: 'ES384' });
  const minted: AuthContext = await verifyLogtoToken(await issuer.accessToken({ scope: ['read:data'] }), { ...issuer.options, requiredScope: 'read:data' });
  void [code, wrong, incomplete, userId, fromRequest, minted];
  return handler(request, {});
}
`;
  for (const file of ['consumer-esm.mts', 'consumer-cjs.cts', 'consumer.ts']) writeFileSync(join(project, file), types);
}
