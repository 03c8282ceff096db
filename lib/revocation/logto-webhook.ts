/**
 * Logto webhooks: verify a delivery's `logto-signature-sha-256` (hex
 * HMAC-SHA-256 of the raw body under the webhook's signing key), parse the
 * event, drop a retried delivery, and turn the events that change who may do
 * what into revocations.
 *
 * Logto signs the exact bytes it sends and retries failed deliveries with the
 * same body; it sends no delivery id and no timestamp header, so a delivery is
 * recognised by the SHA-256 of its body, remembered only once applied
 * (`applied-once.ts`), and bounded in time by its signed `createdAt`. What each
 * event revokes is `logto-events.ts`.
 * @see https://docs.logto.io/developers/webhooks/secure-webhooks
 * @see https://docs.logto.io/developers/webhooks/webhooks-events
 * @module
 */
import type { AuthEvent } from '../events.js';
import { applyOnce, assertAppliedStore, localAppliedStore, type AppliedStore } from './applied-once.js';
import { revocationsFor, type EventResolvers, type LogtoWebhookEvent, type WebhookRevocation } from './logto-events.js';

export { revocationsFor } from './logto-events.js';
export type { ChangedRole, ChangedScope, EventResolvers, LogtoWebhookEvent, WebhookRevocation } from './logto-events.js';

/** The header Logto puts the signature in. */
export const LOGTO_SIGNATURE_HEADER = 'logto-signature-sha-256';
/** Largest delivery body read, in bytes; Logto's payloads are a few KB. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** Oldest signed `createdAt` accepted, in ms: a delivery older than this is refused as stale, so a captured body cannot be replayed once its dedupe mark has expired. */
export const WEBHOOK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** How far in the future a signed `createdAt` may be, in ms (clock skew between Logto and the app). */
export const WEBHOOK_CLOCK_TOLERANCE_MS = 60_000;
/** How long an applied delivery's body hash is remembered: past it the delivery is stale anyway. */
export const WEBHOOK_DEDUPE_TTL_MS = WEBHOOK_MAX_AGE_MS + WEBHOOK_CLOCK_TOLERANCE_MS;

/** What the webhook handler revokes through: the app's revocation list. */
export interface RevocationTarget {
  revokeUser(sub: string): unknown;
  /** Needed for `broadChanges: 'narrow'` (the default). */
  revokeMembership?(organizationId: string, sub: string): unknown;
  /** Needed for `broadChanges: 'narrow'` (the default). */
  revokeOrganization?(organizationId: string): unknown;
  /** Needed for `broadChanges: 'narrow'` (the default). */
  revokeScope?(name: string): unknown;
  /** Needed for `broadChanges: 'revoke-all'`. */
  revokeAll?(): unknown;
}

/** How the webhook handler is set up. */
export interface LogtoWebhookOptions extends EventResolvers {
  /** The webhook's signing key, from the Logto Console. Required. */
  signingKey: string;
  /** Where revocations go (a revocation list). Required. */
  revocation: RevocationTarget;
  /**
   * Remembers applied deliveries (by the SHA-256 of the body) so a retried
   * delivery is acknowledged and not applied twice; a delivery is remembered
   * only once its revocations are applied. Needs atomic set-if-absent (Redis,
   * Upstash, memory; Cloudflare KV is refused). Use the fleet's shared store
   * so any instance can receive the retry. Default: an in-process store.
   */
  store?: AppliedStore;
  /** Hears `handler-error` events (a failed store or revocation call; the delivery was answered 500). Default: none. */
  onEvent?: (event: AuthEvent) => void;
}

/** The answer to send: 200 applied (or a retry already applied), 400 malformed or stale, 401 bad signature, 413 too large. */
export interface WebhookAnswer {
  status: 200 | 400 | 401 | 413;
  body: { ok: true; revoked: number; duplicate: boolean } | { error: 'invalid_signature' | 'invalid_payload' | 'payload_too_large' | 'stale_delivery' };
}

/**
 * Verifies the signature over the raw body in constant time
 * (`crypto.subtle.verify` for HMAC compares in constant time). Any signature
 * that is not 64 hex digits is refused before the comparison.
 */
export async function verifyLogtoSignature(body: Uint8Array, signature: string | null | undefined, signingKey: string): Promise<boolean> {
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(signingKey), hexToBytes(signature), body as Uint8Array<ArrayBuffer>);
}

// An app has one signing key per webhook, so each is imported once, not per
// delivery; the bound only guards against a caller passing a new key each time.
const MAX_HMAC_KEYS = 16;
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(signingKey: string): Promise<CryptoKey> {
  let key = hmacKeys.get(signingKey);
  if (!key) {
    if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    hmacKeys.set(signingKey, key);
  }
  return key;
}

/** Parses a delivery body; `undefined` when it is not a JSON object with an `event` string. */
export function parseLogtoWebhookEvent(body: Uint8Array): LogtoWebhookEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { event?: unknown }).event !== 'string') return undefined;
  return value as LogtoWebhookEvent;
}

/** Settings checked and resolved once, when a handler is made. */
export interface LogtoWebhookSettings extends EventResolvers {
  signingKey: string;
  revocation: RevocationTarget;
  store: AppliedStore;
  onEvent: ((event: AuthEvent) => void) | undefined;
}

