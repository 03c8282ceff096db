// One instance of a fleet, in its own Node process (forked with tsx by
// spec/e2e/redis-fleet.e2e.spec.ts): its own Redis client (node-redis or
// ioredis), its own revocation list over that Redis, and verifyLogtoToken with
// the list. Driven over IPC:
//   { type: 'watch', id, token }  verify the token every WATCH_EVERY_MS; answer
//                                 'watching' once it passed (and is cached), and
//                                 'refused' with the time it was first refused
//   { type: 'revoke', id, sub }   revokeUser; answer 'revoked' with the time before the call
//   { type: 'verify', id, token } verify once; answer 'verified' with the user or the error code
//   { type: 'stop' }              close everything and exit
import { createClient } from 'redis';
import IORedis from 'ioredis';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';
import { redisStore } from '../../lib/stores/redis.ts';
import type { AuthEvent } from '../../lib/events.ts';

/** How often a watched token is verified again, in ms: the resolution of the measured delay. */
const WATCH_EVERY_MS = 1;

const config = JSON.parse(process.env.FLEET_WORKER!) as { client: 'node-redis' | 'ioredis'; redisUrl: string; logtoUrl: string; audience: string; subscribe: boolean; syncIntervalMs: number };
const send = (message: object) => process.send!(message);
const now = () => performance.timeOrigin + performance.now();

let close: () => Promise<void>;
let store: ReturnType<typeof redisStore>;
if (config.client === 'ioredis') {
  const client = new IORedis(config.redisUrl);
  client.on('error', () => undefined);
  store = redisStore(client);
  close = async () => void client.disconnect();
} else {
  const client = createClient({ url: config.redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  store = redisStore(client);
  close = async () => void client.destroy();
}
const storeErrors: AuthEvent[] = [];
const list = createRevocationList({ store, subscribe: config.subscribe, syncIntervalMs: config.syncIntervalMs, onEvent: (event) => storeErrors.push(event) });
// the same Redis shares the JWKS too: a cold process reads the keys before asking the issuer
const options = { logtoUrl: config.logtoUrl, audience: config.audience, revocation: list, store };
await list.ready();

process.on('message', async (message: { type: string; id: number; token: string; sub: string }) => {
  if (message.type === 'watch') {
    await verifyLogtoToken(message.token, options);
    await verifyLogtoToken(message.token, options); // now served from the verified-token cache
    send({ type: 'watching', id: message.id });
    const timer = setInterval(() => {
      verifyLogtoToken(message.token, options).catch((error: { code?: string }) => {
        if (error.code !== 'TOKEN_REVOKED') return;
        clearInterval(timer);
        send({ type: 'refused', id: message.id, at: now() });
      });
    }, WATCH_EVERY_MS);
  } else if (message.type === 'verify') {
    const outcome = await verifyLogtoToken(message.token, options).then(
      (auth) => ({ userId: auth.userId }),
      (error: { code?: string }) => ({ code: error.code }),
    );
    send({ type: 'verified', id: message.id, ...outcome });
  } else if (message.type === 'revoke') {
    const at = now();
    await list.revokeUser(message.sub);
    send({ type: 'revoked', id: message.id, at });
  } else if (message.type === 'stop') {
    await list.close();
    await close();
    send({ type: 'stopped', storeErrors: storeErrors.length });
    process.disconnect();
  }
});
send({ type: 'ready' });
