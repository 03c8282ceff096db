/**
 * Turns a failed verification into one sentence that says which check failed,
 * what was expected, what the token has, and the likely cause with Logto.
 * Every value shown comes from `AuthError.detail`, the options, or the
 * decoded token's claims; never the token or its signature.
 * @module
 */
import type { AuthErrorDetail } from '../lib/errors.ts';
import { ORGANIZATION_AUDIENCE_PREFIX } from './decode.ts';
import { duration, isoTime, list, safe } from './text.ts';

/** A failed verification, from an `AuthError` or from the CLI's own checks. */
export interface Failure {
  code: string;
  status: number | undefined;
  message: string;
  detail: AuthErrorDetail | undefined;
  cause?: unknown;
}

export interface ExplainContext {
  jwksUri: string;
  clockToleranceSec: number;
  nowSec: number;
  /** Why the token is not a JWT at all, when it is not (from `decodeUnverified`). */
  notJwt?: string;
  /** The `kid` of the token header, as decoded. */
  kid?: unknown;
  /** What shows the token to be an ID token, when it looks like one (from `idTokenEvidence`). */
  idToken?: string[];
  /** The API resource(s) the options expect, for the fix of a wrong kind of token. */
  audience?: readonly string[];
}

/** The explanation for one failure. */
export function explain(failure: Failure, context: ExplainContext): string {
  const explainer = EXPLAINERS[failure.code];
  return explainer ? explainer(failure.detail ?? {}, context, failure) : generic(failure);
}

type Explainer = (detail: AuthErrorDetail, context: ExplainContext, failure: Failure) => string;

