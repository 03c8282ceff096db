// What the library costs a browser or edge bundle (`npm run size`): esbuild
// bundles and minifies a consumer of each entry point from dist/ (ESM, browser
// platform, tree-shaken), and jose's jwtVerify + createRemoteJWKSet the same
// way, then prints a markdown table of minified and minified+gzip (level 9)
// bytes with the ratio to jose.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONSUMERS = [
  { name: 'logto-authkit: verifyAuth (core)', code: "export { verifyAuth } from './dist/index.js';" },
  { name: 'logto-authkit/express: createExpressAuthMiddleware', code: "export { createExpressAuthMiddleware } from './dist/adapters/express.js';" },
  { name: 'logto-authkit/next: withAuth + verifyNextAuth', code: "export { withAuth, verifyNextAuth } from './dist/adapters/next.js';" },
  { name: 'jose: jwtVerify + createRemoteJWKSet', code: "export { jwtVerify, createRemoteJWKSet } from 'jose';", baseline: true },
];

execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
const sizes = [];
for (const consumer of CONSUMERS) {
  const result = await build({
    stdin: { contents: consumer.code, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  const bytes = result.outputFiles[0].contents;
  sizes.push({ ...consumer, min: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength });
}

const jose = sizes.find((size) => size.baseline);
const ratio = (ours, theirs) => `${(ours / theirs).toFixed(2)}×`;
console.log('| bundle | min (B) | min+gzip (B) | min vs jose | min+gzip vs jose |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const size of sizes) {
  console.log(`| ${size.name} | ${size.min} | ${size.gzip} | ${ratio(size.min, jose.min)} | ${ratio(size.gzip, jose.gzip)} |`);
}
const joseVersion = JSON.parse(execFileSync(process.execPath, ['-p', "JSON.stringify(require('jose/package.json').version)"], { cwd: ROOT, encoding: 'utf8' }));
console.log(`\nesbuild, format esm, platform browser, target es2022, minified; gzip level 9; jose ${joseVersion}.`);
