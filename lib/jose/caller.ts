/**
 * Who is calling, read from verified claims: a user or a machine (Logto's
 * machine-to-machine tokens have `sub` equal to `client_id`), the client
 * (`client_id`, RFC 9068 §2.2), and who acts for the subject (`act`, RFC 8693
 * §4.1). And the one check of a caller policy (token types, clients, actors)
 * that the options and the guards share. Pure: no I/O.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-4.1
 * @module
 */
import { AuthError } from '../errors.js';

/** `user`: a person signed in through an app; `machine`: a machine-to-machine app for itself (`sub === client_id`). */
export type TokenType = 'user' | 'machine';

/** Which token types a route accepts: one of them, or `any`. */
export type AcceptsToken = TokenType | 'any';

/** What a route does with a token that names an actor (`act`): accept it, refuse it, or accept only such tokens. */
export type ActorPolicy = 'allow' | 'refuse' | 'require';

/** RFC 8693 §4.1 `act`: the acting party (`sub`, often `client_id`); a nested `act` is the one who acted before it. */
export interface Actor {
  sub?: string;
  client_id?: string;
  act?: Actor;
  [claim: string]: unknown;
}

/** What a route asks of its caller, each part checked only when set. */
export interface CallerPolicy {
  /** The one token type accepted; `undefined` accepts both. */
  tokenType?: TokenType | undefined;
  /** The clients (`client_id`, exact match) accepted; `undefined` accepts any. A guard's list is an array. */
  clients?: ReadonlySet<string> | readonly string[] | undefined;
  /** `undefined` is `allow`. */
  actor?: ActorPolicy | undefined;
}

/** The facts a caller policy reads: the context has them, and so do verified claims (`callerOf`). */
export interface Caller {
  tokenType: TokenType;
  clientId: string | undefined;
  actors: readonly Actor[];
  /** The claims have an `act`, whatever its shape (a refusing policy refuses any). */
  hasAct: boolean;
}

// Logto: a client_credentials token is the app's own, so its sub is its client_id;
// a user token's sub is the user id, its client_id the app the user signed in with
export function tokenTypeOf(payload: Claims): TokenType {
  return typeof payload.sub === 'string' && payload.sub === payload.client_id ? 'machine' : 'user';
}

const NO_ACTORS: readonly Actor[] = Object.freeze([]);

/**
 * The acting chain, the current actor first (RFC 8693 §4.1: a nested `act`
 * acted before the one around it); empty when no one acts for the subject.
 * An `act` that is not a JSON object names no actor.
 */
export function actorsOf(payload: Claims): readonly Actor[] {
  let act = payload.act;
  if (!isObject(act)) return NO_ACTORS;
  const chain: Actor[] = [];
  while (isObject(act)) {
    chain.push(act as Actor);
    act = (act as Actor).act;
  }
  return Object.freeze(chain);
}

/** The caller facts of verified claims. */
export function callerOf(payload: Claims): Caller {
  return { tokenType: tokenTypeOf(payload), clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined, actors: actorsOf(payload), hasAct: payload.act !== undefined };
}

/** True when the policy checks anything at all (so a route without one pays nothing). */
export function hasCallerPolicy(policy: CallerPolicy | undefined): policy is CallerPolicy {
  return policy !== undefined && (policy.tokenType !== undefined || policy.clients !== undefined || (policy.actor !== undefined && policy.actor !== 'allow'));
}

/**
 * The refusal of `caller` under `policy`, in this order: the token type
 * (`TOKEN_TYPE_NOT_ACCEPTED`), the client (`CLIENT_NOT_ALLOWED`), the actor
 * (`ACTOR_INVALID`); `undefined` when allowed. Each is a 403: the token is
 * valid, only not for this route. What the route allows goes to `detail`
 * (logs, hooks), never into the message, which goes over HTTP.
 */
export function callerError(caller: Caller, policy: CallerPolicy): AuthError | undefined {
  if (policy.tokenType !== undefined && caller.tokenType !== policy.tokenType) {
    const message = caller.tokenType === 'machine' ? 'this route does not accept machine-to-machine tokens' : 'this route accepts machine-to-machine tokens only';
    return new AuthError('TOKEN_TYPE_NOT_ACCEPTED', message, { detail: { claim: 'sub', expected: policy.tokenType, actual: caller.tokenType } });
  }
  if (policy.clients !== undefined && (caller.clientId === undefined || !isListed(policy.clients, caller.clientId))) {
    return new AuthError('CLIENT_NOT_ALLOWED', 'the token "client_id" is not a client this route accepts', { detail: { claim: 'client_id', expected: [...policy.clients], actual: caller.clientId } });
  }
  if (policy.actor !== undefined && policy.actor !== 'allow') return actorError(caller, policy.actor === 'require');
  return undefined;
}

/**
 * `ACTOR_INVALID` when the token has an `act` and `required` is false, or
 * names no actor and it is true; the chain goes to `detail` (for audit logs).
 * Strict on shape both ways: any `act` (a string, an array, `null`, `{}`) is
 * refused by a refusing policy, and a requiring one wants what RFC 8693 §4.1
 * describes, an object naming the actor (a string `sub` or `client_id`).
 */
export function actorError(caller: Pick<Caller, 'actors' | 'hasAct'>, required: boolean): AuthError | undefined {
  const { actors } = caller;
  if (required ? namesActor(actors[0]) : !caller.hasAct) return undefined;
  return required
    ? new AuthError('ACTOR_INVALID', 'this route needs a token that names an actor ("act" claim, RFC 8693 token exchange)', { detail: { claim: 'act', expected: 'present', actual: undefined } })
    : new AuthError('ACTOR_INVALID', 'this route refuses a token that names an actor ("act" claim): the user must act themself', { detail: { claim: 'act', expected: 'absent', actual: actors } });
}

/** Throws the refusal of verified claims under `policy`, if any (`checkClaims` calls it last). */
export function assertCaller(payload: Claims, policy: CallerPolicy): void {
  const error = callerError(callerOf(payload), policy);
  if (error) throw error;
}

function isListed(clients: ReadonlySet<string> | readonly string[], clientId: string): boolean {
  return Array.isArray(clients) ? clients.includes(clientId) : (clients as ReadonlySet<string>).has(clientId);
}

type Claims = Readonly<Record<string, unknown>>;

function namesActor(actor: Actor | undefined): boolean {
  return actor !== undefined && ((typeof actor.sub === 'string' && actor.sub !== '') || (typeof actor.client_id === 'string' && actor.client_id !== ''));
}

function isObject(value: unknown): value is Record<string, unknown> {
  // RFC 8693 §4.1: act is a JSON object
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
