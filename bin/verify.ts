/**
 * `logto-authkit verify`: the library's real verification (`verifyLogtoToken`)
 * with options from the command line, and its outcome as a verified context or
 * as the failing check with an explanation.
 * @module
 */
import type { AuthContext } from '../lib/context.ts';
import { isAuthError } from '../lib/errors.ts';
import { ALGORITHM_NAMES } from '../lib/jose/jwk.ts';
import type { VerifyAuthOptions } from '../lib/options.ts';
import { verifyLogtoToken } from '../lib/verify.ts';
import { UsageError, type CliArgs } from './args.ts';
import { audiencesOf, decodeUnverified, idTokenEvidence, scopesOf, trimTrailingSlashes } from './decode.ts';
import { explain, type Failure } from './explain.ts';
import { isoTime, relative, safe } from './text.ts';

export type VerifyOutcome =
  | { ok: true; context: AuthContext }
  | { ok: false; failure: Failure; explanation: string };

/** Builds the library options from the arguments; throws `UsageError`. */
export function verifyOptions(args: CliArgs): VerifyAuthOptions {
  if (args.logtoUrl === undefined) throw new UsageError('verify needs --logto-url (your Logto endpoint, e.g. https://tenant.logto.app)');
  if (args.audience.length === 0) throw new UsageError('verify needs --audience (the API resource indicator; `logto-authkit inspect` shows the token\'s aud)');
  const options: VerifyAuthOptions = { logtoUrl: args.logtoUrl, audience: args.audience };
  if (args.scope.length > 0) options.requiredScope = args.scope;
  if (args.issuer.length > 0) options.issuer = args.issuer;
  if (args.jwksUri !== undefined) options.jwksUri = args.jwksUri;
  if (args.clockTolerance !== undefined) options.clockTolerance = seconds(args.clockTolerance);
  if (args.algorithms.length > 0) options.algorithms = args.algorithms.map(algorithm);
  if (args.anyOrganization) options.requiredOrganization = true;
  else if (args.organization.length > 0) options.requiredOrganization = args.organization;
  return options;
}

function seconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError('--clock-tolerance takes a number of seconds, e.g. 30');
  return Number(value);
}

function algorithm(name: string): string {
  if ((ALGORITHM_NAMES as readonly string[]).includes(name)) return name;
  if (name === 'none' || /^HS/i.test(name)) throw new UsageError(`--algorithms: ${safe(name)} is never accepted (no "none", no shared-secret HS*)`);
  throw new UsageError(`--algorithms: ${safe(name)} is not one of ${ALGORITHM_NAMES.join(', ')}`);
}

/** The JWKS URL the options resolve to, as the library derives it. */
export function jwksUriOf(options: VerifyAuthOptions): string {
  return options.jwksUri ?? `${trimTrailingSlashes(options.logtoUrl)}/oidc/jwks`;
}

/** Runs the verification. Bad options become `UsageError`; other non-`AuthError`s are rethrown. */
export async function runVerify(token: string, options: VerifyAuthOptions): Promise<VerifyOutcome> {
  let failure: Failure;
  try {
    return { ok: true, context: await verifyLogtoToken(token, options) };
  } catch (error) {
    // the library's own check of the options (contract: bad options throw TypeError before any network use)
    if (error instanceof TypeError && error.message.startsWith('logto-authkit:')) throw new UsageError(error.message.replace(/^logto-authkit:\s*/, ''));
    if (!isAuthError(error)) throw error;
    failure = { code: error.code, status: error.status, message: error.message, detail: error.detail, cause: error.cause };
  }
  const decoded = decodeUnverified(token);
  const explanation = explain(failure, {
    jwksUri: jwksUriOf(options),
    clockToleranceSec: options.clockTolerance ?? 0,
    nowSec: Date.now() / 1000,
    audience: typeof options.audience === 'string' ? [options.audience] : options.audience,
    ...(typeof decoded === 'string' ? { notJwt: decoded } : { kid: decoded.header.kid, idToken: idTokenEvidence(decoded) }),
  });
  return { ok: false, failure, explanation };
}

const LABEL_WIDTH = 14;

/** A verified context as text. */
export function renderVerified(context: AuthContext, options: VerifyAuthOptions, nowSec: number): string {
  const payload = context.payload ?? {};
  const checked = ['signature', 'typ', 'alg', 'exp', 'nbf', 'iss', 'aud'];
  if (options.requiredScope) checked.push('scope');
  if (options.requiredOrganization) checked.push('organization');
  const rows: [string, string | undefined][] = [
    ['user', context.userId === null ? '(no sub)' : safe(context.userId)],
    ['client_id', payload.client_id === undefined ? undefined : safe(payload.client_id)],
    ['issuer', safe(payload.iss)],
    ['audience', audiencesOf(payload.aud).map(safe).join(', ')],
    ['scopes', scopesOf(payload.scope).map(safe).join(' ') || '(none)'],
    ['organization', context.organizationId === undefined ? undefined : safe(context.organizationId)],
    ['expires', typeof payload.exp === 'number' ? `${isoTime(payload.exp)} (${relative(payload.exp, nowSec)})` : undefined],
    ['keys', jwksUriOf(options)],
  ];
  const lines = [`verified: ${checked.join(', ')} checked`];
  for (const [label, value] of rows) if (value !== undefined) lines.push(`${label.padEnd(LABEL_WIDTH)}${value}`);
  return lines.join('\n');
}

/** A rejection as text: the code, the library's message, and the explanation. */
export function renderRejected(failure: Failure, explanation: string): string {
  return [`rejected: ${failure.code} (HTTP ${failure.status ?? '?'})`, explanation, `library message: ${safe(failure.message)}`].join('\n');
}
