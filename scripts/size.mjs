// What the library costs a browser or edge bundle (`npm run size`): esbuild
// bundles and minifies a consumer of each entry point from dist/ (ESM, browser
// platform, tree-shaken), and jose's jwtVerify + createRemoteJWKSet the same
// way, then prints a markdown table of minified and minified+gzip (level 9)
// bytes with the ratio to jose, and the modules that weigh most in
// `verifyLogtoToken` alone (so the next person sees where the bytes are).
// Fails (exit 1) when an entry ships code it must not: `verifyLogtoToken` alone
// must not pull in request reading, guest mode, adapters, guards, stores or the
// revocation handlers; `verifyAuth` must not pull in adapters, guards or stores.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// dist/ paths a consumer must not ship; `request/cookies.js` is allowed in the
// token entry for `isCookieName` alone (options are checked whole on every entry)
const NOT_IN_TOKEN = [/^dist\/request\/(?!cookies\.js$)/, /^dist\/adapters\//, /^dist\/authorize\//, /^dist\/stores\//, /^dist\/revocation\/(?!assert-not-revoked\.js$)/];
const NOT_IN_REQUEST = [/^dist\/adapters\//, /^dist\/authorize\//, /^dist\/stores\//, /^dist\/revocation\/(?!assert-not-revoked\.js$)/];
const CONSUMERS = [
  { name: 'logto-authkit: verifyLogtoToken alone', code: "export { verifyLogtoToken } from './dist/index.js';", forbidden: NOT_IN_TOKEN, breakdown: true },
  { name: 'logto-authkit: verifyAuth', code: "export { verifyAuth } from './dist/index.js';", forbidden: NOT_IN_REQUEST },
  { name: 'logto-authkit/express: createExpressAuthMiddleware', code: "export { createExpressAuthMiddleware } from './dist/adapters/express.js';" },
  { name: 'logto-authkit/next: withAuth + verifyNextAuth', code: "export { withAuth, verifyNextAuth } from './dist/adapters/next.js';" },
  { name: 'logto-authkit/hono: createHonoAuthMiddleware', code: "export { createHonoAuthMiddleware } from './dist/adapters/hono.js';" },
  { name: 'logto-authkit/fastify: createFastifyAuthHook', code: "export { createFastifyAuthHook } from './dist/adapters/fastify.js';" },
  { name: 'jose: jwtVerify + createRemoteJWKSet', code: "export { jwtVerify, createRemoteJWKSet } from 'jose';", baseline: true },
];

execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
const sizes = [];
const problems = [];
for (const consumer of CONSUMERS) {
  const result = await build({
    stdin: { contents: consumer.code, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = result.outputFiles[0].contents;
  // every input that left bytes in the output, heaviest first
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path, input]) => ({ path, bytes: input.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  for (const { path } of inputs) if (consumer.forbidden?.some((pattern) => pattern.test(path))) problems.push(`${consumer.name} ships ${path}`);
  sizes.push({ ...consumer, min: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength, inputs });
}

const jose = sizes.find((size) => size.baseline);
const ratio = (ours, theirs) => `${(ours / theirs).toFixed(2)}×`;
console.log('| bundle | min (B) | min+gzip (B) | min vs jose | min+gzip vs jose |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const size of sizes) {
  console.log(`| ${size.name} | ${size.min} | ${size.gzip} | ${ratio(size.min, jose.min)} | ${ratio(size.gzip, jose.gzip)} |`);
}
for (const size of sizes.filter((s) => s.breakdown)) {
  console.log(`\n${size.name}, minified bytes per module (before gzip):\n`);
  console.log('| module | min (B) |');
  console.log('| --- | ---: |');
  for (const input of size.inputs) console.log(`| ${input.path} | ${input.bytes} |`);
}
const joseVersion = JSON.parse(execFileSync(process.execPath, ['-p', "JSON.stringify(require('jose/package.json').version)"], { cwd: ROOT, encoding: 'utf8' }));
console.log(`\nesbuild, format esm, platform browser, target es2022, minified; gzip level 9; jose ${joseVersion}.`);
if (problems.length > 0) {
  console.error(`\nTree-shaking failed:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
  process.exitCode = 1;
}
