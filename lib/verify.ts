/**
 * The verification pipeline: `verifyLogtoToken` for a token string and
 * `verifyAuth` for a request, each a short list of named stages. The signature
 * is checked before any claim, so a forged token never gets a claim-based code.
 * A token verified before under the same options is served from the
 * verified-token cache (`token-cache.ts`) only while a fresh verification would
 * give the same answer: inside `exp`/`nbf` now, its key still in a fresh JWKS.
 * @module
 */
import { assertTimely, checkClaims, type JWTPayload } from './jose/claims.js';
import { contextOf, type AuthContext, type AuthenticatedContext, type GuestContext } from './context.js';
import { AuthError, isAuthError } from './errors.js';
import { emit, REJECTION_STAGE, verifiedEvent } from './events.js';
import { guestContext, guestIdFromCookie, isGuestEligible, newGuestId } from './request/guest.js';
import { isAlgorithm, type Algorithm } from './jose/jwk.js';
import { findKey, getKey, isKeyFresh } from './keys/jwks-cache.js';
import { parseCompact, signatureInvalid, signatureVerifies } from './jose/jws.js';
import { resolveOptions, type ResolvedOptions, type VerifyAuthOptions } from './options.js';
import { findVerified, forgetVerified, isRemembered, rememberVerified, seenBefore } from './token-cache.js';
import { readCredentials, type AuthInput, type RequestCredentials } from './request/token-source.js';
import { assertSameOrigin } from './request/cross-origin.js';
import { assertNotRevoked } from './revocation/assert-not-revoked.js';

/**
 * Verifies one Logto access token: structure, `typ`, algorithm, signature
 * against the issuer's JWKS, then `exp`, `nbf`, `iss`, `aud` and the required
 * scopes. Throws `AuthError`; never applies guest mode. Bad options throw
 * `TypeError` before any network use.
 * With a `revocation` list, a revoked token, user or session is refused
 * (`TOKEN_REVOKED`); without one, a token stays valid until its `exp`.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function verifyLogtoToken<Claims extends object = {}>(token: string, options: VerifyAuthOptions): Promise<AuthenticatedContext<Claims>> {
  // not async: verifyToken's own promise goes to the caller, with no wrapper to
  // resolve (each async layer that returns a promise costs the caller microtask turns)
  try {
    const verified = verifyToken(token, resolveOptions(options));
    // a verified token's context (contextOf); Claims is the caller's word for its custom claims
    return (verified instanceof Promise ? verified : Promise.resolve(verified)) as Promise<AuthenticatedContext<Claims>>;
  } catch (error) {
    return Promise.reject(error); // bad options and refusals found at once reject, as from an async function
  }
}

/**
 * Finds the token in a request and verifies it: the cookie `cookieName`
 * first; when that token fails with a 401 code or `CSRF_REJECTED` and the
 * request also carries `Authorization: Bearer`, the Bearer token decides.
 * Takes a token string, a Fetch `Request`, a Node/Express `req` or
 * `{ headers, cookies, method? }`. A cookie-borne token on an unsafe method
 * passes the cross-origin check first (`csrfProtection`, `trustedOrigins`);
 * an input without a method (a token string included) is not checked.
 * Throws `AuthError`, or in guest mode returns a guest context once every
 * source failed with a 401 (a 403, `CSRF_REJECTED` included, or a 503 is
 * still thrown).
 */
export function verifyAuth<Claims extends object = {}>(input: AuthInput, options: VerifyAuthOptions): Promise<AuthenticatedContext<Claims> | GuestContext> {
  // not async, as verifyLogtoToken: a remembered token's answer is one resolved promise
  try {
    const outcome = authenticate(input, resolveOptions(options));
    // a verified token's context, or a guest's (guest mode)
    return (outcome instanceof Promise ? outcome.then(contextOrThrow) : Promise.resolve(contextOrThrow(outcome))) as Promise<AuthenticatedContext<Claims> | GuestContext>;
  } catch (error) {
    return Promise.reject(error); // bad options and unknown inputs reject, as from an async function
  }
}

