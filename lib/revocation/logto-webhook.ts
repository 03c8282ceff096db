/**
 * Logto webhooks: verify a delivery's `logto-signature-sha-256` (hex
 * HMAC-SHA-256 of the raw body under the webhook's signing key), parse the
 * event, drop a retried delivery, and turn the events that change who may do
 * what into revocations.
 *
 * Logto signs the exact bytes it sends and retries failed deliveries with the
 * same body; it sends no delivery id and no timestamp header, so a delivery is
 * recognised by the SHA-256 of its body (set-if-absent in the store).
 * @see https://docs.logto.io/developers/webhooks/secure-webhooks
 * @see https://docs.logto.io/developers/webhooks/webhooks-events
 * @module
 */
import type { Store } from '../stores/store.js';

/** The header Logto puts the signature in. */
export const LOGTO_SIGNATURE_HEADER = 'logto-signature-sha-256';
/** Largest delivery body read, in bytes; Logto's payloads are a few KB. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** How long a delivery's body hash is remembered against retries (Logto retries within minutes). */
export const WEBHOOK_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

/** The fields of a Logto webhook delivery that revocation reads; the rest is kept as sent. */
export interface LogtoWebhookEvent {
  hookId?: string;
  /** e.g. `User.Deleted`, `User.SuspensionStatus.Updated`, `Role.Scopes.Updated`. */
  event: string;
  createdAt?: string;
  /** Data-mutation events: the route parameters of the Management API call (`userId`, `id`). */
  params?: Record<string, unknown>;
  /** Data-mutation events: the Management API route that changed the data, e.g. `/users/:userId/roles`. */
  matchedRoute?: string;
  /** Data-mutation events: the entity after the change (a user, a role, an organization). */
  data?: unknown;
  /** User-flow events: the user. */
  userId?: string;
  [field: string]: unknown;
}

/** One revocation a webhook asks for. */
export type WebhookRevocation =
  /** Every token of this user issued before now. */
  | { kind: 'user'; sub: string; reason: string }
  /** Every token issued before now: a change whose users the event does not name (a role's permissions). */
  | { kind: 'all'; reason: string };

/** What the webhook handler revokes through: the app's revocation list. */
export interface RevocationTarget {
  revokeUser(sub: string): unknown;
  /** Revokes every token issued before now; needed for `broadChanges: 'revoke-all'`. */
  revokeAll?(): unknown;
}

/** How the webhook handler is set up. */
export interface LogtoWebhookOptions {
  /** The webhook's signing key, from the Logto Console. Required. */
  signingKey: string;
  /** Where revocations go (a revocation list). Required. */
  revocation: RevocationTarget;
  /**
   * Remembers delivered bodies (by SHA-256) with set-if-absent, so a retried
   * delivery is acknowledged and not applied twice. Use the fleet's shared
   * store so any instance can receive the retry. Default: an in-process store.
   */
  store?: Pick<Store, 'setIfAbsent'>;
  /**
   * Events that change the permissions of users they do not name (a role's or
   * an organization role's permissions changed, a role deleted): `revoke-all`
   * revokes every token issued before now (clients fetch new tokens with the
   * new permissions); `ignore` leaves them to expire. Default: `revoke-all`.
   */
  broadChanges?: 'revoke-all' | 'ignore';
}

