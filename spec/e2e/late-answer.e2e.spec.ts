// A late answer never kills the process: each server runs in its own Node
// process (spec/helpers/late-answer-server.ts), so a second answer that throws
// ERR_HTTP_HEADERS_SENT in a promise nobody awaits would show as the process
// exiting. Express 5 and 4 behind a timeout middleware that answers while the
// issuer stalls; bare node:http with a `next` that throws after the JWKS fetch.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const SERVER = fileURLToPath(new URL('../helpers/late-answer-server.ts', import.meta.url));
const AUDIENCE = 'https://api.example.test';

let jwks: JwksServer;
let key: TestKey;
let stranger: TestKey;

before(async () => {
  key = await makeKey('ES384', 'published');
  stranger = await makeKey('ES384', 'unknown-kid');
  jwks = await startJwksServer([key.publicJwk]);
});
after(() => jwks.close());

interface Child {
  url: string;
  process: ChildProcess;
  /** Resolves at the next verdict (a verification finished). */
  verdict(): Promise<void>;
  /** Resolves when the process exits, with its code. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

async function startServer(framework: 'express5' | 'express4' | 'node'): Promise<Child> {
  const env = { ...process.env, LATE_ANSWER_SERVER: JSON.stringify({ framework, logtoUrl: jwks.logtoUrl, audience: AUDIENCE }) };
  const child = fork(SERVER, { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    verdict: () => new Promise((resolve) => child.once('message', () => resolve())),
    exited: exited.then((code) => {
      if (code !== 0) process.stderr.write(stderr);
      return code;
    }),
    async stop() {
      if (child.connected) child.send({ type: 'stop' });
      await exited;
    },
  };
}

// Holds every JWKS request until release() is called, then answers with `answer`.
function holdJwks(answer: (res: ServerResponse) => void): { release(): void } {
  const held: ServerResponse[] = [];
  let released = false;
  jwks.setHandler((_req: IncomingMessage, res: ServerResponse) => (released ? answer(res) : held.push(res)));
  return {
    release() {
      released = true;
      for (const res of held.splice(0)) answer(res);
    },
  };
}

const failing = (res: ServerResponse) => {
  res.statusCode = 500;
  res.end();
};

const token = (signer: TestKey = key) => mint(signer, { iss: jwks.issuer, aud: AUDIENCE });

for (const framework of ['express5', 'express4'] as const) {
  describe(`${framework === 'express5' ? 'Express 5' : 'Express 4'} behind a timeout middleware`, () => {
    let server: Child;
    before(async () => {
      jwks.setHandler(undefined);
      server = await startServer(framework);
    });
    after(() => server.stop());

    test('a refusal that comes after the timeout answered (an unknown kid, the issuer stalling) is not sent again and the process lives on', async () => {
      // the keys are known: the route works
      const first = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${await token()}` } });
      assert.equal(first.status, 200);
      assert.deepEqual(await first.json(), { userId: 'user_123' });

      // an unknown kid asks the issuer again, which stalls past the timeout, then fails
      const issuer = holdJwks(failing);
      const verdict = server.verdict();
      const late = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${await token(stranger)}`, 'x-timeout': '1' } });
      assert.equal(late.status, 503);
      assert.deepEqual(await late.json(), { error: 'TIMEOUT' });
      issuer.release();
      await verdict; // the middleware has its refusal now, for a response already sent

      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(server.process.exitCode, null);
      jwks.setHandler(undefined);
      const again = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${await token()}` } });
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), { userId: 'user_123' });
    });
  });
}

describe('bare node:http with a next that throws', () => {
  let server: Child;
  before(async () => {
    jwks.setHandler(undefined);
    server = await startServer('node');
  });
  after(() => server.stop());

  test('a next that throws after an asynchronous verification is a 500 with no-store, and the process lives on', async () => {
    const verdict = server.verdict();
    // the first token needs the JWKS: the middleware calls next a few turns later, from a promise
    const response = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${await token()}` } });
    await verdict;
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(await response.text(), '');

    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(server.process.exitCode, null);
  });
});
