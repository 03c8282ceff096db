import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { NextRequest } from 'next/server';
import { readCredentials } from '../../lib/request/token-source.ts';

const T = 'aaa.bbb.ccc';
type Input = Parameters<typeof readCredentials>[0];
// the order verifyAuth reads the sources in, for inputs that carry one of them
const tokenOf = (input: Input, cookieName: string | undefined = 'logto_authtoken') => {
  const credentials = readCredentials(input);
  return credentials.cookieToken(cookieName) ?? credentials.bearerToken();
};
const codeOf = (read: () => unknown) => {
  try {
    read();
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

// a real node:http server that reads one request it was sent as raw bytes
async function withNodeRequest<R>(raw: string, read: (req: IncomingMessage) => R): Promise<R> {
  let result!: R;
  const server = createServer((req, res) => {
    result = read(req);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.end(raw));
      socket.on('data', () => undefined).on('close', () => resolve()).on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return result;
}

describe('readCredentials', () => {
  test('takes a token string as the token, with no cookie and no cross-origin facts', () => {
    const credentials = readCredentials(T);
    assert.equal(credentials.bearerToken(), T);
    assert.equal(credentials.cookieToken('logto_authtoken'), undefined);
    assert.equal(credentials.crossOriginFacts(), undefined);
  });

  test('reads the cookie and the Authorization header as two separate sources', () => {
    const credentials = readCredentials({ headers: { cookie: `logto_authtoken=${T}`, authorization: 'Bearer other.x.y' } });
    assert.equal(credentials.cookieToken('logto_authtoken'), T);
    assert.equal(credentials.bearerToken(), 'other.x.y');
    assert.equal(tokenOf({ headers: { authorization: `Bearer ${T}` } }), T);
  });

  test('reads no cookie in header-only mode (cookieName undefined)', () => {
    assert.equal(readCredentials({ headers: { cookie: `logto_authtoken=${T}` } }).cookieToken(undefined), undefined);
  });

  test('reads a Fetch Request and Headers', () => {
    const request = new Request('https://app.example/x', { headers: { authorization: `bearer ${T}` } });
    assert.equal(tokenOf(request), T);
    assert.equal(readCredentials(request).isSecure(), true);
    assert.equal(readCredentials(new Request('http://app.example/x')).isSecure(), false);
  });

  test('reads a cookies record, and Next-style cookies.get() returning { name, value }', () => {
    assert.equal(tokenOf({ headers: {}, cookies: { logto_authtoken: T } }), T);
    assert.equal(tokenOf({ headers: {}, cookies: { get: (name: string) => (name === 'logto_authtoken' ? { name, value: T } : undefined) } }), T);
    assert.equal(tokenOf({ headers: {}, cookies: { get: () => T } }), T);
  });

  test('uses the Cookie header when cookie-parser made an object of a j: cookie', () => {
    assert.equal(tokenOf({ headers: { cookie: 'logto_authtoken=j:{"a":1}' }, cookies: { logto_authtoken: { a: 1 } } }), 'j:{"a":1}');
  });

  test('treats the Bearer scheme case-insensitively', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) assert.equal(tokenOf({ headers: { authorization: `${scheme} ${T}` } }), T);
  });

  test('finds no token in another scheme, an empty cookie, or other cookie names', () => {
    for (const headers of [{ authorization: 'Basic dXNlcjpwYXNz' }, { authorization: `DPoP ${T}` }, { cookie: 'logto_authtoken=' }, { cookie: `LOGTO_AUTHTOKEN=${T}` }, { cookie: `xlogto_authtoken=${T}` }, {}]) {
      assert.equal(tokenOf({ headers }), undefined, JSON.stringify(headers));
    }
  });

  test('answers TOKEN_MALFORMED for a Bearer header without one well-formed token', () => {
    for (const authorization of ['Bearer', 'Bearer ', `Bearer ${T} extra`, `Bearer ${T}, Bearer ${T}`, `Bearer "${T}"`, `Bearer ${T}\u0000`]) {
      assert.equal(codeOf(() => readCredentials({ headers: { authorization } }).bearerToken()), 'TOKEN_MALFORMED', JSON.stringify(authorization));
    }
    assert.equal(codeOf(() => readCredentials({ headers: { authorization: [`Bearer ${T}`, `Bearer ${T}`] } }).bearerToken()), 'TOKEN_MALFORMED');
  });

  test('finds header names in any case in a plain record', () => {
    assert.equal(tokenOf({ headers: { Authorization: `Bearer ${T}` } }), T);
  });

  test('uses the first of duplicate cookies and the configured cookie name', () => {
    assert.equal(tokenOf({ headers: { cookie: `at=${T}; at=second.x.y` } }, 'at'), T);
  });

  test("uses the first of duplicate cookies in a real NextRequest, whose cookies.get() keeps the last", () => {
    const request = new NextRequest('https://api.example.com/x', { headers: { cookie: 'a=1; logto_authtoken=first; logto_authtoken=second' } });
    assert.equal(request.cookies.get('logto_authtoken')?.value, 'second'); // what Next itself does
    assert.equal(readCredentials(request as unknown as Input).cookieToken('logto_authtoken'), 'first');
    assert.equal(readCredentials(request as unknown as Input).cookie('a'), '1');
  });

  test('uses the first of duplicate cookies when the record of cookies holds the last', () => {
    assert.equal(tokenOf({ headers: { cookie: 'logto_authtoken=first; logto_authtoken=second' }, cookies: { logto_authtoken: 'second' } }), 'first');
  });

  test('reads a hand-built cookies record for a cookie its Cookie header does not carry', () => {
    const credentials = readCredentials({ headers: { cookie: 'theme=dark' }, cookies: { logto_authtoken: T } });
    assert.equal(credentials.cookieToken('logto_authtoken'), T);
  });

  test('reads the Cookie header alone when there is one: a NextRequest reads a name without "=" as "true"', () => {
    const request = new NextRequest('https://api.example.com/x', { headers: { cookie: '%%%; ;;=; logto_authtoken; =x; a=%ZZ' } });
    assert.equal(request.cookies.get('logto_authtoken')?.value, 'true'); // what Next itself does
    assert.equal(readCredentials(request as unknown as Input).cookieToken('logto_authtoken'), undefined);
  });

  test('answers TOKEN_MALFORMED for two Authorization fields on a real Node request, whose headers keep the first', async () => {
    const raw = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${T}\r\nAuthorization: Bearer other.x.y\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
    const seen = await withNodeRequest(raw, (req) => ({ first: req.headers.authorization, code: codeOf(() => readCredentials(req as unknown as Input).bearerToken()) }));
    assert.deepEqual(seen, { first: `Bearer ${T}`, code: 'TOKEN_MALFORMED' });
  });

  test('reads one Authorization field on a real Node request', async () => {
    const raw = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${T}\r\nConnection: close\r\n\r\n`;
    assert.equal(await withNodeRequest(raw, (req) => readCredentials(req as unknown as Input).bearerToken()), T);
  });

  test('answers TOKEN_MALFORMED for two Authorization fields in rawHeaders when headersDistinct is absent', () => {
    const input = { headers: { authorization: `Bearer ${T}` }, rawHeaders: ['Host', 'a', 'authorization', `Bearer ${T}`, 'AUTHORIZATION', 'Bearer other.x.y'] };
    assert.equal(codeOf(() => readCredentials(input).bearerToken()), 'TOKEN_MALFORMED');
    assert.equal(readCredentials({ ...input, rawHeaders: ['Authorization', `Bearer ${T}`] }).bearerToken(), T);
  });

  test('counts Authorization fields in rawHeaders and never builds headersDistinct, and only when an Authorization header is there', () => {
    let built = 0;
    const input = {
      headers: { authorization: `Bearer ${T}`, cookie: `logto_authtoken=${T}` },
      rawHeaders: ['Host', 'a', 'Authorization', `Bearer ${T}`],
      get headersDistinct() {
        built++;
        return { authorization: [`Bearer ${T}`, 'Bearer other.x.y'] };
      },
    };
    assert.equal(readCredentials(input).bearerToken(), T);
    assert.equal(readCredentials({ headers: {}, rawHeaders: ['Authorization', 'Bearer a.b.c', 'Authorization', 'Bearer d.e.f'] }).bearerToken(), undefined);
    assert.equal(readCredentials(input).cookieToken('logto_authtoken'), T);
    assert.equal(built, 0);
    // without rawHeaders, headersDistinct still tells two fields apart
    assert.equal(codeOf(() => readCredentials({ headers: input.headers, headersDistinct: { authorization: ['Bearer a.b.c', 'Bearer d.e.f'] } }).bearerToken()), 'TOKEN_MALFORMED');
  });

  test('tells https from Express req.secure and a TLS socket', () => {
    assert.equal(readCredentials({ headers: {}, secure: true }).isSecure(), true);
    assert.equal(readCredentials({ headers: {}, socket: { encrypted: true } }).isSecure(), true);
    assert.equal(readCredentials({ headers: {} }).isSecure(), false);
  });

  test('throws a TypeError for an input of no known shape', () => {
    assert.throws(() => readCredentials(42 as never), TypeError);
    assert.throws(() => readCredentials({} as never), TypeError);
  });
});

describe('readCredentials cross-origin facts', () => {
  test('reads method, Origin, Sec-Fetch-Site and the Host header of a Fetch Request', () => {
    const request = new Request('https://internal:8443/x', { method: 'POST', headers: { origin: 'https://app.example', 'sec-fetch-site': 'cross-site', host: 'api.example' } });
    assert.deepEqual(readCredentials(request).crossOriginFacts(), { method: 'POST', origin: 'https://app.example', secFetchSite: 'cross-site', host: 'api.example' });
  });

  test("takes a Fetch Request's URL host when it has no Host header", () => {
    assert.equal(readCredentials(new Request('https://api.example:8443/x', { method: 'PUT' })).crossOriginFacts()?.host, 'api.example:8443');
  });

  test('reads the Host header of a NextRequest', () => {
    const request = new NextRequest('http://localhost:3000/x', { method: 'DELETE', headers: { host: 'api.example.com' } });
    assert.deepEqual(readCredentials(request as unknown as Input).crossOriginFacts(), { method: 'DELETE', origin: undefined, secFetchSite: undefined, host: 'api.example.com' });
  });

  test('reads method and headers.host of a real Node request, whose url is only a path', async () => {
    const raw = 'POST /x HTTP/1.1\r\nHost: api.example:8080\r\nOrigin: http://api.example:8080\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
    const facts = await withNodeRequest(raw, (req) => readCredentials(req as unknown as Input).crossOriginFacts());
    assert.deepEqual(facts, { method: 'POST', origin: 'http://api.example:8080', secFetchSite: undefined, host: 'api.example:8080' });
  });

  test('reads :authority when an HTTP/2 request has no Host', () => {
    assert.equal(readCredentials({ method: 'POST', headers: { ':authority': 'api.example' } }).crossOriginFacts()?.host, 'api.example');
  });

  test('has no facts for a plain input without a method', () => {
    assert.equal(readCredentials({ headers: { origin: 'https://evil.example', host: 'api.example' } }).crossOriginFacts(), undefined);
  });

  test('combines repeated Origin values in a record, as Fetch Headers does', () => {
    assert.equal(readCredentials({ method: 'POST', headers: { origin: ['https://a.example', 'https://b.example'] } }).crossOriginFacts()?.origin, 'https://a.example, https://b.example');
  });
});