/** The answer to send: 200 applied (or a retry already applied), 400 malformed, 401 bad signature, 413 too large. */
export interface WebhookAnswer {
  status: 200 | 400 | 401 | 413;
  body: { ok: true; revoked: number; duplicate: boolean } | { error: 'invalid_signature' | 'invalid_payload' | 'payload_too_large' };
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

// Events whose users lose or change permissions, and whose users the event names.
const USER_EVENTS: Readonly<Record<string, (event: LogtoWebhookEvent) => boolean>> = {
  // a deleted user keeps no access
  'User.Deleted': () => true,
  // suspended: revoke; reactivated: nothing to withdraw
  'User.SuspensionStatus.Updated': (event) => (event.data as { isSuspended?: unknown } | undefined)?.isSuspended === true,
  // roles assigned or removed through /users/:userId/roles change the user's scopes
  'User.Data.Updated': (event) => typeof event.matchedRoute === 'string' && event.matchedRoute.includes('/roles'),
};

// Events that change the permissions of users they do not list.
const BROAD_EVENTS = new Set(['Role.Scopes.Updated', 'Role.Deleted', 'OrganizationRole.Scopes.Updated', 'OrganizationRole.Deleted', 'Organization.Deleted', 'Scope.Deleted', 'OrganizationScope.Deleted']);

/**
 * The revocations one event asks for, as documented in the README's mapping.
 * `Organization.Membership.Updated` revokes the users it says were removed
 * (`removedUserIds`, or the `userId` route parameter of a removal); without
 * that detail it is a broad change.
 */
export function revocationsFor(event: LogtoWebhookEvent, broadChanges: 'revoke-all' | 'ignore' = 'revoke-all'): WebhookRevocation[] {
  const broad = (): WebhookRevocation[] => (broadChanges === 'revoke-all' ? [{ kind: 'all', reason: event.event }] : []);
  const userEvent = USER_EVENTS[event.event];
  if (userEvent) {
    const sub = userOf(event);
    return userEvent(event) && sub !== undefined ? [{ kind: 'user', sub, reason: event.event }] : [];
  }
  if (event.event === 'Organization.Membership.Updated') {
    const removed = removedMembers(event);
    if (removed === undefined) return broad();
    return removed.map((sub) => ({ kind: 'user', sub, reason: event.event }));
  }
  return BROAD_EVENTS.has(event.event) ? broad() : [];
}

const localDeliveries = new Map<string, number>();

/**
 * Handles one delivery: verify, parse, drop a retry, revoke. Pure over its
 * inputs, so every framework's handler is a translation of this.
 * A bad signature is a 401 with no detail (nothing about the key or the body).
 */
export async function handleLogtoWebhook(body: Uint8Array, signature: string | null | undefined, options: LogtoWebhookOptions): Promise<WebhookAnswer> {
  if (body.byteLength > MAX_WEBHOOK_BYTES) return { status: 413, body: { error: 'payload_too_large' } };
  if (!(await verifyLogtoSignature(body, signature, options.signingKey))) return { status: 401, body: { error: 'invalid_signature' } };
  const event = parseLogtoWebhookEvent(body);
  if (!event) return { status: 400, body: { error: 'invalid_payload' } };
  const digest = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>)));
  const first = await rememberDelivery(`logto-authkit:webhook:${digest}`, options.store);
  if (!first) return { status: 200, body: { ok: true, revoked: 0, duplicate: true } };
  const revocations = revocationsFor(event, options.broadChanges);
  for (const revocation of revocations) {
    if (revocation.kind === 'user') await options.revocation.revokeUser(revocation.sub);
    else if (options.revocation.revokeAll) await options.revocation.revokeAll();
    else throw new TypeError('logto-authkit: broadChanges "revoke-all" needs a revocation list with revokeAll()');
  }
  return { status: 200, body: { ok: true, revoked: revocations.length, duplicate: false } };
}

/** Checks the options once, when a handler is made. */
export function assertWebhookOptions(options: LogtoWebhookOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: webhook options must be an object');
  if (typeof options.signingKey !== 'string' || options.signingKey === '') throw new TypeError('logto-authkit: signingKey is required (the webhook signing key from the Logto Console)');
  if (typeof options.revocation?.revokeUser !== 'function') throw new TypeError('logto-authkit: revocation is required (a revocation list with revokeUser)');
  if (options.broadChanges !== undefined && options.broadChanges !== 'revoke-all' && options.broadChanges !== 'ignore') throw new TypeError('logto-authkit: broadChanges must be "revoke-all" or "ignore"');
  if ((options.broadChanges ?? 'revoke-all') === 'revoke-all' && typeof options.revocation.revokeAll !== 'function') {
    throw new TypeError('logto-authkit: broadChanges "revoke-all" needs a revocation list with revokeAll(); pass broadChanges: "ignore" otherwise');
  }
}

async function rememberDelivery(key: string, store: Pick<Store, 'setIfAbsent'> | undefined): Promise<boolean> {
  if (store) return store.setIfAbsent(key, '1', WEBHOOK_DEDUPE_TTL_MS);
  const now = Date.now();
  for (const [seen, until] of localDeliveries) {
    if (until > now) break; // insertion order is expiry order
    localDeliveries.delete(seen);
  }
  if (localDeliveries.has(key)) return false;
  localDeliveries.set(key, now + WEBHOOK_DEDUPE_TTL_MS);
  return true;
}

function userOf(event: LogtoWebhookEvent): string | undefined {
  const fromParams = event.params?.userId;
  if (typeof fromParams === 'string' && fromParams !== '') return fromParams;
  const fromData = (event.data as { id?: unknown } | null | undefined)?.id;
  if (typeof fromData === 'string' && fromData !== '') return fromData;
  return typeof event.userId === 'string' && event.userId !== '' ? event.userId : undefined;
}

function removedMembers(event: LogtoWebhookEvent): string[] | undefined {
  const data = event.data as { removedUserIds?: unknown } | null | undefined;
  if (Array.isArray(data?.removedUserIds) && data.removedUserIds.every((id) => typeof id === 'string')) return data.removedUserIds as string[];
  // DELETE /organizations/:id/users/:userId names the one member removed
  const userId = event.params?.userId;
  if (typeof userId === 'string' && userId !== '' && typeof event.matchedRoute === 'string' && event.matchedRoute.endsWith('/users/:userId')) return [userId];
  return undefined;
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