const EXPLAINERS: Record<string, Explainer> = {
  TOKEN_MALFORMED: (detail, { notJwt }, failure) =>
    notJwt !== undefined
      ? `this is not a JWT (${notJwt}): Logto issues an opaque token when no API resource is requested (pass \`resource\` when signing in / requesting the token)`
      : detail.claim === 'exp' && /no "exp"/.test(failure.message)
        ? 'the token has no exp: an access token must say when it expires (RFC 9068 §2.2)'
        : `the token is malformed: ${failure.message}`,

  TOKEN_TYPE_INVALID: ({ actual }, { idToken, audience }) => {
    // Logto's ID tokens carry no typ: the usual mistake is sending the ID token instead of the access token
    if (idToken) return `this is an ID token, not an access token (${idToken.join('; ')}): it tells your app who signed in and is not for an API; ${requestAccessToken(audience)}`;
    if (actual === undefined) return 'the token has no typ: an access token says at+jwt (RFC 9068 §2.1, §4; Logto puts it on every access token), so this is another kind of JWT';
    if (typeof actual === 'string' && actual.toLowerCase() === 'jwt') return `typ is ${safe(actual)}: this looks like an ID token, not an access token (an access token has typ at+jwt)`;
    if (typeof actual === 'string' && /^(application\/)?logout\+jwt$/i.test(actual)) return `typ is ${safe(actual)}: this is a back-channel logout token, not an access token`;
    return `typ is ${safe(actual)}, expected at+jwt: this is not an access token (RFC 9068 §2.1)`;
  },

  ALGORITHM_NOT_ALLOWED: ({ expected, actual }, { jwksUri, kid }) => {
    if (!Array.isArray(expected)) return `the key with kid ${safe(kid)} in ${jwksUri} cannot verify alg ${safe(actual)}: its type, curve or own "alg" is another`;
    const hint = actual === 'ES384' ? ': Logto signs with ES384 by default, add it to --algorithms' : '';
    return `alg ${safe(actual)} is not allowed (allowed: ${expected.map(safe).join(', ') || 'none'})${hint}`;
  },

  KEY_NOT_FOUND: ({ expected, actual }, { jwksUri }, failure) => {
    if (actual === undefined) return `the token has no kid and ${jwksUri} has no single key for ${safe(expected)}`;
    if (/several|imported/.test(failure.message)) return `${failure.message} (kid ${safe(actual)} in ${jwksUri})`;
    return `no key with kid ${safe(actual)} in ${jwksUri}: the token comes from another tenant or the key was rotated`;
  },

  SIGNATURE_INVALID: (_, { jwksUri, kid }) =>
    `the signature does not verify with the key ${kid === undefined ? 'for its alg' : `with kid ${safe(kid)}`} from ${jwksUri}: the token was altered, or signed by another issuer`,

  TOKEN_EXPIRED: ({ actual }, { nowSec, clockToleranceSec }) =>
    `exp was ${duration(nowSec - Number(actual))} ago (${isoTime(actual) ?? safe(actual)}, clock tolerance ${clockToleranceSec} s); if the clocks differ, --clock-tolerance`,

  TOKEN_NOT_YET_VALID: ({ actual }, { nowSec, clockToleranceSec }) =>
    `nbf is in ${duration(Number(actual) - nowSec)} (${isoTime(actual) ?? safe(actual)}, clock tolerance ${clockToleranceSec} s): this machine's clock may be behind; --clock-tolerance allows for it`,

  ISSUER_INVALID: ({ expected, actual }, { jwksUri }) => {
    const wanted = alternatives(expected);
    if (actual === undefined) return `the token has no iss, expected ${wanted}`;
    // the signature already verified with the configured JWKS, so the token is from that Logto
    return `iss is ${safe(actual)}, expected ${wanted} (a custom domain or a proxy? the signature verified with the keys from ${jwksUri}; if that is your Logto, pass --issuer ${safe(actual)})`;
  },

  AUDIENCE_INVALID: ({ expected, actual }) => {
    const wanted = alternatives(expected);
    if (actual === undefined) return `the token has no aud, expected ${wanted}: request the token with resource=${wanted}`;
    const shown = Array.isArray(actual) ? list(actual) : safe(actual);
    const audiences = Array.isArray(actual) ? actual : [actual];
    const organization = audiences.find((aud) => typeof aud === 'string' && aud.startsWith(ORGANIZATION_AUDIENCE_PREFIX));
    const hint = organization
      ? ': this is an organization token (organization permissions); it passes only for an organization named with --organization ID (or its URN passed as --audience), else request a token for the API resource'
      : ': the token was requested for another API resource (the `resource` parameter)';
    return `aud is ${shown}, expected ${wanted}${hint}`;
  },

  SCOPE_MISSING: ({ expected, actual }) => {
    const granted = Array.isArray(actual) ? actual : [];
    const missing = (Array.isArray(expected) ? expected : []).filter((scope) => !granted.includes(scope));
    const hint = granted.length === 0 ? ' (Logto grants a scope only when the app requests it and a role of the user has it)' : '';
    return `scope has ${list(granted)} but ${missing.map(safe).join(', ')} ${missing.length === 1 ? 'is' : 'are'} required${hint}`;
  },

  ORGANIZATION_INVALID: ({ expected, actual }) => {
    const wanted = typeof expected === 'string' || Array.isArray(expected) ? alternatives(expected) : 'any organization';
    if (Array.isArray(actual)) return `the token names two organizations, ${actual.map(safe).join(' in organization_id and ')} in aud; expected ${wanted}`;
    if (actual === undefined) return `the token has no organization (neither organization_id nor an aud of ${ORGANIZATION_AUDIENCE_PREFIX}<id>), expected ${wanted}: request an organization token`;
    return `organization is ${safe(actual)}, expected ${wanted}`;
  },

  JWKS_UNAVAILABLE: (_, { jwksUri }, failure) => `could not fetch ${jwksUri}: ${causeText(failure.cause)}`,
};

// Codes this CLI has no sentence for (e.g. ones a newer library adds): the message and whatever detail there is
function generic(failure: Failure): string {
  const { claim, expected, actual } = failure.detail ?? {};
  if (claim === undefined) return failure.message;
  const parts = [`${safe(claim)} is ${actual === undefined ? 'absent' : safe(actual)}`];
  if (expected !== undefined) parts.push(`expected ${alternatives(expected)}`);
  return `${failure.message}: ${parts.join(', ')}`;
}

// The fix for an ID token sent to an API: ask Logto for an access token for the API resource
function requestAccessToken(audience: readonly string[] | undefined): string {
  const resource = audience && audience.length > 0 ? audience.map(safe).join(' or ') : 'your API resource indicator';
  return `request an access token for your API resource (resource=${resource}; in Logto's SDKs, getAccessToken(resource)) and send that`;
}

function alternatives(value: unknown): string {
  return Array.isArray(value) ? value.map(safe).join(' or ') : safe(value);
}

// fetch failures wrap the network error (undici: "fetch failed", cause ECONNREFUSED ...)
function causeText(cause: unknown): string {
  const messages: string[] = [];
  for (let current = cause, depth = 0; current instanceof Error && depth < 3; current = current.cause, depth++) {
    messages.push(current.message);
  }
  return messages.length === 0 ? 'unknown error' : safe(messages.join(': '));
}
