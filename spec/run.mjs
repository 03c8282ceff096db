// Runs every spec/**/*.spec.ts with node:test through tsx (Node 20's --test has
// no glob support). Extra arguments narrow the set: `npm test -- express`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const filters = process.argv.slice(2);
const files = walk('spec').filter((file) => file.endsWith('.spec.ts') && (filters.length === 0 || filters.some((f) => file.includes(f))));
if (files.length === 0) {
  console.error(`no spec matches ${filters.join(' ')}`);
  process.exit(1);
}
ensureSystemPackages(files);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  }).sort();
}

// The Chromium e2e spec and the Redis store specs need Debian's chromium and
// redis-server; they never skip. Root installs them here, anyone else is told
// the one command to run, before any test starts.
function ensureSystemPackages(selected) {
  const needed = selected.some((file) => /chromium|redis/i.test(file));
  const missing = [existsSync('/usr/bin/chromium') ? undefined : 'chromium', onPath('redis-server') ? undefined : 'redis-server'].filter(Boolean);
  if (!needed || missing.length === 0) return;
  const command = 'apt-get update && apt-get install -y chromium redis-server';
  if (process.getuid?.() !== 0) {
    console.error(`missing ${missing.join(' and ')}: the browser and Redis specs need them. Run as root:\n  ${command}`);
    process.exit(1);
  }
  console.error(`installing ${missing.join(' and ')}: ${command}`);
  const installed = spawnSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (installed.status !== 0) process.exit(installed.status ?? 1);
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}
