/**
 * `logto-authkit inspect`: what a token says about itself, decoded without
 * trusting it, with times relative to now and the Logto tenant behind `iss`.
 * @module
 */
import { audiencesOf, describeIssuer, idTokenEvidence, isAccessTokenType, organizationOf, scopesOf, type DecodedToken, type IssuerInfo, type OrganizationInfo } from './decode.ts';
import { isoTime, relative, safe, toJson } from './text.ts';

/** A NumericDate claim, as a time and relative to now. */
export interface TimeClaim {
  value: number;
  iso: string | undefined;
  relative: string;
}

export interface InspectReport {
  verified: false;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signatureBytes: number;
  issuer: IssuerInfo & { iss: unknown };
  audience: string[];
  scopes: string[];
  organization: OrganizationInfo | undefined;
  clientId: unknown;
  subject: unknown;
  times: { iat?: TimeClaim; nbf?: TimeClaim; exp?: TimeClaim };
  /** What would make `verify` reject it, or is unusual for a Logto access token. */
  notes: string[];
}

export const NOT_VERIFIED = 'NOT VERIFIED: decoded only; the signature, issuer and audience were not checked (use `logto-authkit verify` for that)';

/** Builds the report for a decoded token at `nowSec`. */
export function inspectToken(decoded: DecodedToken, nowSec: number): InspectReport {
  const { header, payload } = decoded;
  const times: InspectReport['times'] = {};
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[name];
    if (typeof value === 'number' && Number.isFinite(value)) times[name] = { value, iso: isoTime(value), relative: relative(value, nowSec) };
  }
  return {
    verified: false,
    header,
    payload,
    signatureBytes: decoded.signatureBytes,
    issuer: { iss: payload.iss, ...describeIssuer(payload.iss) },
    audience: audiencesOf(payload.aud),
    scopes: scopesOf(payload.scope),
    organization: organizationOf(payload),
    clientId: payload.client_id,
    subject: payload.sub,
    times,
    notes: notesFor(decoded, times, nowSec),
  };
}

function notesFor({ header, payload }: DecodedToken, times: InspectReport['times'], nowSec: number): string[] {
  const notes: string[] = [];
  const idToken = idTokenEvidence({ header, payload });
  if (idToken) notes.push(`this is an ID token, not an access token (${idToken.join('; ')}): verify rejects it (TOKEN_TYPE_INVALID); request an access token for your API resource`);
  else if (header.typ === undefined) notes.push('no typ: an access token says at+jwt (RFC 9068 §2.1), verify rejects it (TOKEN_TYPE_INVALID)');
  else if (!isAccessTokenType(header.typ)) {
    notes.push(typeof header.typ === 'string' && header.typ.toLowerCase() === 'jwt'
      ? 'typ is JWT: this looks like an ID token, not an access token'
      : `typ is ${safe(header.typ)}, not at+jwt: not an access token (RFC 9068 §2.1)`);
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === 'none' || /^HS/i.test(alg)) notes.push(`alg ${safe(alg)} is never accepted: only asymmetric signatures are`);
  if (header.kid === undefined) notes.push('no kid: verify picks the one JWKS key that fits the alg');
  if (Object.hasOwn(header, 'crit')) notes.push('the header has "crit": verify refuses every extension');
  if (payload.exp === undefined) notes.push('no exp: an access token must have one (RFC 9068 §2.2), verify rejects it');
  else if (!times.exp) notes.push('exp is not a number: verify rejects it');
  else if (times.exp.value <= nowSec) notes.push(`expired ${times.exp.relative}`);
  if (times.nbf && times.nbf.value > nowSec) notes.push(`not valid yet: nbf is ${times.nbf.relative}`);
  if (times.iat && times.iat.value > nowSec) notes.push(`iat is ${times.iat.relative}: the issuer's clock or this machine's is off`);
  if (payload.aud === undefined) notes.push('no aud: request the token with a `resource` (an API resource indicator)');
  if (payload.scope === undefined) notes.push('no scope claim: every --scope check fails');
  else if (scopesOf(payload.scope).length === 0) notes.push('scope is empty: the app requested no scope of this resource, or no role of the user grants one');
  return notes;
}

const LABEL_WIDTH = 14;

/** The report as text for a terminal. */
export function renderInspect(report: InspectReport): string {
  const rows: [string, string | undefined][] = [
    ['alg', safe(report.header.alg)],
    ['typ', report.header.typ === undefined ? '(none)' : safe(report.header.typ)],
    ['kid', report.header.kid === undefined ? '(none)' : safe(report.header.kid)],
    ['issuer', report.issuer.iss === undefined ? '(none)' : safe(report.issuer.iss)],
    ['tenant', report.issuer.description],
    ['subject', report.subject === undefined ? undefined : safe(report.subject)],
    ['client_id', report.clientId === undefined ? undefined : safe(report.clientId)],
    ['audience', report.audience.length === 0 ? '(none)' : report.audience.map(safe).join(', ')],
    ['scopes', report.scopes.length === 0 ? '(none)' : report.scopes.map(safe).join(' ')],
    ['organization', report.organization ? `${safe(report.organization.id)} (from ${report.organization.from})` : '(none)'],
    ['issued', timeText(report.times.iat)],
    ['not before', timeText(report.times.nbf)],
    ['expires', timeText(report.times.exp)],
    ['signature', `${report.signatureBytes} bytes, not checked`],
  ];
  const lines = [NOT_VERIFIED, ''];
  for (const [label, value] of rows) if (value !== undefined) lines.push(`${label.padEnd(LABEL_WIDTH)}${value}`);
  if (report.notes.length > 0) lines.push('', 'notes', ...report.notes.map((note) => `  - ${note}`));
  lines.push('', 'header', toJson(report.header, 2), '', 'claims', toJson(report.payload, 2));
  return lines.join('\n');
}

function timeText(time: TimeClaim | undefined): string | undefined {
  return time && `${time.iso ?? time.value} (${time.relative})`;
}