function contextOrThrow(outcome: AuthOutcome): AuthContext {
  if (outcome.error) throw outcome.error;
  return outcome.auth;
}

/** What the HTTP shims need from one request; `secure` (the request came over https) is read only for a new guest id, whose cookie it marks `Secure`, and is `false` otherwise. */
export type AuthOutcome =
  | { auth: AuthContext; error?: undefined; newGuestId: boolean; secure: boolean }
  | { auth?: undefined; error: AuthError; newGuestId: false; secure: boolean };

/**
 * `verifyAuth` for the shims: an `AuthError` comes back as a value, with
 * whether a new guest id was made (so a cookie must be set) and whether the
 * request was https. Other errors are thrown (or reject).
 * Synchronous when no I/O is needed (a token the cache remembers, a request
 * refused before any crypto): the outcome itself, not a promise, so an
 * adapter can go on in the same turn (a deferred `next()` cost Express about
 * 3 µs of server CPU per request over HTTP). Otherwise a promise of it.
 */
export function authenticate(input: AuthInput, options: ResolvedOptions): AuthOutcome | Promise<AuthOutcome> {
  const credentials = readCredentials(input);
  let verified: AuthContext | Promise<AuthContext>;
  try {
    verified = verifyCredentials(credentials, options);
  } catch (error) {
    return failed(error, credentials, options);
  }
  if (verified instanceof Promise) return verified.then(succeeded, (error) => failed(error, credentials, options));
  return succeeded(verified);
}

function succeeded(auth: AuthContext): AuthOutcome {
  return { auth, newGuestId: false, secure: false };
}

function failed(error: unknown, credentials: RequestCredentials, options: ResolvedOptions): AuthOutcome {
  if (!isAuthError(error)) throw error;
  // guest mode only after every source failed; CSRF_REJECTED (403) is no failure to authenticate
  if (!options.allowGuest || !isGuestEligible(error)) return { error, newGuestId: false, secure: false };
  const known = guestIdFromCookie(credentials.cookie(options.guestCookieName));
  if (known !== undefined) return { auth: guestContext(known), newGuestId: false, secure: false };
  return { auth: guestContext(newGuestId()), newGuestId: true, secure: credentials.isSecure() };
}

// The contract's token sources: the cookie first. When its token fails to
// authenticate (a 401) or the cross-origin check refuses it, a Bearer token in
// the same request is verified instead and its outcome is the answer, so a
// stale or planted cookie never locks out a client that sends a good header.
// Not async, as every stage down to verifyStages: a remembered token is
// answered in the same turn, and the Bearer path hands on verifyToken's own
// promise (no async layer to resolve). Throws TOKEN_MALFORMED, TOKEN_MISSING.
function verifyCredentials(credentials: RequestCredentials, options: ResolvedOptions): AuthContext | Promise<AuthContext> {
  const cookieToken = credentials.cookieToken(options.cookieName);
  if (cookieToken !== undefined) return verifyCookieThenBearer(cookieToken, credentials, options);
  // a token the cache remembers passed parseCompact, so it is a well-formed b64token: no second scan
  const bearer = credentials.bearerToken(options.tokenCache ? isRemembered : undefined, options); // TOKEN_MALFORMED
  if (bearer === undefined) throw reportedAtRequest(options, new AuthError('TOKEN_MISSING', 'no access token in the cookie or the Authorization header'));
  return verifyToken(bearer, options);
}

function verifyCookieThenBearer(cookieToken: string, credentials: RequestCredentials, options: ResolvedOptions): AuthContext | Promise<AuthContext> {
  let verified: AuthContext | Promise<AuthContext>;
  try {
    assertCookieAllowed(credentials, options); // CSRF_REJECTED
    verified = verifyToken(cookieToken, options);
  } catch (error) {
    return bearerInstead(error, credentials, options);
  }
  return verified instanceof Promise ? verified.catch((error: unknown) => bearerInstead(error, credentials, options)) : verified;
}

