// Proves the embedded Logto-shaped issuer (spec/helpers/logto-issuer.ts) issues
// what a Logto tenant issues. Checked with jose as an independent verifier for
// now; the library's own verifier can take over these assertions later.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startLogtoIssuer, type LogtoIssuer, type LogtoIssuerAlg } from '../helpers/logto-issuer.ts';

/** Verifies like a resource server would; a fresh key set each time so rotation is seen at once. */
async function verify(issuer: LogtoIssuer, token: string) {
  const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
    typ: 'at+jwt',
    issuer: issuer.issuer,
    audience: issuer.audience,
    algorithms: [issuer.alg],
  });
  return { payload, header: protectedHeader };
}

async function publishedKids(issuer: LogtoIssuer): Promise<string[]> {
  const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: Array<{ kid: string }> };
  return keys.map((key) => key.kid);
}

let logto: LogtoIssuer;
before(async () => {
  logto = await startLogtoIssuer();
});
after(() => logto.close());

test('issues ES384 at+jwt access tokens by default', async () => {
  const token = await logto.getToken();
  const { header, payload } = await verify(logto, token);
  assert.equal(header.alg, 'ES384');
  assert.equal(header.typ, 'at+jwt');
  assert.equal(typeof header.kid, 'string');
  assert.equal(payload.iss, `${logto.logtoUrl}/oidc`);
  assert.equal(payload.aud, 'https://api.example.test');
  assert.equal(payload.scope, 'read:data write:data');
  // client_credentials tokens name the client as their subject
  assert.equal(payload.client_id, logto.clientId);
  assert.equal(payload.sub, logto.clientId);
  assert.equal(typeof payload.jti, 'string');
  assert.equal(payload.exp! - payload.iat!, 3600);
  assert.ok(logto.jwksHits() >= 1);
});

test('serves discovery, JWKS and token endpoints under /oidc like Logto', async () => {
  assert.match(logto.logtoUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(logto.jwksUri, `${logto.logtoUrl}/oidc/jwks`);
  const discovery = await (await fetch(`${logto.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.issuer, logto.issuer);
  assert.equal(discovery.jwks_uri, logto.jwksUri);
  assert.equal(discovery.token_endpoint, `${logto.logtoUrl}/oidc/token`);
  assert.equal((await fetch(`${logto.logtoUrl}/jwks`)).status, 404);
});

test('counts the JWKS requests it answers', async () => {
  const before = logto.jwksHits();
  await publishedKids(logto);
  await fetch(`${logto.issuer}/.well-known/openid-configuration`).then((response) => response.text());
  assert.equal(logto.jwksHits(), before + 1);
});

test('puts only the requested narrower scope in the token', async () => {
  const { payload } = await verify(logto, await logto.getToken({ scope: 'read:data' }));
  assert.equal(payload.scope, 'read:data');
});

test('refuses a token for a resource indicator it does not know', async () => {
  await assert.rejects(logto.getToken({ resource: 'https://other.example.test' }), /invalid_target/);
});

test('issues RS256 tokens when started with alg RS256', async () => {
  const issuer = await startLogtoIssuer({ alg: 'RS256', audience: 'https://rsa.example.test', scopes: ['read:all'] });
  try {
    const { header, payload } = await verify(issuer, await issuer.getToken());
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'at+jwt');
    assert.equal(payload.aud, 'https://rsa.example.test');
    assert.equal(payload.scope, 'read:all');
  } finally {
    await issuer.close();
  }
});

for (const alg of ['ES256', 'ES512', 'PS256', 'EdDSA'] satisfies LogtoIssuerAlg[]) {
  test(`issues verifiable ${alg} tokens when started with alg ${alg}`, async () => {
    const issuer = await startLogtoIssuer({ alg });
    try {
      const { header } = await verify(issuer, await issuer.getToken());
      assert.equal(header.alg, alg);
    } finally {
      await issuer.close();
    }
  });
}

test('rotates to a new key while still publishing the old one, then retires it', async () => {
  const issuer = await startLogtoIssuer();
  try {
    const oldToken = await issuer.getToken();
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    const { logtoUrl } = issuer;

    await issuer.rotateKey();
    const newToken = await issuer.getToken();
    const newKid = decodeProtectedHeader(newToken).kid!;
    assert.notEqual(newKid, oldKid);
    // the new key is listed first, the old one after it, on the same address
    assert.deepEqual(await publishedKids(issuer), [newKid, oldKid]);
    assert.equal(issuer.logtoUrl, logtoUrl);
    await verify(issuer, oldToken);
    await verify(issuer, newToken);

    await issuer.retireOldKeys();
    assert.deepEqual(await publishedKids(issuer), [newKid]);
    await verify(issuer, newToken);
    await assert.rejects(verify(issuer, oldToken), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  } finally {
    await issuer.close();
  }
});
