// A hostile or broken JWKS endpoint, over real loopback HTTP: each case ends in
// a named, bounded outcome (the contract's code and a count of JWKS requests),
// and where the fault can happen on a refresh, the keys already cached keep
// verifying good tokens (stale-if-error).
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { exportJWK } from 'jose';
import { AuthError } from '../../lib/errors.ts';
import { JWKS_MAX_STALE_MS, JWKS_REFETCH_COOLDOWN_MS, JWKS_STALE_RETRY_MS } from '../../lib/keys/jwks-cache.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { recordEvents } from '../helpers/event-recorder.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.hostile.test';
const good = await makeKey('ES384', 'good');
const rsa = await makeKey('RS256', 'rsa');

const servers: JwksServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function jwksServer(keys: object[] = [good.publicJwk]): Promise<JwksServer> {
  const server = await startJwksServer(keys);
  servers.push(server);
  return server;
}

/** `verified`, or the AuthError as `CODE status`; anything else is rethrown. */
async function outcome(token: string, server: JwksServer, extra: { jwksCacheTtl?: number; onEvent?: (event: AuthEvent) => void } = {}): Promise<string> {
  try {
    await verifyLogtoToken(token, { logtoUrl: server.logtoUrl, audience: AUDIENCE, ...extra });
    return 'verified';
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return `${error.code} ${error.status}`;
  }
}

const tokenFor = (server: JwksServer, key: TestKey = good, header?: Record<string, unknown>) => mint(key, { iss: server.issuer, aud: AUDIENCE, expiresIn: 3 * 3600, header });
const b64 = (value: Uint8Array | string) => Buffer.from(value).toString('base64url');

type Hostile = (req: IncomingMessage, res: ServerResponse) => void;
const TEN_MB = 10 * 1024 * 1024;

// A JWKS that would be valid if it were read to the end, so only the size cap refuses it.
const paddedJwks = () => Buffer.from(`{"keys":[${JSON.stringify(good.publicJwk)}],"padding":"${'x'.repeat(TEN_MB)}"}`);

