// Runs every spec/**/*.spec.ts with node:test through tsx (Node 20's --test has
// no glob support). Extra arguments narrow the set: `npm test -- express`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const files = walk('spec').filter((file) => file.endsWith('.spec.ts') && (filters.length === 0 || filters.some((f) => file.includes(f))));
if (files.length === 0) {
  console.error(`no spec matches ${filters.join(' ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  }).sort();
}
