// The NestJS app of spec/e2e/fixtures/nest-app, built as a Nest CLI project
// is (tsc with the tsconfig `nest new` writes, emitDecoratorMetadata and all)
// into tmp/, and started as a real process on loopback, one app per option
// set. `logto-authkit` resolves to this package's dist/ through a symlink in
// the build's node_modules; Nest itself from the project's node_modules.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { ROOT } from './docs-snippet.ts';

export type NestPlatform = 'express' | 'fastify';

export interface NestAppProcess {
  /** The base URL of each option set's app. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

const built = new Map<string, Promise<string>>();
const FIXTURE = join(ROOT, 'spec', 'e2e', 'fixtures', 'nest-app');

/** The fixture app's files, by path inside the project. */
export function fixtureFiles(): Record<string, string> {
  const files = (folder: string): string[] => readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name)]));
  return Object.fromEntries(files(FIXTURE).map((file) => [relative(FIXTURE, file), readFileSync(file, 'utf8')]));
}

/**
 * Compiles a Nest project (the fixture app unless `files` says otherwise; tsc
 * takes tens of seconds on a busy machine) once for each content of its files,
 * the adapter's types and the Nest version: the build is kept under tmp/ by
 * that hash and reused by later test processes. Resolves to its folder.
 */
export function buildNestApp(files: Record<string, string> = fixtureFiles(), major: NestMajor = 12): Promise<string> {
  if (!existsSync(join(ROOT, 'dist', 'adapters', 'nestjs.js'))) execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const dir = join(ROOT, 'tmp', `nest-app-${buildHash(files, major)}`);
  let build = built.get(dir);
  if (build === undefined) built.set(dir, (build = Promise.resolve().then(() => compile(files, dir, major))));
  return build;
}

/** The Nest majors the specs build against: 12 from the project's node_modules, 11 from the nest11 workspace. */
export type NestMajor = 11 | 12;

// where a major's @nestjs/* packages are; 11 sits in an npm workspace, its peer ranges conflicting with 12's
function nestPackages(major: NestMajor): string {
  return major === 12 ? join(ROOT, 'node_modules', '@nestjs') : join(ROOT, 'compat', 'nest11', 'node_modules', '@nestjs');
}

function compile(files: Record<string, string>, dir: string, major: NestMajor): string {
  if (existsSync(join(dir, 'dist', 'main.js'))) return dir;
  // built beside and renamed into place, so a parallel process never sees half a build
  const scratch = `${dir}.${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), text);
  }
  mkdirSync(join(scratch, 'node_modules'));
  symlinkSync(ROOT, join(scratch, 'node_modules', 'logto-authkit'), 'dir');
  // found before the project's own: this major's Nest, for tsc and for node alike
  if (major !== 12) symlinkSync(nestPackages(major), join(scratch, 'node_modules', '@nestjs'), 'dir');
  try {
    // what `nest build` runs for a plain project: tsc -p tsconfig.json (its tsconfig.build.json only excludes tests)
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: scratch, stdio: 'inherit' });
    if (!existsSync(dir)) renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

function buildHash(files: Record<string, string>, major: NestMajor): string {
  const hash = createHash('sha256');
  for (const path of Object.keys(files).sort()) hash.update(path).update(files[path]!);
  hash.update(readFileSync(join(ROOT, 'dist', 'adapters', 'nestjs.d.ts')));
  // where Nest comes from too: the build links to it
  hash.update(nestPackages(major)).update(readFileSync(join(nestPackages(major), 'core', 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Starts a built app (`node dist/main.js`, as `npm run start:prod`): the
 * fixture serves one app per option set; `env` adds to its environment.
 */
export async function startNestApp(platform: NestPlatform, sets: Record<string, VerifyAuthOptions>, more: { env?: Record<string, string>; files?: Record<string, string>; rewrite?: { file: string; from: string; to: string }; major?: NestMajor } = {}): Promise<NestAppProcess> {
  const { env = {}, files, rewrite, major = 12 } = more;
  let dir = await buildNestApp(files, major);
  if (rewrite !== undefined) dir = rewritten(dir, rewrite);
  // stdin is a pipe the child watches: when this process goes, so does the app
  const child = spawn(process.execPath, [join(dir, 'dist', 'main.js')], { cwd: dir, env: { ...process.env, ...env, PLATFORM: platform, LOGTO_OPTION_SETS: JSON.stringify(sets) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the Nest app exited with ${code} before listening`)));
  });
  return {
    urls: JSON.parse(line) as Record<string, string>,
    close: async () => {
      child.stdin!.end();
      await exited;
      if (rewrite !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A copy of a build with one string of one compiled file replaced (the docs'
// placeholder tenant by the test issuer), so the kept build stays as written.
function rewritten(dir: string, { file, from, to }: { file: string; from: string; to: string }): string {
  const copy = `${dir}-run-${process.pid}`;
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
  const path = join(copy, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(path, text.replace(from, to));
  return copy;
}