// The cookie's token failed: a 401 or CSRF_REJECTED hands over to the Bearer
// token when there is one (its outcome is the answer); anything else stands.
function bearerInstead(error: unknown, credentials: RequestCredentials, options: ResolvedOptions): AuthContext | Promise<AuthContext> {
  if (!isAuthError(error) || !(error.status === 401 || error.code === 'CSRF_REJECTED')) throw error;
  // guest mode: a cross-site cookie request whose Bearer token fails too stays
  // CSRF_REJECTED; a guest there would answer a forged request as if no one sent it
  if (error.code === 'CSRF_REJECTED' && options.allowGuest) {
    try {
      const verified = verifyBearer(error, credentials, options);
      return verified instanceof Promise ? verified.catch((bearerError: unknown) => csrfUnlessDecided(bearerError, error)) : verified;
    } catch (bearerError) {
      return csrfUnlessDecided(bearerError, error);
    }
  }
  return verifyBearer(error, credentials, options);
}

function verifyBearer(error: AuthError, credentials: RequestCredentials, options: ResolvedOptions): AuthContext | Promise<AuthContext> {
  const bearer = credentials.bearerToken(); // TOKEN_MALFORMED
  if (bearer === undefined) throw error;
  return verifyToken(bearer, options);
}

// the Bearer token's 401 would become a guest: the cross-origin refusal stands instead; its 403 or 503 is its own answer
function csrfUnlessDecided(bearerError: unknown, csrf: AuthError): never {
  throw isAuthError(bearerError) && isGuestEligible(bearerError) ? csrf : bearerError;
}

// the hook hears of a request without any token too (verifyToken reports every verdict on a token)
function reportedAtRequest(options: ResolvedOptions, error: AuthError): AuthError {
  if (options.onEvent) emit(options.onEvent, { type: 'rejected', code: error.code, status: error.status, stage: 'request', message: error.message, detail: error.detail });
  return error;
}

// Cross-origin protection applies to a cookie-borne token only (a browser never
// attaches an Authorization header by itself), and only to an input with a method.
function assertCookieAllowed(credentials: RequestCredentials, options: ResolvedOptions): void {
  if (!options.csrfProtection) return;
  const facts = credentials.crossOriginFacts();
  if (facts === undefined) return;
  try {
    assertSameOrigin(facts, options.trustedOrigins);
  } catch (error) {
    if (isAuthError(error)) emit(options.onEvent, { type: 'rejected', code: error.code, status: error.status, stage: 'cross-origin', message: error.message, detail: error.detail });
    throw error;
  }
}

// A token the cache remembers is answered here, in the same turn, with no
// promise; any other goes through verifyStages. The event hook sees every
// verdict on a token; without a hook this costs one check, and the caller gets
// verifyStages' own promise (no async layer between).
function verifyToken(token: string, options: ResolvedOptions): AuthContext | Promise<AuthContext> {
  if (options.tokenCache) {
    let remembered: AuthContext | undefined;
    try {
      remembered = recallVerified(token, options, Date.now()); // TOKEN_REVOKED, REVOCATION_UNAVAILABLE
    } catch (error) {
      throw reported(options, error);
    }
    if (remembered) {
      if (options.onEvent) emit(options.onEvent, verifiedEvent(true, remembered.userId, undefined, remembered.actors));
      return remembered;
    }
  }
  return options.onEvent ? verifyReported(token, options) : verifyStages(token, options);
}

async function verifyReported(token: string, options: ResolvedOptions): Promise<AuthContext> {
  try {
    return await verifyStages(token, options);
  } catch (error) {
    throw reported(options, error);
  }
}

function reported(options: ResolvedOptions, error: unknown): unknown {
  if (options.onEvent && isAuthError(error)) emit(options.onEvent, { type: 'rejected', code: error.code, status: error.status, stage: REJECTION_STAGE[error.code], message: error.message, detail: error.detail });
  return error;
}

