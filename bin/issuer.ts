/**
 * `logto-authkit issuer`: a Logto-shaped issuer on 127.0.0.1 for trying the
 * library without a tenant. It serves discovery and JWKS under `/oidc` as
 * Logto does, and a loopback-only mint endpoint for `logto-authkit token`.
 * Keys live in memory and die with the process, unless `--keys-file` asks
 * for them to be kept (written 0600, read back on the next start).
 * Runs until Ctrl-C or SIGTERM, then closes its server and exits 0.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { serveIssuer } from '../lib/testing/serve.ts';
import { isAlgorithm } from '../lib/jose/jwk.ts';
import { UsageError } from './args.ts';

/** The port `issuer` listens on and `token` asks by default: not Logto's 3001, so a local Logto is never shadowed. */
export const DEFAULT_ISSUER_PORT = 3401;
export const DEFAULT_LOCAL_LOGTO_URL = `http://127.0.0.1:${DEFAULT_ISSUER_PORT}`;
const DEFAULT_AUDIENCE = 'https://api.example.test';

export const ISSUER_HELP = `logto-authkit issuer: a local Logto-shaped issuer, for tests and trying things

Usage
  logto-authkit issuer [--port ${DEFAULT_ISSUER_PORT}] [--audience ${DEFAULT_AUDIENCE}] [--algorithm ES384]

  --port N            port on 127.0.0.1 (0: any free port; default ${DEFAULT_ISSUER_PORT})
  --host H            listen elsewhere than 127.0.0.1: only when you mean it
  --audience AUD      API resource indicator its tokens are for (default ${DEFAULT_AUDIENCE})
  --algorithm ALG     signing algorithm (default ES384, as Logto)
  --keys-file PATH    keep the keys in PATH (read if present, else written 0600);
                      without it, keys live in memory only and die with the process

Serves /oidc/.well-known/openid-configuration and /oidc/jwks as Logto does, and
POST /__authkit/token (loopback only) for \`logto-authkit token\`. Ctrl-C stops it.
Its tokens verify only against its own JWKS: never point production at it.`;

/** Runs the issuer until a signal; resolves with the exit code. */
export async function runIssuer(argv: string[], out: (text: string) => void): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    out(ISSUER_HELP);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_ISSUER_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number (0 for any free port)');
  if (values.algorithm !== undefined && !isAlgorithm(values.algorithm)) throw new UsageError('--algorithm must be one of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA');
  const keysFile = values['keys-file'];
  const signingKeys = keysFile !== undefined && existsSync(keysFile) ? (JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: JsonWebKey[] }).keys : undefined;
  const audience = values.audience ?? DEFAULT_AUDIENCE;
  const server = await serveIssuer(http, { port, host: values.host ?? '127.0.0.1', audience, algorithm: values.algorithm as never, signingKeys, mint: true });
  if (keysFile !== undefined && signingKeys === undefined) writeFileSync(keysFile, `${JSON.stringify({ keys: await server.issuer.exportSigningKeys() })}\n`, { mode: 0o600 });
  out(
    [
      `Local Logto-shaped issuer listening (${keysFile === undefined ? 'keys in memory only' : `keys kept in ${keysFile}`}; Ctrl-C to stop)`,
      `  issuer  ${server.issuer.issuer}`,
      `  jwks    ${server.issuer.jwksUri}`,
      '',
      'Point your app at it:',
      `LOGTO_URL=${server.logtoUrl}`,
      `LOGTO_AUDIENCE=${audience}`,
      '',
      `Get a token:  npx logto-authkit token --scope read:data${server.port === DEFAULT_ISSUER_PORT ? '' : ` --logto-url ${server.logtoUrl}`}`,
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  out('issuer stopped');
  return 0;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, port: { type: 'string' }, host: { type: 'string' }, audience: { type: 'string' }, algorithm: { type: 'string' }, 'keys-file': { type: 'string' } },
      allowPositionals: false,
      strict: true,
    });
  } catch {
    throw new UsageError('issuer: unknown option or missing value; see logto-authkit issuer --help');
  }
}
