/**
 * A revocation list shared by a fleet through a store: revoke a user, a token
 * or a session on one instance, and every instance refuses the matching
 * tokens within a bound. Each instance keeps a local copy (`revoked-set.ts`)
 * that requests check in memory; the copy follows the store's feed by push
 * (Redis pub/sub) and by polling every `syncIntervalMs` (the catch-up for a
 * missed push, and the only path on Upstash). A store that goes down never
 * fails a request: the last known list keeps applying and the outage is
 * reported as `store-error` events; `failClosedAfterMs` turns a copy older
 * than that (or one never read) into 503 `REVOCATION_UNAVAILABLE` instead,
 * judged when the token is checked, not by a timer.
 * The store's feed is the source of truth: every
 * `REVOCATION_RECONCILE_INTERVAL_MS` the copy is rebuilt from a full read, so
 * an entry deleted from the store, or one that was only pushed (`PUBLISH`) and
 * never appended, does not outlive that read.
 * @module
 */
import { emit, redactedMessage, type AuthEvent } from '../events.js';
import { StoreIntegrityError } from '../stores/integrity.js';
import type { RevocationCheck } from '../options.js';
import type { Store, StoreFeed } from '../stores/store.js';
import { decodeRevocation, encodeRevocation, isRevokedId, RevokedSet, type Revocation, type RevokedBy } from './revoked-set.js';

/** Default longest token lifetime the app accepts, in seconds: Logto's default access token TTL (1 hour). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SEC = 3600;
/** Default tolerance added to every entry's lifetime, in seconds (clock skew, `clockTolerance`, a request in flight). */
export const DEFAULT_REVOCATION_TOLERANCE_SEC = 60;
/** Default polling interval, in ms: the propagation bound when a push is missed. */
export const DEFAULT_SYNC_INTERVAL_MS = 1000;
/** Expired entries are dropped from the local copy at most this often, in ms. */
export const REVOCATION_SWEEP_INTERVAL_MS = 60_000;
/** A failed subscription is tried again after this long, in ms. */
export const SUBSCRIBE_RETRY_MS = 5000;
/** Default feed name, under the store's prefix. */
export const DEFAULT_REVOCATION_FEED = 'revocation';
/** The local copy is rebuilt from a full read of the feed at least this often, in ms: the bound on how long an entry deleted from the store is still applied. */
export const REVOCATION_RECONCILE_INTERVAL_MS = 60_000;
/** Default bound of `ready()`, in ms: it resolves `false` when the store has not answered by then. */
export const DEFAULT_READY_TIMEOUT_MS = 5000;

/** Options of `createRevocationList`. */
export interface RevocationListOptions {
  /** Where the fleet shares revocations: `redisStore`, `upstashStore` or `memoryStore` (one process). Cloudflare KV is refused (eventually consistent). Required. */
  store: Store;
  /**
   * The longest lifetime of a token the app accepts, in seconds (Logto's
   * access token TTL of the API resource). A user or session revocation is
   * kept this long plus `toleranceSec`, after which every token it could match
   * has expired. Default: `3600`.
   */
  maxTokenLifetimeSec?: number;
  /** Added to every entry's lifetime, in seconds (at least your `clockTolerance`). Default: `60`. */
  toleranceSec?: number;
  /** Polling interval, in ms; `0` starts no timer (call `sync()` yourself, e.g. from `ctx.waitUntil` on Workers). Default: `1000`. */
  syncIntervalMs?: number;
  /**
   * Refuse every token with 503 `REVOCATION_UNAVAILABLE` while the local copy
   * was last read from the store longer ago than this, in ms, or never (a new
   * instance before its first read), judged at each check. Default: none (fail
   * open: the last known list keeps applying).
   */
  failClosedAfterMs?: number;
  /** Listen for pushes when the store offers them (Redis pub/sub). Default: `true`. */
  subscribe?: boolean;
  /** Feed name in the store; lists that share one see each other's revocations. Default: `revocation`. */
  feed?: string;
  /** Hears `store-error` events (a failed sync, append or subscription). Default: none. */
  onEvent?: (event: AuthEvent) => void;
}

