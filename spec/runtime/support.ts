// Shared setup for the runtime matrix: the built package, a loopback JWKS
// server with one ES384 key, the three tokens every runtime checks, a child
// process runner that never logs a token, and the assertions on the result.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint } from '../helpers/keys.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const DIST_INDEX = join(ROOT, 'dist', 'index.js');
export const AUDIENCE = 'https://api.example.com';
/** A child runtime that has not answered within this is killed, so the suite always ends. */
const CHILD_TIMEOUT_MS = 60_000;

/** What a runtime gets: where Logto is and the tokens to check. */
export interface RuntimeInput {
  logtoUrl: string;
  audience: string;
  tokens: { valid: string; tampered: string; expired: string };
}

/** What fixtures/checks.mjs reports. */
export interface CheckResult {
  runtime?: string;
  valid: { userId: string | null; isAuthenticated: boolean; scope?: string };
  fromRequest: { userId: string | null; isAuthenticated: boolean };
  tampered: { name?: string; code: string; status?: number; isAuthError?: boolean };
  expired: { name?: string; code: string; status?: number; isAuthError?: boolean };
}

/** Builds dist/ when it is missing (npm test's pretest normally has built it). */
export function ensureBuilt(): void {
  if (!existsSync(DIST_INDEX)) execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

/** A JWKS server publishing one ES384 key, and the tokens signed with it. */
export async function startTokenFixture(): Promise<{ server: JwksServer; input: RuntimeInput }> {
  const key = await makeKey('ES384', 'runtime-es384');
  const server = await startJwksServer([key.publicJwk]);
  const valid = await mint(key, { iss: server.issuer, aud: AUDIENCE });
  const expired = await mint(key, { iss: server.issuer, aud: AUDIENCE, expiresIn: -120 });
  return { server, input: { logtoUrl: server.logtoUrl, audience: AUDIENCE, tokens: { valid, tampered: withSubject(valid, 'admin'), expired } } };
}

/** The same token with its payload's `sub` rewritten after signing. */
function withSubject(token: string, sub: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  return [header, Buffer.from(JSON.stringify({ ...claims, sub })).toString('base64url'), signature].join('.');
}

/**
 * Runs `command args` with the runtime input in AUTHKIT_RUNTIME_INPUT and
 * returns the JSON of its last stdout line. A failure reports the command's
 * name, exit status and stderr only: argv and env, which may hold tokens, are
 * never echoed.
 */
export function runChild(command: string, args: string[], input: RuntimeInput, extraEnv: Record<string, string> = {}): Promise<CheckResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, AUTHKIT_RUNTIME_INPUT: JSON.stringify(input) };
  // the child is a plain runtime, not a node:test worker nor a tsx-loaded process
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${basename(command)} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`${basename(command)} exited with ${signal ?? code}: ${stderr.trim() || stdout.trim()}`));
      resolve(JSON.parse(last) as CheckResult);
    });
  });
}

/** The assertions every runtime must pass. */
export function assertChecks(result: CheckResult): void {
  assert.deepEqual(result.valid, { userId: 'user_123', isAuthenticated: true, scope: 'read:data write:data' });
  assert.deepEqual(result.fromRequest, { userId: 'user_123', isAuthenticated: true });
  assert.deepEqual(result.tampered, { name: 'AuthError', code: 'SIGNATURE_INVALID', status: 401, isAuthError: true });
  assert.deepEqual(result.expired, { name: 'AuthError', code: 'TOKEN_EXPIRED', status: 401, isAuthError: true });
}

/** Version line of a runtime binary, e.g. `deno 2.9.6`. */
export function versionOf(command: string, args: string[] = ['--version']): string {
  return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
}

/**
 * The path to a Node `major` binary from the `node-<platform>-<arch>` npm
 * package, installed once into node_modules/.cache (not package.json) and
 * reused after. A failed install throws npm's own error: no silent skip.
 */
export function ensureNodeBinary(major: number): string {
  const prefix = join(ROOT, 'node_modules', '.cache', `node${major}`);
  const name = `node-${process.platform}-${process.arch}`;
  const binary = join(prefix, 'node_modules', name, 'bin', 'node');
  if (existsSync(binary) && versionOf(binary).startsWith(`v${major}.`)) return binary;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    execFileSync(npm, ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline', '--prefix', prefix, `${name}@${major}`], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (error) {
    const { stderr, status } = error as { stderr?: string; status?: number };
    throw new Error(`npm install ${name}@${major} into ${prefix} failed (exit ${status}):\n${stderr?.trim() || String(error)}`);
  }
  const version = versionOf(binary);
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} reports ${version}, not Node ${major}`);
  return binary;
}