// A token the cache does not remember: every check, the signature first.
async function verifyStages(token: string, options: ResolvedOptions): Promise<AuthContext> {
  const now = Date.now();
  const jws = parseCompact(token); // TOKEN_MALFORMED, TOKEN_TYPE_INVALID
  const alg = assertAlgorithmAllowed(jws.header.alg, options); // ALGORITHM_NOT_ALLOWED, before any JWKS traffic
  // a warm JWKS cache answers without a promise; a fetch, a refetch or an error goes through getKey
  const key = findKey(options, alg, jws.header.kid, now) ?? (await getKey(options, alg, jws.header.kid)); // KEY_NOT_FOUND, JWKS_UNAVAILABLE
  if (!(await signatureVerifies(jws, alg, key.cryptoKey, key.signatureLength))) throw signatureInvalid(); // SIGNATURE_INVALID
  checkClaims(jws.payload, options.expected, Date.now() / 1000); // exp, nbf, iss, aud, organization, scope, then who calls (acceptsToken, allowedClients, actorPolicy)
  assertNotRevoked(jws.payload, options); // TOKEN_REVOKED, REVOCATION_UNAVAILABLE: in memory, no I/O
  // the context is built once per verified token: a remembered one keeps it for every hit (and the event reads its acting chain)
  const context = contextOf(jws.payload);
  if (options.onEvent) emit(options.onEvent, verifiedEvent(false, context.userId, alg, context.actors));
  return options.tokenCache && seenBefore(token) ? ownCopy(rememberVerified(options, token, context, key.cachedKey).context) : context;
}

function assertAlgorithmAllowed(alg: string, options: ResolvedOptions): Algorithm {
  if (isAlgorithm(alg) && options.algorithms.has(alg)) return alg;
  const allowed = [...options.algorithms];
  // the allow-list is configuration: it goes to detail, never into the message sent over HTTP
  throw new AuthError('ALGORITHM_NOT_ALLOWED', 'the token "alg" (algorithm) is not allowed', { detail: { claim: 'alg', expected: allowed, actual: alg } });
}

// A token verified before is served only while a fresh verification would
// accept it now: the key that verified it is still in a JWKS that is itself
// fresh (past the TTL the token goes through getKey, so a refresh notices a
// removed key), and the claims pass the clock's checks of checkClaims
// (assertTimely, the very code, so it expires exactly when a fresh verification
// would say TOKEN_EXPIRED). Otherwise the entry is dropped and the token verified in full.
function recallVerified(token: string, options: ResolvedOptions, now: number): AuthContext | undefined {
  const verified = findVerified(options, token);
  if (!verified) return undefined;
  const payload = verified.context.payload!;
  if (isKeyFresh(options, verified.key, now) && passesClaims(payload, options, now)) {
    assertNotRevoked(payload, options, now); // a revocation applies to a remembered token too
    return ownCopy(verified.context);
  }
  forgetVerified(verified);
  return undefined;
}

// The table a token is remembered in belongs to one resolved options object,
// and the claims it keeps are never handed out (each caller gets a copy), so of
// checkClaims only the clock's part can answer otherwise than it did: that
// part is run alone (claims.ts assertTimely), the issuer, audience,
// organization and scope checks are not repeated.
function passesClaims(payload: JWTPayload, options: ResolvedOptions, now: number): boolean {
  try {
    assertTimely(payload, options.expected, now / 1000);
    return true;
  } catch {
    return false;
  }
}

// A context the token cache keeps is shared by every request that hits it: each
// gets its own context and its own payload, so what one request changes (or adds)
// is not what the next one reads (everything under them is frozen). Two shallow
// copies, whatever contextOf derives: a richer context costs a hit nothing more.
// A freshly built context is the caller's alone and needs no copy.
function ownCopy(shared: Readonly<AuthContext>): AuthContext {
  const own = { ...shared };
  own.payload = { ...shared.payload };
  return own;
}
