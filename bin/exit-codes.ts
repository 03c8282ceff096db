/**
 * The CLI's exit codes: one per outcome, so a script can branch on `$?`
 * without parsing output. Kept in one table that `--help` prints.
 * @module
 */

/** One row per exit code: the `AuthError` codes it stands for and what it means. */
export const EXIT_CODES = Object.freeze([
  { exit: 0, codes: [], meaning: 'verified (verify), decoded (inspect)' },
  { exit: 1, codes: ['INTERNAL_ERROR'], meaning: 'unexpected internal error' },
  { exit: 2, codes: ['USAGE_ERROR'], meaning: 'usage error: bad or missing option, no token' },
  { exit: 3, codes: ['TOKEN_MALFORMED', 'TOKEN_MISSING'], meaning: 'not a JWT (e.g. an opaque token) or malformed' },
  { exit: 4, codes: ['TOKEN_TYPE_INVALID'], meaning: 'no typ, or typ is not at+jwt (e.g. an ID token)' },
  { exit: 5, codes: ['ALGORITHM_NOT_ALLOWED'], meaning: 'alg not allowed or not fitting the key' },
  { exit: 6, codes: ['KEY_NOT_FOUND'], meaning: 'no JWKS key for the kid' },
  { exit: 7, codes: ['SIGNATURE_INVALID'], meaning: 'signature does not verify' },
  { exit: 8, codes: ['TOKEN_EXPIRED', 'TOKEN_NOT_YET_VALID'], meaning: 'expired or not yet valid (exp, nbf)' },
  { exit: 9, codes: ['ISSUER_INVALID'], meaning: 'issuer (iss) differs' },
  { exit: 10, codes: ['AUDIENCE_INVALID'], meaning: 'audience (aud) differs' },
  { exit: 11, codes: ['SCOPE_MISSING'], meaning: 'a required scope is missing (403)' },
  { exit: 12, codes: ['ORGANIZATION_INVALID'], meaning: 'organization missing or another one (403)' },
  { exit: 13, codes: ['JWKS_UNAVAILABLE'], meaning: 'JWKS could not be fetched (503)' },
] as const);

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_MALFORMED = 3;

/** The exit code for an error code; an unknown code (a newer library) counts as internal. */
export function exitCodeFor(code: string): number {
  return EXIT_CODES.find((row) => (row.codes as readonly string[]).includes(code))?.exit ?? EXIT_INTERNAL;
}
