// Builds dist/: ESM (.js) and CommonJS (.cjs) with esbuild, one output file per
// lib/ module (folders kept) so the entry points share one JWKS cache, and
// .d.ts/.d.cts from tsc.
// `--if-stale` skips the build when dist/ is newer than every source file.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sources = walk('lib').filter((file) => file.endsWith('.ts'));

if (process.argv.includes('--if-stale') && isFresh()) process.exit(0);

// build beside dist/ and swap it in at the end, so a reader never sees half a build
// one scratch folder per build, so two builds at once never write into each other
const tmp = `dist.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
// a failed build (a type error, say) leaves no scratch folder behind
process.on('exit', (code) => {
  if (code !== 0) rmSync(tmp, { recursive: true, force: true });
});
const common = { entryPoints: sources, outdir: tmp, outbase: 'lib', bundle: false, platform: 'neutral', target: 'es2022', logLevel: 'warning' };
await build({ ...common, format: 'esm' });
await build({ ...common, format: 'cjs', outExtension: { '.js': '.cjs' } });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', tmp], { stdio: 'inherit' });
// the CLI is one self-contained ESM file (it is run, not imported)
await build({ entryPoints: ['bin/cli.ts'], outfile: `${tmp}/cli.js`, bundle: true, format: 'esm', platform: 'node', target: 'node20', banner: { js: '#!/usr/bin/env node' }, logLevel: 'warning' });

// CommonJS files and their types point at their .cjs siblings, not the ESM ones
for (const path of walk(tmp)) {
  if (path.endsWith('.cjs')) rewrite(path, path, /require\("(\.\.?\/[\w./-]+)\.js"\)/g, 'require("$1.cjs")');
  if (path.endsWith('.d.ts')) rewrite(path, path.replace(/\.d\.ts$/, '.d.cts'), /from '(\.\.?\/[\w./-]+)\.js'/g, "from '$1.cjs'");
}
chmodSync(`${tmp}/cli.js`, 0o755);
writeFileSync(`${tmp}/.stamp`, String(Date.now()));
// swap: a reader sees the old build or the new one, never half of one
const old = `dist.old-${process.pid}`;
if (existsSync('dist')) renameSync('dist', old);
renameSync(tmp, 'dist');
rmSync(old, { recursive: true, force: true });

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
}

function rewrite(from, to, pattern, replacement) {
  writeFileSync(to, readFileSync(from, 'utf8').replace(pattern, replacement));
}

function isFresh() {
  if (!existsSync('dist/.stamp')) return false;
  const built = statSync('dist/.stamp').mtimeMs;
  return [...sources, ...readdirSync('bin').map((file) => join('bin', file)), 'build.mjs', 'package.json', 'tsconfig.build.json'].every((file) => statSync(file).mtimeMs < built);
}
