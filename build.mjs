// Builds dist/: ESM (.js) and CommonJS (.cjs) with esbuild, one output file per
// lib/ module so the entry points share one JWKS cache, and .d.ts/.d.cts from tsc.
// `--if-stale` skips the build when dist/ is newer than every source file.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sources = readdirSync('lib').filter((file) => file.endsWith('.ts')).map((file) => join('lib', file));

if (process.argv.includes('--if-stale') && isFresh()) process.exit(0);

// build beside dist/ and swap it in at the end, so a reader never sees half a build
rmSync('dist.tmp', { recursive: true, force: true });
const common = { entryPoints: sources, outdir: 'dist.tmp', bundle: false, platform: 'neutral', target: 'es2022', logLevel: 'warning' };
await build({ ...common, format: 'esm' });
await build({ ...common, format: 'cjs', outExtension: { '.js': '.cjs' } });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', 'dist.tmp'], { stdio: 'inherit' });
// the CLI is one self-contained ESM file (it is run, not imported)
await build({ entryPoints: ['bin/cli.ts'], outfile: 'dist.tmp/cli.js', bundle: true, format: 'esm', platform: 'node', target: 'node20', banner: { js: '#!/usr/bin/env node' }, logLevel: 'warning' });

// CommonJS files and their types point at their .cjs siblings, not the ESM ones
for (const file of readdirSync('dist.tmp')) {
  const path = join('dist.tmp', file);
  if (file.endsWith('.cjs')) rewrite(path, path, /require\("(\.\/[\w-]+)\.js"\)/g, 'require("$1.cjs")');
  if (file.endsWith('.d.ts')) rewrite(path, path.replace(/\.d\.ts$/, '.d.cts'), /from '(\.\/[\w-]+)\.js'/g, "from '$1.cjs'");
}
chmodSync('dist.tmp/cli.js', 0o755);
writeFileSync('dist.tmp/.stamp', String(Date.now()));
rmSync('dist', { recursive: true, force: true });
renameSync('dist.tmp', 'dist');

function rewrite(from, to, pattern, replacement) {
  writeFileSync(to, readFileSync(from, 'utf8').replace(pattern, replacement));
}

function isFresh() {
  if (!existsSync('dist/.stamp')) return false;
  const built = statSync('dist/.stamp').mtimeMs;
  return [...sources, ...readdirSync('bin').map((file) => join('bin', file)), 'build.mjs', 'package.json', 'tsconfig.build.json'].every((file) => statSync(file).mtimeMs < built);
}
