/**
 * Where the CLI takes the token from: the argument, stdin (`-`, or a pipe when
 * no argument is given), `--token-env NAME` or `LOGTO_TOKEN`. The last three
 * keep the token out of shell history.
 * @module
 */
import { UsageError } from './args.ts';

/** Read from the environment when no token argument is given. */
export const DEFAULT_TOKEN_ENV = 'LOGTO_TOKEN';
/** Most bytes read from stdin; far over the library's MAX_TOKEN_LENGTH, which then reports it as malformed. */
const MAX_STDIN_BYTES = 1024 * 1024;

export interface TokenSources {
  argument: string | undefined;
  tokenEnv: string | undefined;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
}

/** Finds the token; throws `UsageError` when there is none. */
export async function readToken(sources: TokenSources): Promise<string> {
  const { argument, tokenEnv, env, stdin } = sources;
  let raw: string | undefined;
  let from: string;
  if (argument === '-') [raw, from] = [await readStdin(stdin), 'stdin'];
  else if (argument !== undefined) [raw, from] = [argument, 'the argument'];
  else if (tokenEnv !== undefined) [raw, from] = [env[tokenEnv], `$${tokenEnv}`];
  else if (env[DEFAULT_TOKEN_ENV]) [raw, from] = [env[DEFAULT_TOKEN_ENV], `$${DEFAULT_TOKEN_ENV}`];
  else if (!stdin.isTTY) [raw, from] = [await readStdin(stdin), 'stdin'];
  else throw new UsageError(`no token: pass it as an argument, on stdin (or "-"), in $${DEFAULT_TOKEN_ENV} or with --token-env NAME`);
  const token = normalize(raw ?? '');
  if (token === '') throw new UsageError(`no token: ${from} is empty`);
  return token;
}

// a token copied from a request carries "Bearer " (RFC 6750 §2.1) or a newline; neither is part of it
function normalize(raw: string): string {
  return raw.trim().replace(/^bearer\s+/i, '');
}

async function readStdin(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