/** Faults of the transport or the document: each can hit a refresh as well as a cold cache. */
const failures: { description: string; handler: (redirectTarget: JwksServer) => Hostile }[] = [
  { description: 'answers HTTP 500', handler: () => (_req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error') },
  { description: 'answers HTTP 404', handler: () => (_req, res) => void res.writeHead(404).end() },
  { description: 'redirects (302) to another server with valid keys', handler: (target) => (_req, res) => void res.writeHead(302, { location: target.jwksUri }).end() },
  { description: 'redirects (307) to another server with valid keys', handler: (target) => (_req, res) => void res.writeHead(307, { location: target.jwksUri }).end() },
  {
    description: 'sends a 10 MB body with its Content-Length',
    handler: () => (_req, res) => {
      const body = paddedJwks();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
    },
  },
  {
    description: 'streams a 10 MB chunked body without a Content-Length',
    handler: () => (_req, res) => {
      const body = paddedJwks();
      res.writeHead(200, { 'content-type': 'application/json' });
      let offset = 0;
      const pump = () => {
        while (offset < body.length && !res.destroyed) {
          const chunk = body.subarray(offset, (offset += 64 * 1024));
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    },
  },
  { description: 'answers invalid JSON', handler: () => (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[{"kty":"EC",') },
  { description: 'answers an HTML page (text/html)', handler: () => (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Sign in to the Wi-Fi</title>') },
  { description: 'answers JSON without a "keys" array', handler: () => (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: good.publicJwk })) },
  { description: 'answers a body that is not UTF-8', handler: () => (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])) },
];

/** Faults that only time ends: the library's own 5 s fetch timeout must. */
const hangs: { description: string; handler: Hostile }[] = [
  { description: 'sends headers and then no body, ever', handler: (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":[') },
  {
    description: 'trickles its body one byte every 100 ms',
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    },
  },
  { description: 'never answers at all', handler: () => {} },
];

describe('a hostile JWKS endpoint with a cold cache', () => {
  for (const { description, handler } of failures) {
    test(`answers JWKS_UNAVAILABLE (503) after one request when the endpoint ${description}`, async () => {
      const [server, target] = [await jwksServer(), await jwksServer()];
      server.setHandler(handler(target));
      assert.equal(await outcome(await tokenFor(server), server), 'JWKS_UNAVAILABLE 503');
      assert.equal(server.hits(), 1);
      assert.equal(target.hits(), 0, 'a redirect is never followed');
    });
  }
});

describe('a hostile JWKS endpoint on refresh, with good keys cached', () => {
  for (const { description, handler } of failures) {
    test(`keeps verifying with the cached keys, asking again at most once per ${JWKS_STALE_RETRY_MS / 1000} s, when the endpoint ${description}`, async (t) => {
      const [server, target] = [await jwksServer(), await jwksServer()];
      const token = await tokenFor(server);
      const hook = recordEvents();
      const options = { jwksCacheTtl: 1000, onEvent: hook.onEvent };
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      assert.equal(await outcome(token, server, options), 'verified');
      assert.equal(server.hits(), 1);

      server.setHandler(handler(target));
      t.mock.timers.tick(1001); // past the TTL: the next request starts a refresh, which fails
      assert.equal(await outcome(token, server, options), 'verified');
      await hook.until('jwks-fetched', 2);
      assert.equal(await outcome(token, server, options), 'verified');
      assert.equal(server.hits(), 2);
      t.mock.timers.tick(JWKS_STALE_RETRY_MS);
      assert.equal(await outcome(token, server, options), 'verified');
      await hook.until('jwks-fetched', 3);
      assert.equal(server.hits(), 3);
      assert.equal(target.hits(), 0);
      assert.deepEqual(hook.events.filter((event) => event.type === 'jwks-fetched').map((event) => event.type === 'jwks-fetched' && event.ok), [true, false, false]);
    });
  }

  test(`answers JWKS_UNAVAILABLE (503) once the cached keys are older than the TTL plus ${JWKS_MAX_STALE_MS / 3_600_000} h`, async (t) => {
    const server = await jwksServer();
    const token = await tokenFor(server);
    const hook = recordEvents();
    const options = { jwksCacheTtl: 1000, onEvent: hook.onEvent };
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    assert.equal(await outcome(token, server, options), 'verified');
    server.setHandler((_req, res) => void res.writeHead(500).end());
    t.mock.timers.tick(1000 + JWKS_MAX_STALE_MS - 1);
    assert.equal(await outcome(token, server, options), 'verified'); // stale keys answer; a refresh starts behind
    await hook.until('jwks-fetched', 2); // and fails, before the clock moves on (else the next request shares it)
    t.mock.timers.tick(1);
    assert.equal(await outcome(token, server, options), 'JWKS_UNAVAILABLE 503');
    assert.equal(server.hits(), 3);
  });
});

// These wait for the real 5 s timeout (mock timers cannot drive real sockets), so they run side by side.
describe('a JWKS endpoint that never finishes', { concurrency: true }, () => {
  for (const { description, handler } of hangs) {
    test(`answers JWKS_UNAVAILABLE (503) after the 5 s fetch timeout when the endpoint ${description}`, { timeout: 30_000 }, async () => {
      const server = await jwksServer();
      server.setHandler(handler);
      assert.equal(await outcome(await tokenFor(server), server), 'JWKS_UNAVAILABLE 503');
      assert.equal(server.hits(), 1);
    });

    // jwksCacheTtl 0: every request finds the keys stale, so no clock needs moving
    test(`answers every request from the cached keys, none waiting, while a refresh ${description.replace('the endpoint ', '')}`, { timeout: 30_000 }, async () => {
      const server = await jwksServer();
      const token = await tokenFor(server);
      const hook = recordEvents();
      assert.equal(await outcome(token, server, { jwksCacheTtl: 0, onEvent: hook.onEvent }), 'verified');
      let arrived: () => void = () => {};
      const refreshArrived = new Promise<void>((resolve) => (arrived = resolve));
      server.setHandler((req, res) => {
        arrived();
        handler(req, res);
      });
      assert.equal(await outcome(token, server, { jwksCacheTtl: 0, onEvent: hook.onEvent }), 'verified');
      await refreshArrived;
      for (let i = 0; i < 10; i++) assert.equal(await outcome(token, server, { jwksCacheTtl: 0, onEvent: hook.onEvent }), 'verified');
      // all eleven answered while the one refresh was still unfinished at the issuer
      assert.equal(server.hits(), 2);
      assert.deepEqual(hook.types().filter((type) => type.startsWith('jwks')), ['jwks-fetched', ...Array(11).fill('jwks-stale-served')]);
      // the refresh ends by the library's own 5 s timeout, as a failure; the keys keep answering
      await hook.until('jwks-fetched', 2);
      assert.equal(await outcome(token, server, { jwksCacheTtl: 0, onEvent: hook.onEvent }), 'verified'); // within the retry pause: no new request
      assert.equal(server.hits(), 2);
    });
  }
});

describe('hostile keys in a JWKS', () => {
  test('finds no key for a token with a kid when the JWKS keys have no kid, and uses the one fitting key for a token without kid', async () => {
    const { kid: _kid, ...withoutKid } = good.publicJwk;
    const server = await jwksServer([withoutKid, rsa.publicJwk]);
    assert.equal(await outcome(await tokenFor(server), server), 'KEY_NOT_FOUND 401');
    assert.equal(await outcome(await tokenFor(server, good, { kid: undefined }), server), 'verified');
    assert.equal(server.hits(), 1);
  });

  test('refuses to guess between two keys of the same type that share a kid', async () => {
    const twin = await makeKey('ES384', 'good', { fresh: true });
    const server = await jwksServer([good.publicJwk, twin.publicJwk]);
    assert.equal(await outcome(await tokenFor(server, good), server), 'KEY_NOT_FOUND 401');
    assert.equal(await outcome(await tokenFor(server, twin), server), 'KEY_NOT_FOUND 401');
    assert.equal(server.hits(), 1);
  });

  test('uses the one key that fits the alg when keys of different types share a kid', async () => {
    const server = await jwksServer([{ ...rsa.publicJwk, kid: 'good' }, good.publicJwk]);
    assert.equal(await outcome(await tokenFor(server), server), 'verified');
  });

  test('never verifies with an oct key: an HS256 token is refused before any request, and the oct kid is unknown', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const server = await jwksServer([{ kty: 'oct', kid: 'hmac', k: b64(secret), alg: 'HS256' }, good.publicJwk]);
    const signingInput = `${b64(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'hmac' }))}.${b64(JSON.stringify({ iss: server.issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }))}`;
    const hmac = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const hs256 = `${signingInput}.${b64(new Uint8Array(await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(signingInput))))}`;
    assert.equal(await outcome(hs256, server), 'ALGORITHM_NOT_ALLOWED 401');
    assert.equal(server.hits(), 0);
    assert.equal(await outcome(await tokenFor(server, good, { kid: 'hmac' }), server), 'KEY_NOT_FOUND 401');
    assert.equal(server.hits(), 1);
  });

  test('drops a key that carries private material ("d")', async () => {
    const { d } = await exportJWK(good.privateKey);
    const server = await jwksServer([{ ...good.publicJwk, d }]);
    assert.equal(await outcome(await tokenFor(server), server), 'KEY_NOT_FOUND 401');
  });

  test('drops an RSA key with e = 1, under which the padded message is its own signature', async () => {
    const server = await jwksServer([{ kty: 'RSA', kid: 'e1', use: 'sig', n: rsa.publicJwk.n, e: 'AQ' }]);
    // RFC 8017 §9.2: EM = 00 01 FF..FF 00 DigestInfo(SHA-256) H; with e = 1, EM verifies as the signature
    const signingInput = `${b64(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'e1' }))}.${b64(JSON.stringify({ iss: server.issuer, aud: AUDIENCE, sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }))}`;
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(signingInput)));
    const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), hash]);
    const modulusBytes = Buffer.from(rsa.publicJwk.n!, 'base64url').length;
    const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(modulusBytes - 3 - digestInfo.length, 0xff), Buffer.from([0]), digestInfo]);
    assert.equal(await outcome(`${signingInput}.${b64(em)}`, server), 'KEY_NOT_FOUND 401');
  });

  test('drops an RSA key under 2048 bits, even when the token is really signed with it', async () => {
    const weak = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const server = await jwksServer([{ ...(await exportJWK(weak.publicKey)), kid: 'weak', use: 'sig' }]);
    const signingInput = `${b64(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'weak' }))}.${b64(JSON.stringify({ iss: server.issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }))}`;
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', weak.privateKey, new TextEncoder().encode(signingInput)));
    assert.equal(await outcome(`${signingInput}.${b64(signature)}`, server), 'KEY_NOT_FOUND 401');
  });

  test('drops an EC key whose point is not on its curve', async () => {
    const y = Buffer.from(good.publicJwk.y!, 'base64url');
    y[y.length - 1]! ^= 1;
    const server = await jwksServer([{ ...good.publicJwk, y: b64(y) }]);
    assert.equal(await outcome(await tokenFor(server), server), 'KEY_NOT_FOUND 401');
  });

  test('drops a key published for encryption (use "enc")', async () => {
    const server = await jwksServer([{ ...good.publicJwk, use: 'enc' }]);
    assert.equal(await outcome(await tokenFor(server), server), 'KEY_NOT_FOUND 401');
  });

  test('finds no key in an empty key set, without calling the issuer unavailable', async () => {
    const server = await jwksServer([]);
    assert.equal(await outcome(await tokenFor(server), server), 'KEY_NOT_FOUND 401');
  });
});

