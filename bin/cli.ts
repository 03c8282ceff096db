/**
 * `logto-authkit`: inspect and verify Logto access tokens from the command line.
 *
 *   logto-authkit inspect <token>            decode without trusting
 *   logto-authkit verify <token> --logto-url URL --audience AUD [...]
 *
 * Exit codes (also in --help; the table is bin/exit-codes.ts):
 *    0  verified (verify), decoded (inspect)
 *    1  unexpected internal error
 *    2  usage error: bad or missing option, no token
 *    3  not a JWT (e.g. an opaque token) or malformed     TOKEN_MALFORMED
 *    4  no typ or not at+jwt (e.g. an ID token)           TOKEN_TYPE_INVALID
 *    5  alg not allowed or not fitting the key            ALGORITHM_NOT_ALLOWED
 *    6  no JWKS key for the kid                           KEY_NOT_FOUND
 *    7  signature does not verify                         SIGNATURE_INVALID
 *    8  expired or not yet valid                          TOKEN_EXPIRED, TOKEN_NOT_YET_VALID
 *    9  issuer differs                                    ISSUER_INVALID
 *   10  audience differs                                  AUDIENCE_INVALID
 *   11  a required scope is missing (403)                SCOPE_MISSING
 *   12  organization missing or another one (403)         ORGANIZATION_INVALID
 *   13  JWKS could not be fetched (503)                   JWKS_UNAVAILABLE
 *
 * The token is never printed, nor its signature; `inspect` prints its decoded
 * header and claims, which is its point.
 * @module
 */
import { version } from '../package.json';
import { parseCli, UsageError, type CliArgs } from './args.ts';
import { decodeUnverified } from './decode.ts';
import { NOT_A_JWT } from '../lib/jose/jws.ts';
import { EXIT_CODES, EXIT_INTERNAL, EXIT_MALFORMED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.ts';
import { explain } from './explain.ts';
import { inspectToken, renderInspect } from './inspect.ts';
import { safe, terminalText, toJson } from './text.ts';
import { DEFAULT_TOKEN_ENV, readToken } from './token-input.ts';
import { renderRejected, renderVerified, runVerify, verifyOptions } from './verify.ts';
import { runIssuer } from './issuer.ts';
import { runToken } from './token.ts';

const HELP = `logto-authkit ${version}: inspect and verify Logto access tokens

Usage
  logto-authkit inspect [token] [--json]
  logto-authkit verify [token] --logto-url URL --audience AUD [options] [--json]
  logto-authkit issuer [--port 3401]      a local Logto-shaped issuer (see issuer --help)
  logto-authkit token [--scope S] ...     a token from that issuer (see token --help)

The token: an argument, "-" for stdin, stdin when piped, $${DEFAULT_TOKEN_ENV}, or
--token-env NAME. Prefer stdin or a variable: an argument lands in shell history.
A leading "Bearer " is ignored.

inspect   decodes without trusting: header, claims, iat/nbf/exp relative to
          now, the Logto tenant behind iss, audience, scopes, organization.
verify    runs the library's verification against the tenant's JWKS and
          prints the verified context or the check that failed and why.

verify options
  --logto-url URL          Logto endpoint, e.g. https://tenant.logto.app (required)
  --audience AUD           API resource indicator; repeat for several (required)
  --scope S                required scope; repeat, or "a b" / "a,b"
  --issuer ISS             expected iss when it is not URL/oidc (custom domain, proxy); repeatable
  --jwks-uri URL           JWKS URL when it is not URL/oidc/jwks
  --clock-tolerance SEC    leeway for exp and nbf, in seconds (default 0)
  --algorithms A,B         allow-list, e.g. ES384,RS256 (default: all asymmetric)
  --organization ID        require this organization; repeat for several
  --any-organization       require some organization

common options
  --json                   one JSON object on stdout: { ok: true, ... } or
                           { ok: false, code, status, message, detail, explanation }
  --token-env NAME         read the token from $NAME
  -h, --help               this help
  -v, --version            the version

Exit codes
${EXIT_CODES.map((row) => `  ${String(row.exit).padStart(2)}  ${row.meaning}${row.codes.length > 0 && row.exit > EXIT_USAGE ? `: ${row.codes.join(', ')}` : ''}`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  let args: CliArgs | undefined;
  try {
    // the local issuer and its tokens: commands of their own, with their own options
    if (argv[0] === 'issuer') return await runIssuer(argv.slice(1), (text) => print(text));
    if (argv[0] === 'token') return await runToken(argv.slice(1), (text) => print(text), process.env);
    args = parseCli(argv);
    if (args.help) return print(HELP.trimEnd());
    if (args.version) return print(version);
    if (args.command === undefined) throw new UsageError('give a command: inspect or verify');
    // options first: a usage mistake is reported before any token is read
    const options = args.command === 'verify' ? verifyOptions(args) : undefined;
    const token = await readToken({ argument: args.token, tokenEnv: args.tokenEnv, env: process.env, stdin: process.stdin });
    return options ? await verify(token, options, args.json) : inspect(token, args.json);
  } catch (error) {
    const json = args?.json ?? argv.includes('--json');
    if (error instanceof UsageError) {
      if (json) return print(toJson({ ok: false, code: 'USAGE_ERROR', message: error.message }), EXIT_USAGE);
      process.stderr.write(terminalText(`logto-authkit: ${safe(error.message)}\nsee logto-authkit --help\n`));
      return EXIT_USAGE;
    }
    throw error;
  }
}

function inspect(token: string, json: boolean): number {
  const decoded = decodeUnverified(token);
  if (typeof decoded === 'string') {
    const failure = { code: 'TOKEN_MALFORMED', status: 401, message: NOT_A_JWT, detail: undefined };
    const explanation = explain(failure, { jwksUri: '', clockToleranceSec: 0, nowSec: 0, notJwt: decoded });
    return json
      ? print(toJson({ ok: false, ...failure, detail: null, explanation }), EXIT_MALFORMED)
      : print(`${explanation}\n(not verified: inspect checks nothing)`, EXIT_MALFORMED);
  }
  const report = inspectToken(decoded, Date.now() / 1000);
  return print(json ? toJson({ ok: true, ...report }) : renderInspect(report));
}

async function verify(token: string, options: Parameters<typeof runVerify>[1], json: boolean): Promise<number> {
  const outcome = await runVerify(token, options);
  if (outcome.ok) return print(json ? toJson({ ok: true, context: outcome.context }) : renderVerified(outcome.context, options, Date.now() / 1000));
  const { failure, explanation } = outcome;
  const exit = exitCodeFor(failure.code);
  if (json) return print(toJson({ ok: false, code: failure.code, status: failure.status ?? null, message: failure.message, detail: failure.detail ?? null, explanation }), exit);
  return print(renderRejected(failure, explanation), exit);
}

function print(text: string, exit: number = EXIT_OK): number {
  process.stdout.write(terminalText(`${text}\n`));
  return exit;
}

// exitCode rather than process.exit(): stdout may be a pipe that has not drained yet
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // an internal error's message is ours or Node's, never built from the token
    const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    if (process.argv.includes('--json')) process.stdout.write(terminalText(`${toJson({ ok: false, code: 'INTERNAL_ERROR', message: safe(message) })}\n`));
    else process.stderr.write(terminalText(`logto-authkit: internal error: ${safe(message)}\n`));
    process.exitCode = EXIT_INTERNAL;
  },
);
