/**
 * A store over the Redis client the app already has: node-redis 4 or 5
 * (`createClient()`, connected) or ioredis 5 (`new Redis()`), told apart by
 * what they offer (`call` is ioredis, `sendCommand` node-redis). The library
 * never imports either. What it promises, on one Redis primary: strong
 * consistency, an atomic `setIfAbsent` (`SET NX PX`), TTLs down to 1 ms, a feed
 * in one sorted set, and push through pub/sub on a second connection that this
 * store opens with the client's own `duplicate()` (a connection in subscriber
 * mode can send no other command). With Redis Cluster or replicas, what a
 * failover loses is lost: the revocation feed's polling re-reads from the start
 * when the feed goes back, and the instances keep what they already applied.
 * @see https://redis.io/docs/latest/develop/interact/pubsub/
 * @module
 */
import { redisCommandStore, type RedisStoreOptions, type RedisSubscribe } from './redis-commands.js';
import type { Store } from './store.js';

/** The part of a node-redis 4/5 client this store uses. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  /** Used for the pub/sub connection. */
  duplicate(): unknown;
}

/** The part of an ioredis client this store uses. */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  /** Used for the pub/sub connection. */
  duplicate(): unknown;
}

/** Either client. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

// what the duplicates are used for, checked at run time
interface NodeRedisSubscriber {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  destroy?(): unknown;
  disconnect?(): Promise<unknown>;
}
interface IoRedisSubscriber {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  disconnect(): unknown;
}

/**
 * A store over a connected node-redis or ioredis client. The client stays
 * the app's: this store never closes it, and an `error` listener on it is the
 * app's to add (node-redis throws on an unheard `error` event).
 * Default: keys and channels under `logto-authkit:`, 2000 ms per command.
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): Store {
  if (isIoRedis(client)) return redisCommandStore((args) => client.call(args[0]!, ...args.slice(1)), options, ioRedisSubscribe(client));
  if (isNodeRedis(client)) return redisCommandStore((args) => client.sendCommand(args), options, nodeRedisSubscribe(client));
  throw new TypeError('logto-authkit: redisStore takes a node-redis client (sendCommand) or an ioredis client (call)');
}

function isIoRedis(client: unknown): client is IoRedisClientLike {
  return typeof client === 'object' && client !== null && typeof (client as IoRedisClientLike).call === 'function';
}

function isNodeRedis(client: unknown): client is NodeRedisClientLike {
  return typeof client === 'object' && client !== null && typeof (client as NodeRedisClientLike).sendCommand === 'function';
}

function nodeRedisSubscribe(client: NodeRedisClientLike): RedisSubscribe | undefined {
  if (typeof client.duplicate !== 'function') return undefined;
  return async (channel, listener, onError) => {
    const subscriber = client.duplicate() as NodeRedisSubscriber;
    // node-redis throws an `error` event nobody listens to; the outage is reported, not fatal
    subscriber.on('error', onError);
    const close = async () => {
      if (typeof subscriber.destroy === 'function') subscriber.destroy();
      else await subscriber.disconnect?.();
    };
    try {
      await subscriber.connect();
      // node-redis 4/5 subscribe again by themselves after a reconnect
      await subscriber.subscribe(channel, (message) => listener(message));
    } catch (error) {
      await close().catch(() => undefined);
      throw error;
    }
    return close;
  };
}

function ioRedisSubscribe(client: IoRedisClientLike): RedisSubscribe | undefined {
  if (typeof client.duplicate !== 'function') return undefined;
  return async (channel, listener, onError) => {
    const subscriber = client.duplicate() as IoRedisSubscriber;
    subscriber.on('error', onError);
    // ioredis subscribes again by itself after a reconnect (autoResubscribe)
    subscriber.on('message', (from, message) => {
      if (from === channel) listener(message);
    });
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    return async () => void subscriber.disconnect();
  };
}
