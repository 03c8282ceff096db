#!/usr/bin/env node
// The dedicated fuzz run: every property in spec/fuzz/ with FUZZ_RUNS cases
// each (default 7000: 16 properties, 112,000 cases) and a fixed, printed seed.
// `npm test` runs the same properties with a small sample.
//   node scripts/fuzz.mjs                  FUZZ_RUNS=20000 node scripts/fuzz.mjs
//   FUZZ_SEED=12345 node scripts/fuzz.mjs  (replay another seed)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = readdirSync(new URL('../spec/fuzz/', import.meta.url))
  .filter((name) => name.endsWith('.spec.ts'))
  .sort()
  .map((name) => `spec/fuzz/${name}`);
const env = { ...process.env, FUZZ_RUNS: process.env.FUZZ_RUNS ?? '7000' };
console.log(`fuzz: ${files.length} files, FUZZ_RUNS=${env.FUZZ_RUNS} per property, seed ${env.FUZZ_SEED ?? '67952 (default)'}`);
const started = Date.now();
const { status } = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { cwd: root, env, stdio: 'inherit' });
console.log(`fuzz: finished in ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${status}`);
process.exit(status ?? 1);
