// docs/supported-versions.md says what the suite tests each integration
// against; this keeps it true: every row names a dev dependency of
// package.json that the lockfile installs as that npm package at that exact
// version, and every major the lockfile installs of a listed package has a row.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './markdown.ts';

interface Row {
  line: number;
  integration: string;
  name: string;
  version: string;
  dependency: string;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
const rows: Row[] = readFileSync(join(ROOT, 'docs/supported-versions.md'), 'utf8')
  .split('\n')
  .flatMap((text, index) => {
    const match = /^\| ([^|]+?) \| ([^|\s]+) \| (\d[^|\s]*) \| `([^`]+)` \|/.exec(text);
    return match ? [{ line: index + 1, integration: match[1]!, name: match[2]!, version: match[3]!, dependency: match[4]! }] : [];
  });

// what the lockfile installs for a dev dependency: its real npm name (an alias's too) and version
function installed(dependency: string): { name: string; version: string } | undefined {
  const entry = lock.packages?.[`node_modules/${dependency}`];
  return entry ? { name: entry.name ?? dependency, version: entry.version } : undefined;
}

test('the table has rows for the frameworks, the stores and the runtimes', () => {
  for (const name of ['express', 'next', 'hono', 'fastify', 'redis', 'ioredis']) assert.ok(rows.some((row) => row.name === name), name);
});

test('every row names a dev dependency the lockfile installs as that package at that version', () => {
  const wrong = rows.flatMap((row) => {
    const where = `docs/supported-versions.md:${row.line} (${row.integration})`;
    if (!(row.dependency in pkg.devDependencies)) return [`${where}: ${row.dependency} is not a dev dependency`];
    const found = installed(row.dependency);
    if (!found) return [`${where}: the lockfile does not install ${row.dependency}`];
    if (found.name !== row.name || found.version !== row.version) return [`${where}: says ${row.name} ${row.version}, the lockfile installs ${found.name} ${found.version}`];
    return [];
  });
  assert.deepEqual(wrong, []);
});

test('every major the dev dependencies install of a listed package has a row', () => {
  const listed = new Set(rows.map((row) => `${row.name}@${row.version.split('.')[0]}`));
  const names = new Set(rows.map((row) => row.name));
  const missing = Object.keys(pkg.devDependencies as Record<string, string>).flatMap((dependency) => {
    const found = installed(dependency);
    if (!found || !names.has(found.name)) return [];
    const major = `${found.name}@${found.version.split('.')[0]}`;
    return listed.has(major) ? [] : [`${dependency} installs ${found.name} ${found.version}, which has no row`];
  });
  assert.deepEqual(missing, []);
});
