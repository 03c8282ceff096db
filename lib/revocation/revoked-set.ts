/**
 * The local copy of the revocation list that every request checks: three
 * Maps (revoked users, tokens, sessions), so a check is at most three O(1)
 * lookups with no I/O, and nothing at all while the list is empty. Times are
 * whole seconds (JWT NumericDate, RFC 7519 §2), small integers that V8 keeps
 * unboxed in a Map, so an entry costs its id string and one Map slot.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1
 * @module
 */

/** What a revocation names: a token (`jti`), a user (`sub`), a session (`sid`), or every token issued before it (`all`). */
export type RevokedBy = 'jti' | 'sub' | 'sid' | 'all';

/** One revocation, as it travels through the store's feed. */
export interface Revocation {
  by: RevokedBy;
  /** The `jti`, `sub` or `sid`. */
  id: string;
  /** When it was revoked, in seconds since the epoch. */
  at: number;
  /** For a token: its `exp`, after which the entry is useless. */
  exp?: number;
}

/** Longest id accepted, in characters: Logto's ids are 12 to 21, a UUID is 36. Bounds the memory of one entry. */
export const MAX_REVOKED_ID_LENGTH = 256;

const KINDS: ReadonlySet<string> = new Set(['jti', 'sub', 'sid', 'all']);

/** The feed's text for a revocation (JSON, so an id may hold any character). */
export function encodeRevocation(revocation: Revocation): string {
  return JSON.stringify(revocation);
}

/** A revocation read from the feed, or `undefined` for anything malformed (ignored: the feed is shared, not trusted to be well-formed). */
export function decodeRevocation(text: string): Revocation | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { by, id, at, exp } = value as Record<string, unknown>;
  if (typeof by !== 'string' || !KINDS.has(by) || !isRevokedId(id) || !isSeconds(at) || (exp !== undefined && !isSeconds(exp))) return undefined;
  return exp === undefined ? { by: by as RevokedBy, id, at } : { by: by as RevokedBy, id, at, exp };
}

/** True for an id the list can hold: a non-empty string of at most `MAX_REVOKED_ID_LENGTH` characters. */
export function isRevokedId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_REVOKED_ID_LENGTH;
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Revoked users, tokens and sessions, each kept until no token it could match
 * can still be valid: a user or session `keepSec` after its revocation (the
 * longest token lifetime the app accepts, plus tolerance), a token until its
 * `exp` plus tolerance (or `keepSec` when its `exp` is not known).
 */
export class RevokedSet {
  // sub → latest revocation time: tokens issued at or before it are refused
  private readonly users = new Map<string, number>();
  // jti → the second after which the entry can go
  private readonly tokens = new Map<string, number>();
  // sid → latest revocation time: a session Logto ended mints no new tokens, so every token of it is refused
  private readonly sessions = new Map<string, number>();
  // every token issued at or before this second is refused (a change whose users are not named); -1: none
  private allRevokedAt = -1;

  /** `keepSec`: the longest token lifetime accepted plus `toleranceSec` (the clock tolerance that lets a token live past `exp`). */
  constructor(
    private readonly keepSec: number,
    private readonly toleranceSec: number,
  ) {}

  /** Adds a revocation; applying one twice, or an older one after a newer, changes nothing. */
  apply(revocation: Revocation, nowSec: number): void {
    const { by, id, at } = revocation;
    if (by === 'all') {
      if (at + this.keepSec > nowSec && at > this.allRevokedAt) this.allRevokedAt = at;
    } else if (by === 'jti') {
      // a token valid at `at` expires by `at + keepSec`: a larger `exp` read from the store is bounded by it
      const until = revocation.exp === undefined ? at + this.keepSec : Math.min(revocation.exp + this.toleranceSec, at + this.keepSec);
      if (until > nowSec && !(this.tokens.get(id)! >= until)) this.tokens.set(id, until);
    } else if (at + this.keepSec > nowSec) {
      const map = by === 'sub' ? this.users : this.sessions;
      if (!(map.get(id)! >= at)) map.set(id, at);
    }
  }

  /**
   * What revokes `payload`, or `undefined`. A token under a revoked `sub` is
   * refused when it was issued (`iat`) at or before the revocation's second
   * plus `clockToleranceSec` (an issuer whose clock is ahead stamps a token
   * minted just before the revocation with a later second), or carries no
   * `iat` (it could be older). No I/O; nothing to do when empty.
   */
  match(payload: Readonly<Record<string, unknown>>, clockToleranceSec = 0): RevokedBy | undefined {
    if (this.allRevokedAt !== -1) {
      const iat = payload.iat;
      if (typeof iat !== 'number' || iat <= this.allRevokedAt + clockToleranceSec) return 'all';
    }
    if (this.users.size !== 0) {
      const sub = payload.sub;
      const revokedAt = typeof sub === 'string' ? this.users.get(sub) : undefined;
      if (revokedAt !== undefined) {
        const iat = payload.iat;
        if (typeof iat !== 'number' || iat <= revokedAt + clockToleranceSec) return 'sub';
      }
    }
    if (this.tokens.size !== 0) {
      const jti = payload.jti;
      if (typeof jti === 'string' && this.tokens.has(jti)) return 'jti';
    }
    if (this.sessions.size !== 0) {
      const sid = payload.sid;
      if (typeof sid === 'string' && this.sessions.has(sid)) return 'sid';
    }
    return undefined;
  }

  /** Drops every entry that can no longer match a valid token. */
  sweep(nowSec: number): void {
    if (this.allRevokedAt !== -1 && this.allRevokedAt + this.keepSec <= nowSec) this.allRevokedAt = -1;
    for (const [id, at] of this.users) if (at + this.keepSec <= nowSec) this.users.delete(id);
    for (const [id, at] of this.sessions) if (at + this.keepSec <= nowSec) this.sessions.delete(id);
    for (const [id, until] of this.tokens) if (until <= nowSec) this.tokens.delete(id);
  }

  /** How many entries of each kind are held. */
  size(): { users: number; tokens: number; sessions: number } {
    return { users: this.users.size, tokens: this.tokens.size, sessions: this.sessions.size };
  }
}
