/**
 * The local copy of the revocation list that every request checks: one Map
 * per dimension (users, tokens, sessions, organizations, scopes, organization
 * members), so a check is a few O(1) lookups with no I/O, and nothing at all
 * while the list is empty. Times are
 * whole seconds (JWT NumericDate, RFC 7519 §2), small integers that V8 keeps
 * unboxed in a Map, so an entry costs its id string and one Map slot.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1
 * @module
 */

/**
 * What a revocation names: a token (`jti`), a user (`sub`), a session (`sid`),
 * every token issued before it (`all`), or, for Logto events that name nobody,
 * the tokens of an organization (`org`: its id, `*` for every organization
 * token), the tokens that carry a scope (`scope`: its name, `*` for every token
 * with a scope), or one member's tokens of one organization (`member`:
 * `<organization id> <sub>`).
 */
export type RevokedBy = 'jti' | 'sub' | 'sid' | 'all' | 'org' | 'scope' | 'member';

/** Logto's organization tokens carry `aud: urn:logto:organization:<id>`; its organization API tokens an `organization_id` claim. */
export const ORGANIZATION_AUDIENCE_PREFIX = 'urn:logto:organization:';
/** The id that, for `org` or `scope`, stands for every organization token or every token with a scope. */
export const ANY = '*';

/** One revocation, as it travels through the store's feed. */
export interface Revocation {
  by: RevokedBy;
  /** The `jti`, `sub`, `sid`, organization id, scope name, or `<organization id> <sub>`. */
  id: string;
  /** When it was revoked, in seconds since the epoch. */
  at: number;
  /** For a token: its `exp`, after which the entry is useless. */
  exp?: number;
}

/** Longest id accepted, in characters: Logto's ids are 12 to 21, a UUID is 36. Bounds the memory of one entry. */
export const MAX_REVOKED_ID_LENGTH = 256;

const KINDS: ReadonlySet<string> = new Set(['jti', 'sub', 'sid', 'all', 'org', 'scope', 'member']);

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
  // organization id (or `*`) → latest revocation time: its tokens issued at or before it are refused
  private readonly organizations = new Map<string, number>();
  // scope name (or `*`) → latest revocation time: tokens carrying it issued at or before it are refused
  private readonly scopes = new Map<string, number>();
  // `<organization id> <sub>` → latest revocation time: that member's tokens of that organization (`* <sub>`: of every organization)
  private readonly members = new Map<string, number>();
  // every token issued at or before this second is refused (a change whose users are not named); -1: none
  private allRevokedAt = -1;
  // true while organizations, scopes or members hold an entry: one field read on the hot path otherwise
  private byEvent = false;

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
      const map = this.byIssueTime(by);
      if (!(map.get(id)! >= at)) map.set(id, at);
      if (by === 'org' || by === 'scope' || by === 'member') this.byEvent = true;
    }
  }

  private byIssueTime(by: Exclude<RevokedBy, 'all' | 'jti'>): Map<string, number> {
    if (by === 'sub') return this.users;
    if (by === 'sid') return this.sessions;
    if (by === 'org') return this.organizations;
    return by === 'scope' ? this.scopes : this.members;
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
    // kept out of line: match stays small enough for V8 to inline on the cache-hit path
    return this.byEvent ? this.matchByEvent(payload, clockToleranceSec) : undefined;
  }

  private matchByEvent(payload: Readonly<Record<string, unknown>>, toleranceSec: number): RevokedBy | undefined {
    if (this.organizations.size !== 0 || this.members.size !== 0) {
      const organization = organizationOf(payload);
      if (organization !== undefined) {
        if (issuedBy(payload, this.organizations.get(ANY), toleranceSec) || issuedBy(payload, this.organizations.get(organization), toleranceSec)) return 'org';
        const sub = payload.sub;
        if (this.members.size !== 0 && typeof sub === 'string' && (issuedBy(payload, this.members.get(`${organization} ${sub}`), toleranceSec) || issuedBy(payload, this.members.get(`${ANY} ${sub}`), toleranceSec))) return 'member';
      }
    }
    if (this.scopes.size !== 0 && typeof payload.scope === 'string' && payload.scope !== '') {
      if (issuedBy(payload, this.scopes.get(ANY), toleranceSec)) return 'scope';
      for (const name of payload.scope.split(' ')) if (name !== '' && issuedBy(payload, this.scopes.get(name), toleranceSec)) return 'scope';
    }
    return undefined;
  }

  /** Drops every entry that can no longer match a valid token. */
  sweep(nowSec: number): void {
    if (this.allRevokedAt !== -1 && this.allRevokedAt + this.keepSec <= nowSec) this.allRevokedAt = -1;
    for (const [id, at] of this.users) if (at + this.keepSec <= nowSec) this.users.delete(id);
    for (const map of [this.sessions, this.organizations, this.scopes, this.members]) for (const [id, at] of map) if (at + this.keepSec <= nowSec) map.delete(id);
    this.byEvent = this.organizations.size !== 0 || this.scopes.size !== 0 || this.members.size !== 0;
    for (const [id, until] of this.tokens) if (until <= nowSec) this.tokens.delete(id);
  }

  /** How many entries of each kind are held. */
  size(): { users: number; tokens: number; sessions: number; organizations: number; scopes: number; members: number } {
    return { users: this.users.size, tokens: this.tokens.size, sessions: this.sessions.size, organizations: this.organizations.size, scopes: this.scopes.size, members: this.members.size };
  }
}

// a token issued (`iat`) at or before `revokedAt` plus the clock tolerance (as
// for a revoked user), or without a usable `iat` (it could be older)
function issuedBy(payload: Readonly<Record<string, unknown>>, revokedAt: number | undefined, toleranceSec: number): boolean {
  if (revokedAt === undefined) return false;
  const iat = payload.iat;
  return typeof iat !== 'number' || iat <= revokedAt + toleranceSec;
}

/** The organization a Logto token is for: `organization_id`, or the id in an `urn:logto:organization:<id>` audience. */
export function organizationOf(payload: Readonly<Record<string, unknown>>): string | undefined {
  const claim = payload.organization_id;
  if (typeof claim === 'string' && claim !== '') return claim;
  const aud = payload.aud;
  for (const audience of Array.isArray(aud) ? aud : [aud]) {
    if (typeof audience === 'string' && audience.startsWith(ORGANIZATION_AUDIENCE_PREFIX) && audience.length > ORGANIZATION_AUDIENCE_PREFIX.length) return audience.slice(ORGANIZATION_AUDIENCE_PREFIX.length);
  }
  return undefined;
}