/**
 * Handles one delivery: verify, check freshness, parse, drop a retry of an
 * applied delivery, revoke, then remember it. Pure over its inputs, so every
 * framework's handler is a translation of this. A bad signature is a 401 with
 * no detail. Rejects when the store or a revocation fails: answer 5xx, and
 * Logto's retry applies the delivery (it was not remembered).
 */
export async function handleLogtoWebhook(body: Uint8Array, signature: string | null | undefined, settings: LogtoWebhookSettings | LogtoWebhookOptions): Promise<WebhookAnswer> {
  const resolved = isSettings(settings) ? settings : resolveLogtoWebhook(settings);
  if (body.byteLength > MAX_WEBHOOK_BYTES) return { status: 413, body: { error: 'payload_too_large' } };
  if (!(await verifyLogtoSignature(body, signature, resolved.signingKey))) return { status: 401, body: { error: 'invalid_signature' } };
  const event = parseLogtoWebhookEvent(body);
  if (!event) return { status: 400, body: { error: 'invalid_payload' } };
  // createdAt is signed with the body: a delivery older than the dedupe window could
  // otherwise be replayed once its mark expired (and revoke again), so it is refused
  if (!isFresh(event.createdAt, Date.now())) return { status: 400, body: { error: 'stale_delivery' } };
  const digest = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>)));
  const outcome = await applyOnce(resolved.store, `logto-authkit:webhook:${digest}`, WEBHOOK_DEDUPE_TTL_MS, async () => {
    const revocations = await revocationsFor(event, resolved);
    for (const revocation of revocations) await apply(revocation, resolved.revocation);
    return revocations.length;
  });
  if (outcome.duplicate) return { status: 200, body: { ok: true, revoked: 0, duplicate: true } };
  return { status: 200, body: { ok: true, revoked: outcome.value, duplicate: false } };
}

/** Checks the options and resolves them once, when a handler is made; throws `TypeError` for bad ones. */
export function resolveLogtoWebhook(options: LogtoWebhookOptions): LogtoWebhookSettings {
  assertWebhookOptions(options);
  const { signingKey, revocation, roleHolders, scopeName, broadChanges, onEvent } = options;
  return Object.freeze({ [SETTINGS]: true, signingKey, revocation, roleHolders, scopeName, broadChanges: broadChanges ?? 'narrow', onEvent, store: options.store ?? inProcess }) as LogtoWebhookSettings;
}

/** Checks the options; throws `TypeError` for bad ones. */
export function assertWebhookOptions(options: LogtoWebhookOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: webhook options must be an object');
  if (typeof options.signingKey !== 'string' || options.signingKey === '') throw new TypeError('logto-authkit: signingKey is required (the webhook signing key from the Logto Console)');
  const target = options.revocation;
  if (typeof target?.revokeUser !== 'function') throw new TypeError('logto-authkit: revocation is required (a revocation list with revokeUser)');
  const mode = options.broadChanges ?? 'narrow';
  if (mode !== 'narrow' && mode !== 'revoke-all' && mode !== 'ignore') throw new TypeError('logto-authkit: broadChanges must be "narrow", "revoke-all" or "ignore"');
  if (mode === 'narrow' && (typeof target.revokeOrganization !== 'function' || typeof target.revokeScope !== 'function' || typeof target.revokeMembership !== 'function')) {
    throw new TypeError('logto-authkit: broadChanges "narrow" needs a revocation list with revokeOrganization, revokeScope and revokeMembership (createRevocationList has them); pass broadChanges: "revoke-all" or "ignore" otherwise');
  }
  if (mode === 'revoke-all' && typeof target.revokeAll !== 'function') throw new TypeError('logto-authkit: broadChanges "revoke-all" needs a revocation list with revokeAll()');
  for (const name of ['roleHolders', 'scopeName', 'onEvent'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`logto-authkit: ${name} must be a function`);
  }
  if (options.store !== undefined) assertAppliedStore(options.store, 'store');
}

// a membership revocation falls back to the user's every token when the target cannot narrow it
async function apply(revocation: WebhookRevocation, target: RevocationTarget): Promise<void> {
  switch (revocation.kind) {
    case 'user':
      return void (await target.revokeUser(revocation.sub));
    case 'membership':
      if (target.revokeMembership) return void (await target.revokeMembership(revocation.organizationId, revocation.sub));
      return void (await target.revokeUser(revocation.sub));
    case 'organization':
      return void (await target.revokeOrganization!(revocation.organizationId));
    case 'scope':
      return void (await target.revokeScope!(revocation.name));
    case 'all':
      return void (await target.revokeAll!());
  }
}

const SETTINGS = Symbol('logto-authkit.webhookSettings');
// the default: deliveries applied by this process, for every handler in it
const inProcess = localAppliedStore();

function isSettings(value: object): value is LogtoWebhookSettings {
  return (value as { [SETTINGS]?: boolean })[SETTINGS] === true;
}

function isFresh(createdAt: unknown, now: number): boolean {
  if (typeof createdAt !== 'string') return false;
  const at = Date.parse(createdAt);
  return Number.isFinite(at) && now - at <= WEBHOOK_MAX_AGE_MS && at - now <= WEBHOOK_CLOCK_TOLERANCE_MS;
}

function hexToBytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function hex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}