/**
 * Makes a revocation list and starts following the store: pass it as the
 * `revocation` option. Throws `TypeError` for bad options, and for a store
 * that cannot carry revocation (eventually consistent, or without a feed).
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  return new RevocationList(options);
}

/** A revocation list; made by `createRevocationList`. */
export class RevocationList implements RevocationCheck {
  private readonly store: Store;
  private readonly feed: StoreFeed;
  private readonly feedName: string;
  private readonly keepMs: number;
  private set: RevokedSet;
  private readonly syncIntervalMs: number;
  private readonly failClosedAfterMs: number | undefined;
  private readonly onEvent: ((event: AuthEvent) => void) | undefined;
  private cursor = 0;
  // when the last successful read started (its snapshot is at least this recent); -Infinity: never read
  private readAt = -Infinity;
  private nextSweepAt: number;
  private nextReconcileAt = -Infinity;
  private syncing: Promise<void> | undefined;
  private synced = false;
  // revocations made here and not (yet) in the feed: a rebuild keeps them
  private readonly local = new Set<Revocation>();
  // pushes heard while a full read is in flight: its snapshot may predate them
  private heardDuringRebuild: Revocation[] | undefined;
  private readonly keepSec: number;
  private readonly toleranceSec: number;
  private readonly waiting: (() => void)[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private subscribing = false;
  private nextSubscribeAt = 0;
  private readonly wantsPush: boolean;
  private closed = false;

  constructor(options: RevocationListOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: createRevocationList takes { store, ... }');
    const { store } = options;
    if (typeof store !== 'object' || store === null || typeof store.capabilities !== 'object') throw new TypeError('logto-authkit: createRevocationList needs a store (redisStore, upstashStore or memoryStore)');
    if (store.capabilities.consistency !== 'strong') {
      // Cloudflare KV: a write may take a minute or more to reach other locations, so a revoked token would keep passing there
      throw new TypeError('logto-authkit: this store is eventually consistent (Cloudflare KV?): a revocation could take a minute or more to reach every instance. Use redisStore or upstashStore for revocation; KV is fit for sharing keys only');
    }
    if (store.feed === undefined) throw new TypeError('logto-authkit: this store has no feed, which revocation needs (use redisStore, upstashStore or memoryStore)');
    const lifetimeSec = positive(options.maxTokenLifetimeSec, DEFAULT_MAX_TOKEN_LIFETIME_SEC, 'maxTokenLifetimeSec');
    const toleranceSec = nonNegative(options.toleranceSec, DEFAULT_REVOCATION_TOLERANCE_SEC, 'toleranceSec');
    this.syncIntervalMs = nonNegative(options.syncIntervalMs, DEFAULT_SYNC_INTERVAL_MS, 'syncIntervalMs');
    this.failClosedAfterMs = options.failClosedAfterMs === undefined ? undefined : positive(options.failClosedAfterMs, 0, 'failClosedAfterMs');
    if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new TypeError('logto-authkit: onEvent must be a function');
    if (options.feed !== undefined && (typeof options.feed !== 'string' || options.feed === '')) throw new TypeError('logto-authkit: feed must be a non-empty string');
    this.store = store;
    this.feed = store.feed;
    this.feedName = options.feed ?? DEFAULT_REVOCATION_FEED;
    this.keepMs = (lifetimeSec + toleranceSec) * 1000;
    this.keepSec = Math.ceil(lifetimeSec + toleranceSec);
    this.toleranceSec = Math.ceil(toleranceSec);
    this.set = new RevokedSet(this.keepSec, this.toleranceSec);
    this.onEvent = options.onEvent;
    this.wantsPush = options.subscribe !== false && typeof this.feed.subscribe === 'function';
    this.nextSweepAt = Date.now() + REVOCATION_SWEEP_INTERVAL_MS;

    void this.sync();
    if (this.syncIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.syncIntervalMs);
      // a Node timer must not keep the process alive (absent on other runtimes)
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /**
   * For the pipeline: why `payload` is refused, or `undefined`. No I/O; with
   * `failClosedAfterMs`, the copy's age is judged now (a timer may not have
   * run: an idle Workers isolate, a busy event loop). `clockToleranceSec`: the
   * verifier's `clockTolerance`, for an issuer whose clock is ahead; `now`:
   * the pipeline's clock reading, in ms (default: read here).
   */
  check(payload: Readonly<Record<string, unknown>>, clockToleranceSec = 0, now?: number): RevokedBy | 'unavailable' | undefined {
    if (this.failClosedAfterMs !== undefined && !((now ?? Date.now()) - this.readAt <= this.failClosedAfterMs)) return 'unavailable';
    return this.set.match(payload, clockToleranceSec);
  }

  /** True when the list names `payload`'s token, user (issued before the revocation, within `clockToleranceSec`) or session. */
  isRevoked(payload: Readonly<Record<string, unknown>>, clockToleranceSec = 0): boolean {
    return this.set.match(payload, clockToleranceSec) !== undefined;
  }

  /**
   * Revokes every token of user `sub` issued up to now (by `iat`; a token
   * without `iat` is refused too). This instance refuses them at once, the
   * fleet within the sync bound. Rejects when the store could not be written
   * (the revocation then holds on this instance only): answer your caller
   * with an error, so a webhook is delivered again.
   */
  revokeUser(sub: string): Promise<void> {
    return this.revoke('sub', sub);
  }

  /** Revokes one token by its `jti`; pass its `exp` (seconds) so the entry goes when the token would have. */
  async revokeToken(jti: string, exp?: number): Promise<void> {
    if (exp !== undefined && !(Number.isFinite(exp) && exp >= 0)) throw new TypeError('logto-authkit: exp must be a NumericDate in seconds');
    return this.revoke('jti', jti, exp === undefined ? undefined : Math.ceil(exp));
  }

  /** Revokes every token that carries session id `sid` (a custom claim, see the README). */
  revokeSession(sid: string): Promise<void> {
    return this.revoke('sid', sid);
  }

  /**
   * Revokes every token issued up to now, of every user: for a change whose
   * users Logto does not name (a role's permissions changed). Clients get new
   * tokens with the new permissions; tokens issued from the next second on pass.
   */
  revokeAll(): Promise<void> {
    return this.revoke('all', '*');
  }

  /**
   * Revokes the organization tokens (`aud` `urn:logto:organization:<id>`, or an
   * `organization_id` claim) of organization `id` issued up to now; `'*'`: of
   * every organization. Tokens for no organization still pass.
   */
  revokeOrganization(id: string): Promise<void> {
    return this.revoke('org', id);
  }

  /** Revokes the tokens issued up to now whose `scope` carries scope `name`; `'*'`: every token that carries any scope. */
  async revokeScope(name: string): Promise<void> {
    if (typeof name === 'string' && name.includes(' ')) throw new TypeError('logto-authkit: a scope name has no space (RFC 6749 §3.3)');
    return this.revoke('scope', name);
  }

  /**
   * Revokes the tokens of user (or application) `sub` for organization
   * `organizationId` (`'*'`: for every organization) issued up to now; their
   * tokens for no organization still pass.
   */
  async revokeMembership(organizationId: string, sub: string): Promise<void> {
    if (!isRevokedId(organizationId) || organizationId.includes(' ') || !isRevokedId(sub)) throw new TypeError('logto-authkit: revokeMembership takes an organization id (or "*") and a sub');
    return this.revoke('member', `${organizationId} ${sub}`);
  }

  /**
   * Marks `id` as seen for `ttlMs`, atomically across the fleet (the store's
   * set-if-absent): `true` when this call marked it first, `false` when it was
   * already seen (a replay). For webhook deliveries and logout tokens.
   */
  async markSeen(id: string, ttlMs: number): Promise<boolean> {
    if (typeof id !== 'string' || id === '') throw new TypeError('logto-authkit: markSeen takes a non-empty id');
    if (!this.store.capabilities.atomicSetIfAbsent) throw new TypeError('logto-authkit: this store has no atomic set-if-absent, which replay protection needs');
    return this.store.setIfAbsent(`${this.feedName}:seen:${id}`, '1', ttlMs);
  }

  /** Reads what is new in the store now (the timer does it every `syncIntervalMs`). Never rejects: a failure is a `store-error` event. */
  sync(): Promise<void> {
    this.syncing ??= this.pull().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /**
   * Syncs when the local copy was read from the store more than `maxAgeMs`
   * ago, or never; resolves at once otherwise. A store failure never rejects
   * it (it is a `store-error` event; fail-closed then decides). Where no timer
   * runs between requests (Workers), await it before verifying: a revocation
   * is then missed for at most `maxAgeMs` while the store answers (a read
   * counts from when it started, so its snapshot is no older).
   */
  async syncIfOlderThan(maxAgeMs: number): Promise<void> {
    if (typeof maxAgeMs !== 'number' || !(maxAgeMs >= 0)) throw new TypeError('logto-authkit: syncIfOlderThan takes a number of milliseconds >= 0');
    if (Date.now() - this.readAt <= maxAgeMs) return;
    // Workers: a request must not await I/O another request started, so it reads for itself
    if (!sharesPendingSync) return this.pull();
    const started = Date.now();
    const before = this.readAt;
    await this.sync();
    // the read joined succeeded but had started before the bound: one more
    if (this.readAt !== before && this.readAt < started - maxAgeMs) await this.sync();
  }

  /**
   * Resolves `true` after the first successful read of the store (await it
   * before serving, so a fresh instance knows the list), or `false` once
   * `timeoutMs` passed without one (the store is down: the list knows nothing
   * yet, and with `failClosedAfterMs` refuses every token until a read
   * succeeds). Never rejects. Default: `5000`.
   */
  ready(timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(done);
        if (at !== -1) this.waiting.splice(at, 1);
        resolve(false);
      }, timeoutMs);
      (timer as { unref?: () => void }).unref?.();
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiting.push(done);
    });
  }

  /** How many entries of each kind the local copy holds. */
  size(): { users: number; tokens: number; sessions: number; organizations: number; scopes: number; members: number } {
    return this.set.size();
  }

  /** Stops the timer and the subscription. The list keeps answering with what it knows. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
  }

  private async revoke(by: RevokedBy, id: string, exp?: number): Promise<void> {
    if (!isRevokedId(id)) throw new TypeError(`logto-authkit: the ${by} to revoke must be a non-empty string of at most 256 characters`);
    const nowSec = Math.floor(Date.now() / 1000);
    const revocation: Revocation = exp === undefined ? { by, id, at: nowSec } : { by, id, at: nowSec, exp };
    this.set.apply(revocation, nowSec);
    this.local.add(revocation);
    this.heardDuringRebuild?.push(revocation); // a rebuild's snapshot may predate the append
    try {
      await this.feed.append(this.feedName, encodeRevocation(revocation), this.keepMs);
    } catch (error) {
      // kept in `local`: it holds on this instance, through rebuilds, until it expires
      this.report('revocation-append', error);
      throw error;
    }
    this.local.delete(revocation);
  }

  private async pull(): Promise<void> {
    const started = Date.now();
    const rebuild = started >= this.nextReconcileAt;
    if (rebuild) this.heardDuringRebuild = [];
    try {
      const page = await this.feed.read(this.feedName, rebuild ? 0 : this.cursor);
      this.cursor = page.cursor;
      const nowSec = Math.floor(Date.now() / 1000);
      for (let i = 0; i < (page.ignored ?? 0); i++) emit(this.onEvent, { type: 'store-value-ignored', operation: 'revocation-read', reason: 'no valid integrity tag' });
      if (rebuild) this.rebuild(page.entries, nowSec);
      else for (const text of page.entries) this.receive(text, nowSec);
      this.readAt = Math.max(this.readAt, started);
      if (rebuild) this.nextReconcileAt = started + REVOCATION_RECONCILE_INTERVAL_MS;
      if (!this.synced) {
        this.synced = true;
        for (const resolve of this.waiting.splice(0)) resolve();
      }
    } catch (error) {
      this.report('revocation-sync', error);
    } finally {
      if (rebuild) this.heardDuringRebuild = undefined;
    }
    this.housekeep(Date.now());
  }

  // The feed is the source of truth: a new copy holds what it lists now, what
  // was pushed while it was read, and this instance's own unwritten revocations.
  private rebuild(entries: string[], nowSec: number): void {
    const set = new RevokedSet(this.keepSec, this.toleranceSec);
    for (const text of entries) {
      const revocation = this.accept(text, nowSec);
      if (revocation) set.apply(revocation, nowSec);
    }
    for (const revocation of this.heardDuringRebuild ?? []) set.apply(revocation, nowSec);
    for (const revocation of this.local) {
      if (revocation.at + this.keepSec <= nowSec) this.local.delete(revocation);
      else set.apply(revocation, nowSec);
    }
    this.set = set;
  }

  private tick(): void {
    this.housekeep(Date.now());
    void this.sync();
  }

  private housekeep(now: number): void {
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + REVOCATION_SWEEP_INTERVAL_MS;
      this.set.sweep(Math.floor(now / 1000));
    }
    if (this.wantsPush && !this.closed && this.unsubscribe === undefined && !this.subscribing && now >= this.nextSubscribeAt) void this.listen(now);
  }

  private async listen(now: number): Promise<void> {
    this.subscribing = true;
    this.nextSubscribeAt = now + SUBSCRIBE_RETRY_MS;
    try {
      const unsubscribe = await this.feed.subscribe!(this.feedName, (text) => this.receive(text, Math.floor(Date.now() / 1000)), (error) => this.report('revocation-subscribe', error));
      if (this.closed) await unsubscribe();
      else this.unsubscribe = unsubscribe;
    } catch (error) {
      this.report('revocation-subscribe', error);
    } finally {
      this.subscribing = false;
    }
  }

  private receive(text: string, nowSec: number): void {
    const revocation = this.accept(text, nowSec);
    if (revocation === undefined) return;
    this.set.apply(revocation, nowSec);
    this.heardDuringRebuild?.push(revocation);
  }

  // What the store says is bounded before it applies: a revocation dated in
  // the future beyond the tolerance (`at: 2^53-1` would refuse every token,
  // new ones included, for ever) is ignored and reported.
  private accept(text: string, nowSec: number): Revocation | undefined {
    const revocation = decodeRevocation(text);
    if (revocation === undefined) return undefined;
    if (revocation.at > nowSec + this.toleranceSec) {
      emit(this.onEvent, { type: 'store-value-ignored', operation: 'revocation-read', reason: 'a revocation dated in the future beyond the tolerance' });
      return undefined;
    }
    return revocation;
  }

  private report(operation: string, error: unknown): void {
    if (error instanceof StoreIntegrityError) emit(this.onEvent, { type: 'store-value-ignored', operation, reason: 'no valid integrity tag' });
    else emit(this.onEvent, { type: 'store-error', operation, error: redactedMessage(error) });
  }
}

// Cloudflare Workers forbid a request from awaiting I/O that another request
// started (as for the JWKS in keys/jwks-cache.ts): there each caller of
// syncIfOlderThan reads for itself. https://github.com/panva/jose/issues/355
const sharesPendingSync = !(typeof navigator !== 'undefined' && (navigator as { userAgent?: string }).userAgent === 'Cloudflare-Workers');

function positive(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new TypeError(`logto-authkit: ${name} must be a number > 0`);
  return value;
}

function nonNegative(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new TypeError(`logto-authkit: ${name} must be a number >= 0`);
  return value;
}