describe('a flood of tokens with made-up kids', () => {
  test(`costs the JWKS endpoint one request per ${JWKS_REFETCH_COOLDOWN_MS / 1000} s, while the good key keeps verifying`, async (t) => {
    const server = await jwksServer();
    const goodToken = await tokenFor(server);
    const flood = await Promise.all(Array.from({ length: 200 }, () => tokenFor(server, good, { kid: crypto.randomUUID() })));
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    assert.equal(await outcome(goodToken, server), 'verified');
    assert.equal(server.hits(), 1);

    for (const token of flood) {
      t.mock.timers.tick(1); // each arrives after the last fetch, so only the cooldown holds the refetch back
      assert.equal(await outcome(token, server), 'KEY_NOT_FOUND 401');
    }
    assert.equal(server.hits(), 2, 'one refetch for the first unknown kid, none for the other 199');
    assert.equal(await outcome(goodToken, server), 'verified');

    t.mock.timers.tick(JWKS_REFETCH_COOLDOWN_MS);
    const outcomes = await Promise.all(flood.map((token) => outcome(token, server)));
    assert.deepEqual(new Set(outcomes), new Set(['KEY_NOT_FOUND 401']));
    assert.equal(server.hits(), 3, 'one more refetch after the cooldown, shared by 200 concurrent requests');
    assert.equal(await outcome(goodToken, server), 'verified');
  });
});
