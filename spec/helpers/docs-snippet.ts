// Run a quick start from docs/ as written: its first ```ts block is copied into
// tmp/ inside the project (so 'logto-authkit/<adapter>' resolves through
// package.json "exports" to dist/), with only the placeholder tenant swapped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The placeholders every quick start uses. */
export const DOCS_LOGTO_URL = 'https://your-tenant.logto.app';
export const DOCS_AUDIENCE = 'https://api.example.com';

/** The first ```ts block of `docs/<file>` (after `heading`, when given). */
export function docsBlock(file: string, heading?: string): string {
  const text = readFileSync(join(ROOT, 'docs', file), 'utf8');
  const start = heading === undefined ? 0 : text.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `docs/${file} has "${heading}"`);
  const match = /```ts\n([\s\S]*?)```/.exec(text.slice(start));
  assert.ok(match, `docs/${file} has a ts block`);
  return match[1]!;
}

/** Every ```ts block of `docs/<file>`, in order. */
export function docsBlocks(file: string): string[] {
  const text = readFileSync(join(ROOT, 'docs', file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/**
 * Writes the snippet, with `logtoUrl` for the placeholder tenant and `tail`
 * appended (an export for the spec), into a fresh folder under tmp/; returns
 * the file and a cleanup. Builds dist/ first when it is missing.
 */
export function writeSnippet(snippet: string, logtoUrl: string, name: string, tail = '', extension = 'ts'): { file: string; dir: string; remove(): void } {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  assert.ok(snippet.includes(DOCS_LOGTO_URL), 'the quick start names the placeholder tenant');
  const dir = join(ROOT, 'tmp', `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `app.${extension}`);
  writeFileSync(file, `${snippet.replace(DOCS_LOGTO_URL, logtoUrl)}${tail}`);
  return { file, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
