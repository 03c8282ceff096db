// The logto-authkit CLI, spawned the way users run it (node dist/cli.js) against
// a loopback JWKS: the explanation and exit code for each cause of rejection,
// --json, the token from stdin and the environment, inspect, and that no output
// ever carries the token or its signature.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.ts';
import { makeKey, mint, type MintOptions, type TestKey } from './helpers/keys.ts';
import { describeIssuer } from '../bin/decode.ts';
import { CAPTURED, CAPTURED_JWKS, CAPTURED_TOKENS } from './helpers/logto-captures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const AUDIENCE = 'https://api.example.test';
// an opaque Logto access token: 43 base64url characters, no dots
const OPAQUE_TOKEN = 'q8Yb3pZ0N2vX7fK1sD4wE9tR6uH5jL0mC3aV8bN1xQz';

let server: JwksServer;
let key: TestKey;

before(async () => {
  // a no-op after `npm test`'s pretest; builds dist/cli.js when bin/ or lib/ changed
  await promisify(execFile)(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT });
  key = await makeKey('ES384');
  server = await startJwksServer([key.publicJwk]);
});

after(() => server.close());

interface Run {
  exit: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  /** Written to the CLI's stdin; stdin is closed empty otherwise. */
  stdin?: string;
  env?: Record<string, string>;
  /** The token in play: no output may contain it or its signature. */
  token?: string;
}

/** Runs the CLI and checks that its output never carries the token or its signature. */
async function cli(args: string[], options: RunOptions = {}): Promise<Run> {
  const env = { ...process.env, ...options.env };
  if (!options.env?.LOGTO_TOKEN) delete env.LOGTO_TOKEN;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (options.token) assertNoTokenIn(`${stdout}${stderr}`, options.token);
  return { exit, stdout, stderr };
}

function assertNoTokenIn(output: string, token: string): void {
  const signature = token.split('.')[2] ?? token;
  assert.ok(!output.includes(token), 'the output contains the token');
  assert.ok(!output.includes(signature), 'the output contains the token signature');
}

function tokenFor(options: Partial<MintOptions> = {}, signer: TestKey = key): Promise<string> {
  return mint(signer, { iss: server.issuer, aud: AUDIENCE, ...options });
}

/** `verify <token> --logto-url <server> --audience AUDIENCE ...extra`, token passed as the argument. */
function verify(token: string, ...extra: string[]): Promise<Run> {
  return cli(['verify', token, '--logto-url', server.logtoUrl, '--audience', AUDIENCE, ...extra], { token });
}

describe('logto-authkit verify', () => {
  test('prints the verified context and exits 0 for a valid token', async () => {
    const token = await tokenFor();
    const { exit, stdout } = await verify(token, '--scope', 'read:data');
    assert.equal(exit, 0);
    assert.match(stdout, /^verified: signature, typ, alg, exp, nbf, iss, aud, scope checked/);
    assert.match(stdout, /user +user_123/);
    assert.match(stdout, /client_id +app_abc/);
    assert.match(stdout, /scopes +read:data write:data/);
    assert.match(stdout, /expires +\S+ \(in (59|60) min\)/);
  });

  test('explains an opaque token: Logto issues one when no API resource is requested (exit 3)', async () => {
    const { exit, stdout } = await verify(OPAQUE_TOKEN);
    assert.equal(exit, 3);
    assert.match(stdout, /^rejected: TOKEN_MALFORMED \(HTTP 401\)/);
    assert.ok(stdout.includes('this is not a JWT (it has no dots, so it is an opaque token): Logto issues an opaque token when no API resource is requested (pass `resource` when signing in / requesting the token)'));
  });

  test('says which audience the token has and which was expected (exit 10)', async () => {
    const token = await tokenFor({ aud: 'https://other.example.test' });
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 10);
    assert.ok(stdout.includes(`aud is https://other.example.test, expected ${AUDIENCE}`));
  });

  test('says that the scope is empty and which scope is required (exit 11)', async () => {
    const token = await tokenFor({ claims: { scope: '' } });
    const { exit, stdout } = await verify(token, '--scope', 'read:data');
    assert.equal(exit, 11);
    assert.match(stdout, /^rejected: SCOPE_MISSING \(HTTP 403\)/);
    assert.ok(stdout.includes('scope has [] but read:data is required'));
  });

  test('names every missing scope when several are required', async () => {
    const token = await tokenFor({ claims: { scope: 'read:data' } });
    const { exit, stdout } = await verify(token, '--scope', 'read:data write:data', '--scope', 'admin');
    assert.equal(exit, 11);
    assert.ok(stdout.includes('scope has [read:data] but write:data, admin are required'));
  });

  test('suggests --issuer for a custom-domain issuer signed by the configured tenant (exit 9)', async () => {
    const token = await tokenFor({ iss: 'https://auth.example.test/oidc' });
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 9);
    assert.ok(stdout.includes(`iss is https://auth.example.test/oidc, expected ${server.issuer} (a custom domain or a proxy?`));
    assert.ok(stdout.includes('pass --issuer https://auth.example.test/oidc'));
  });

  test('accepts a custom-domain issuer given with --issuer', async () => {
    const token = await tokenFor({ iss: 'https://auth.example.test/oidc' });
    const { exit } = await verify(token, '--issuer', 'https://auth.example.test/oidc');
    assert.equal(exit, 0);
  });

  test('says how long ago an expired token expired and points to --clock-tolerance (exit 8)', async () => {
    const token = await tokenFor({ expiresIn: -12 * 60 });
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 8);
    assert.match(stdout, /^rejected: TOKEN_EXPIRED \(HTTP 401\)/);
    assert.match(stdout, /exp was 12 min ago \(\S+, clock tolerance 0 s\); if the clocks differ, --clock-tolerance/);
  });

  test('accepts a token expired within --clock-tolerance', async () => {
    const token = await tokenFor({ expiresIn: -12 * 60 });
    const { exit } = await verify(token, '--clock-tolerance', '900');
    assert.equal(exit, 0);
  });

  test('says that this clock may be behind for a token whose nbf is ahead (exit 8)', async () => {
    const token = await tokenFor({ claims: { nbf: Math.floor(Date.now() / 1000) + 180 } });
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 8);
    assert.match(stdout, /^rejected: TOKEN_NOT_YET_VALID/);
    assert.match(stdout, /nbf is in 3 min \(\S+, clock tolerance 0 s\): this machine's clock may be behind/);
  });

  test('explains that Logto signs with ES384 when only RS256 is allowed, without fetching the JWKS (exit 5)', async () => {
    const token = await tokenFor();
    const hits = server.hits();
    const { exit, stdout } = await verify(token, '--algorithms', 'RS256');
    assert.equal(exit, 5);
    assert.ok(stdout.includes('alg ES384 is not allowed (allowed: RS256): Logto signs with ES384 by default'));
    assert.equal(server.hits(), hits);
  });

  test('says that a typ JWT token looks like an ID token (exit 4)', async () => {
    const token = await tokenFor({ header: { typ: 'JWT' } });
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 4);
    assert.ok(stdout.includes('typ is JWT: this looks like an ID token, not an access token'));
  });

  test('names the unknown kid and the JWKS it is missing from (exit 6)', async () => {
    const stranger = await makeKey('ES384', 'rotated-away');
    const token = await tokenFor({}, stranger);
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 6);
    assert.ok(stdout.includes(`no key with kid rotated-away in ${server.jwksUri}: the token comes from another tenant or the key was rotated`));
  });

  test('reports a signature that does not verify with the published key (exit 7)', async () => {
    const impostor = await makeKey('ES384', key.kid, { fresh: true });
    const token = await tokenFor({}, impostor);
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 7);
    assert.match(stdout, /^rejected: SIGNATURE_INVALID \(HTTP 401\)/);
    assert.ok(stdout.includes(`the signature does not verify with the key with kid ${key.kid} from ${server.jwksUri}`));
  });

  test('says which JWKS could not be fetched and why when nothing listens (exit 13)', async () => {
    const down = await startJwksServer([key.publicJwk]);
    await down.close();
    const token = await mint(key, { iss: down.issuer, aud: AUDIENCE });
    const { exit, stdout } = await cli(['verify', token, '--logto-url', down.logtoUrl, '--audience', AUDIENCE], { token });
    assert.equal(exit, 13);
    assert.match(stdout, /^rejected: JWKS_UNAVAILABLE \(HTTP 503\)/);
    assert.ok(stdout.includes(`could not fetch ${down.jwksUri}: fetch failed`));
    assert.match(stdout, /ECONNREFUSED/);
  });

  test('reports the HTTP status of a JWKS endpoint that fails (exit 13)', async () => {
    const failing = await startJwksServer([]);
    failing.setHandler((_, res) => {
      res.statusCode = 500;
      res.end();
    });
    try {
      const token = await mint(key, { iss: failing.issuer, aud: AUDIENCE });
      const { exit, stdout } = await cli(['verify', token, '--logto-url', failing.logtoUrl, '--audience', AUDIENCE], { token });
      assert.equal(exit, 13);
      assert.ok(stdout.includes(`could not fetch ${failing.jwksUri}: the JWKS request answered HTTP 500, not 200`));
    } finally {
      await failing.close();
    }
  });

  test('uses --jwks-uri instead of the JWKS under --logto-url', async () => {
    const token = await mint(key, { iss: 'https://tenant.logto.app/oidc', aud: AUDIENCE });
    const { exit } = await cli(['verify', token, '--logto-url', 'https://tenant.logto.app', '--jwks-uri', server.jwksUri, '--audience', AUDIENCE], { token });
    assert.equal(exit, 0);
  });
});

describe('logto-authkit verify with organizations', () => {
  test('accepts an organization-level API token of the required organization', async () => {
    const token = await tokenFor({ claims: { organization_id: 'org_1' } });
    const { exit, stdout } = await verify(token, '--organization', 'org_1', '--json');
    assert.equal(exit, 0);
    assert.equal(JSON.parse(stdout).context.organizationId, 'org_1');
  });

  test('accepts an organization token (aud urn:logto:organization:<id>) with --any-organization', async () => {
    const token = await tokenFor({ aud: 'urn:logto:organization:org_9' });
    const { exit } = await cli(['verify', token, '--logto-url', server.logtoUrl, '--audience', 'urn:logto:organization:org_9', '--any-organization'], { token });
    assert.equal(exit, 0);
  });

  test('answers 403 ORGANIZATION_INVALID for a token of another organization (exit 12)', async () => {
    const token = await tokenFor({ claims: { organization_id: 'org_2' } });
    const { exit, stdout } = await verify(token, '--organization', 'org_1', '--json');
    assert.equal(exit, 12);
    const result = JSON.parse(stdout);
    assert.equal(result.code, 'ORGANIZATION_INVALID');
    assert.equal(result.status, 403);
  });

  test('answers 403 ORGANIZATION_INVALID for a token without organization under --any-organization (exit 12)', async () => {
    const token = await tokenFor();
    const { exit, stdout } = await verify(token, '--any-organization');
    assert.equal(exit, 12);
    assert.match(stdout, /^rejected: ORGANIZATION_INVALID \(HTTP 403\)/);
  });
});

describe('logto-authkit verify --json', () => {
  test('prints { ok: true, context } for a valid token', async () => {
    const token = await tokenFor();
    const { exit, stdout } = await verify(token, '--json');
    assert.equal(exit, 0);
    const result = JSON.parse(stdout);
    assert.equal(result.ok, true);
    assert.equal(result.context.userId, 'user_123');
    assert.equal(result.context.isAuthenticated, true);
    assert.equal(result.context.payload.aud, AUDIENCE);
    assert.equal(result.context.payload.client_id, 'app_abc');
  });

  test('prints { ok: false, code, status, message, detail, explanation } for a rejected token', async () => {
    const token = await tokenFor({ aud: 'https://other.example.test' });
    const { exit, stdout } = await verify(token, '--json');
    assert.equal(exit, 10);
    const result = JSON.parse(stdout);
    assert.deepEqual(Object.keys(result).sort(), ['code', 'detail', 'explanation', 'message', 'ok', 'status']);
    assert.equal(result.ok, false);
    assert.equal(result.code, 'AUDIENCE_INVALID');
    assert.equal(result.status, 401);
    assert.equal(typeof result.message, 'string');
    assert.deepEqual(result.detail, { claim: 'aud', expected: [AUDIENCE], actual: 'https://other.example.test' });
    assert.match(result.explanation, /^aud is https:\/\/other\.example\.test, expected https:\/\/api\.example\.test/);
  });

  test('prints a usage error as JSON too (exit 2)', async () => {
    const token = await tokenFor();
    const { exit, stdout } = await cli(['verify', token, '--logto-url', server.logtoUrl, '--json'], { token });
    assert.equal(exit, 2);
    const result = JSON.parse(stdout);
    assert.equal(result.ok, false);
    assert.equal(result.code, 'USAGE_ERROR');
    assert.match(result.message, /--audience/);
  });
});

describe('logto-authkit token sources', () => {
  const verifyArgs = () => ['--logto-url', server.logtoUrl, '--audience', AUDIENCE];

  test('reads the token from piped stdin when no argument is given', async () => {
    const token = await tokenFor();
    const { exit } = await cli(['verify', ...verifyArgs()], { stdin: `${token}\n`, token });
    assert.equal(exit, 0);
  });

  test('reads the token from stdin for "-"', async () => {
    const token = await tokenFor();
    const { exit } = await cli(['verify', '-', ...verifyArgs()], { stdin: token, token });
    assert.equal(exit, 0);
  });

  test('reads the token from LOGTO_TOKEN', async () => {
    const token = await tokenFor();
    const { exit } = await cli(['verify', ...verifyArgs()], { env: { LOGTO_TOKEN: token }, token });
    assert.equal(exit, 0);
  });

  test('reads the token from the variable named by --token-env', async () => {
    const token = await tokenFor();
    const { exit } = await cli(['verify', '--token-env', 'MY_ACCESS_TOKEN', ...verifyArgs()], { env: { MY_ACCESS_TOKEN: token }, token });
    assert.equal(exit, 0);
  });

  test('ignores a leading "Bearer " copied from an Authorization header', async () => {
    const token = await tokenFor();
    const { exit } = await cli(['verify', ...verifyArgs()], { stdin: `Bearer ${token}`, token });
    assert.equal(exit, 0);
  });

  test('is a usage error when stdin is empty and no token is given (exit 2)', async () => {
    const { exit, stderr } = await cli(['verify', ...verifyArgs()]);
    assert.equal(exit, 2);
    assert.match(stderr, /no token: stdin is empty/);
  });

  test('is a usage error when the variable named by --token-env is unset (exit 2)', async () => {
    const { exit, stderr } = await cli(['inspect', '--token-env', 'NO_SUCH_TOKEN_VARIABLE']);
    assert.equal(exit, 2);
    assert.match(stderr, /no token: \$NO_SUCH_TOKEN_VARIABLE is empty/);
  });
});

describe('logto-authkit usage', () => {
  test('prints help with the exit codes and exits 0', async () => {
    const { exit, stdout } = await cli(['--help']);
    assert.equal(exit, 0);
    assert.match(stdout, /logto-authkit verify \[token\] --logto-url URL --audience AUD/);
    assert.match(stdout, /13 {2}JWKS could not be fetched \(503\): JWKS_UNAVAILABLE/);
  });

  test('prints the package version', async () => {
    const { exit, stdout } = await cli(['--version']);
    assert.equal(exit, 0);
    assert.match(stdout, /^\d+\.\d+\.\d+\S*\n$/);
  });

  test('refuses HS256 and none in --algorithms (exit 2)', async () => {
    const token = await tokenFor();
    for (const alg of ['HS256', 'none']) {
      const { exit, stderr } = await verify(token, '--algorithms', alg);
      assert.equal(exit, 2);
      assert.match(stderr, /is never accepted/);
    }
  });

  test('refuses a --logto-url that is not an http(s) URL (exit 2)', async () => {
    const token = await tokenFor();
    const { exit, stderr } = await cli(['verify', token, '--logto-url', 'ftp://tenant.example', '--audience', AUDIENCE], { token });
    assert.equal(exit, 2);
    assert.match(stderr, /logtoUrl must be an http\(s\) URL/);
  });

  test('refuses verify options on inspect (exit 2)', async () => {
    const token = await tokenFor();
    const { exit, stderr } = await cli(['inspect', token, '--audience', AUDIENCE], { token });
    assert.equal(exit, 2);
    assert.match(stderr, /--audience is a verify option/);
  });

  test('says the command is unknown without repeating an opaque token or a JWT passed in its place (exit 2)', async () => {
    // 24 characters, a short opaque token: short words were repeated before
    const short = OPAQUE_TOKEN.slice(0, 24);
    const jwt = await tokenFor();
    for (const token of [short, OPAQUE_TOKEN, jwt, 'inpsect']) {
      for (const args of [[token], [token, '--json']]) {
        const { exit, stdout, stderr } = await cli(args, { token });
        assert.equal(exit, 2, token);
        assert.match(stdout + stderr, /unknown command/);
        assert.ok(!(stdout + stderr).includes(token), `the output repeats ${token}`);
      }
    }
  });

  test('does not repeat an unknown option that may be a token starting with "-"', async () => {
    const token = `-${OPAQUE_TOKEN}`;
    const { exit, stderr } = await cli(['inspect', token], { token });
    assert.equal(exit, 2);
    assert.match(stderr, /unknown option/);
  });
});

describe('logto-authkit inspect', () => {
  test('decodes a Logto Cloud token, names its tenant and marks it not verified', async () => {
    const token = await mint(key, { iss: 'https://mytenant.logto.app/oidc', aud: AUDIENCE, claims: { organization_id: 'org_7' } });
    const { exit, stdout } = await cli(['inspect', token], { token });
    assert.equal(exit, 0);
    assert.match(stdout, /^NOT VERIFIED: decoded only/);
    assert.match(stdout, /tenant +mytenant on logto\.app \(Logto Cloud\)/);
    assert.match(stdout, /alg +ES384/);
    assert.match(stdout, /typ +at\+jwt/);
    assert.match(stdout, /kid +es384/);
    assert.match(stdout, /audience +https:\/\/api\.example\.test/);
    assert.match(stdout, /scopes +read:data write:data/);
    assert.match(stdout, /organization +org_7 \(from organization_id\)/);
    assert.match(stdout, /client_id +app_abc/);
    assert.match(stdout, /issued +\S+ \(\d+ s ago\)/);
    assert.match(stdout, /expires +\S+ \(in (59|60) min\)/);
    assert.match(stdout, /signature +96 bytes, not checked/);
  });

  test('says how long ago an expired token expired', async () => {
    const token = await tokenFor({ expiresIn: -3 * 3600 });
    const { exit, stdout } = await cli(['inspect', token], { token });
    assert.equal(exit, 0);
    assert.match(stdout, /expires +\S+ \(3 h ago\)/);
    assert.match(stdout, / {2}- expired 3 h ago/);
  });

  test('names a custom domain and reads the organization from an organization audience', async () => {
    const token = await mint(key, { iss: 'https://auth.example.test/oidc', aud: 'urn:logto:organization:org_9' });
    const { stdout } = await cli(['inspect', token], { token });
    assert.match(stdout, /tenant +auth\.example\.test \(a custom domain or a self-hosted Logto\)/);
    assert.match(stdout, /organization +org_9 \(from aud\)/);
  });

  test('notes that a typ JWT token looks like an ID token', async () => {
    const token = await tokenFor({ header: { typ: 'JWT' } });
    const { exit, stdout } = await cli(['inspect', token], { token });
    assert.equal(exit, 0);
    assert.match(stdout, /typ is JWT: this looks like an ID token, not an access token/);
  });

  test('prints the decoded token as one JSON object with --json', async () => {
    const token = await tokenFor();
    const { exit, stdout } = await cli(['inspect', '--json'], { stdin: token, token });
    assert.equal(exit, 0);
    const result = JSON.parse(stdout);
    assert.equal(result.ok, true);
    assert.equal(result.verified, false);
    assert.equal(result.header.alg, 'ES384');
    assert.equal(result.payload.sub, 'user_123');
    assert.deepEqual(result.scopes, ['read:data', 'write:data']);
    assert.equal(result.times.exp.value, result.payload.exp);
    assert.equal(result.issuer.iss, server.issuer);
  });

  test('explains an opaque token (exit 3)', async () => {
    const { exit, stdout } = await cli(['inspect', OPAQUE_TOKEN], { token: OPAQUE_TOKEN });
    assert.equal(exit, 3);
    assert.match(stdout, /^this is not a JWT \(it has no dots, so it is an opaque token\): Logto issues an opaque token when no API resource is requested/);
  });

  test('escapes terminal control characters in claims instead of printing them', async () => {
    const token = await tokenFor({ claims: { sub: 'evil\u001b[2J\u009b31m\rX' } });
    const { stdout } = await cli(['inspect', token], { token });
    assert.doesNotMatch(stdout, /[\u001b\u009b\r]/);
    assert.ok(stdout.includes('evil\\u001b[2J\\u009b31m\\u000dX'));
  });

  // Trojan Source (CVE-2021-42574): bidi controls make a terminal show text in another order than it is
  test('escapes bidi control characters in claims and headers, in text and JSON, inspect and verify', async () => {
    const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
    const evil = `admin${BIDI.join('')}nimda`;
    const token = await tokenFor({ claims: { sub: evil, client_id: evil, scope: `read:data ${evil}`, organization_id: evil }, aud: [AUDIENCE, evil] });
    const runs = [
      ['inspect', token],
      ['inspect', token, '--json'],
      ['verify', token, '--logto-url', server.logtoUrl, '--audience', AUDIENCE],
      ['verify', token, '--logto-url', server.logtoUrl, '--audience', AUDIENCE, '--json'],
      ['verify', token, '--logto-url', server.logtoUrl, '--audience', `https://other.example.test/${BIDI.join('')}`],
    ];
    for (const args of runs) {
      const { stdout, stderr } = await cli(args, { token });
      assert.doesNotMatch(stdout + stderr, /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/, args.slice(2).join(' '));
      assert.ok((stdout + stderr).includes('\\u202e'), `${args.slice(2).join(' ')}: the escaped form is shown`);
      if (args.includes('--json')) assert.equal(JSON.parse(stdout).ok !== undefined, true);
    }
    const json = JSON.parse((await cli(['inspect', token, '--json'], { token })).stdout);
    assert.equal(json.payload.sub, evil, 'JSON escapes still parse to the claim as it is');
  });
});

describe('logto-authkit and a real Logto ID token (fixtures/logto-1.42)', () => {
  // Logto 1.42's ID tokens: no typ, nonce and sid, aud the web app's client id
  const ID_TOKENS = [CAPTURED_TOKENS.idToken, CAPTURED_TOKENS.idTokenFromRefresh, CAPTURED_TOKENS.sidIdToken];
  let logto: JwksServer;
  before(async () => {
    logto = await startJwksServer(CAPTURED_JWKS.keys);
  });
  after(() => logto.close());

  /** `verify` against the captured tenant, its JWKS served on loopback. */
  const verifyCaptured = (token: string, audience: string, ...extra: string[]) =>
    cli(['verify', token, '--logto-url', CAPTURED.logtoUrl, '--jwks-uri', logto.jwksUri, '--audience', audience, ...extra], { token });

  for (const captured of ID_TOKENS) {
    for (const audience of [CAPTURED.audience, CAPTURED.webClientId]) {
      test(`says ${captured.name} is an ID token and how to get an access token, never "verified", with --audience ${audience} (exit 4)`, async () => {
        const { exit, stdout } = await verifyCaptured(captured.raw, audience);
        assert.equal(exit, 4);
        assert.doesNotMatch(stdout, /verified/);
        const lines = stdout.split('\n');
        assert.equal(lines[0], 'rejected: TOKEN_TYPE_INVALID (HTTP 401)');
        assert.equal(
          lines[1],
          `this is an ID token, not an access token (no typ; nonce is set; aud ${CAPTURED.webClientId} is a client id, not an API resource): it tells your app who signed in and is not for an API; ` +
            `request an access token for your API resource (resource=${audience}; in Logto's SDKs, getAccessToken(resource)) and send that`,
        );
        // refused on its header: no key was fetched
        assert.equal(logto.hits(), 0);
      });
    }
  }

  test('answers TOKEN_TYPE_INVALID with the ID-token explanation in --json', async () => {
    const token = CAPTURED_TOKENS.idToken.raw;
    const { exit, stdout } = await cli(['verify', '--json', '--logto-url', CAPTURED.logtoUrl, '--jwks-uri', logto.jwksUri, '--audience', CAPTURED.webClientId], { stdin: token, token });
    assert.equal(exit, 4);
    const result = JSON.parse(stdout);
    assert.equal(result.ok, false);
    assert.equal(result.code, 'TOKEN_TYPE_INVALID');
    assert.equal(result.status, 401);
    assert.deepEqual(result.detail, { claim: 'typ', expected: 'at+jwt' });
    assert.match(result.explanation, /^this is an ID token, not an access token \(no typ; nonce is set;/);
    assert.match(result.explanation, /request an access token for your API resource \(resource=tydro7w02q1i7gkzcas9p;/);
  });

  test('inspect notes that it is an ID token that verify rejects', async () => {
    const token = CAPTURED_TOKENS.idToken.raw;
    const { exit, stdout } = await cli(['inspect', token], { token });
    assert.equal(exit, 0);
    assert.match(stdout, /typ +\(none\)/);
    assert.ok(stdout.includes(`  - this is an ID token, not an access token (no typ; nonce is set; aud ${CAPTURED.webClientId} is a client id, not an API resource): verify rejects it (TOKEN_TYPE_INVALID); request an access token for your API resource`));
  });

  test('inspect of a captured access token (typ at+jwt) notes no type problem', async () => {
    const token = CAPTURED_TOKENS.user.raw;
    const { exit, stdout } = await cli(['inspect', token], { token });
    assert.equal(exit, 0);
    assert.match(stdout, /typ +at\+jwt/);
    assert.doesNotMatch(stdout, /ID token|typ is|no typ/);
  });

  test('says that a token without typ and without ID-token claims is no access token (exit 4)', async () => {
    const token = await tokenFor({ header: { typ: undefined } });
    const { exit, stdout } = await verify(token);
    assert.equal(exit, 4);
    assert.ok(stdout.includes('the token has no typ: an access token says at+jwt (RFC 9068 §2.1, §4; Logto puts it on every access token), so this is another kind of JWT'));
    const inspected = await cli(['inspect', token], { token });
    assert.ok(inspected.stdout.includes('  - no typ: an access token says at+jwt (RFC 9068 §2.1), verify rejects it (TOKEN_TYPE_INVALID)'));
  });

  test('says that a logout token is no access token (exit 4)', async () => {
    const token = CAPTURED_TOKENS.logoutToken.raw;
    const { exit, stdout } = await verifyCaptured(token, CAPTURED.audience);
    assert.equal(exit, 4);
    assert.ok(stdout.includes('typ is logout+jwt: this is a back-channel logout token, not an access token'));
  });
});

describe('describeIssuer', () => {
  /** Runs `describeIssuer(iss)`, counting charCodeAt calls and the characters handed to any regular expression. */
  function workOf(iss: string): { charCodeAt: number; regexChars: number; description: string } {
    const charCodeAt = String.prototype.charCodeAt;
    const regex = { exec: RegExp.prototype.exec, replace: RegExp.prototype[Symbol.replace], match: RegExp.prototype[Symbol.match], test: RegExp.prototype.test };
    let calls = 0;
    let regexChars = 0;
    String.prototype.charCodeAt = function (this: string, index: number) {
      calls++;
      return charCodeAt.call(this, index);
    };
    const counted = <F extends (this: RegExp, input: string, ...rest: never[]) => unknown>(original: F) =>
      function (this: RegExp, input: string, ...rest: never[]) {
        regexChars += String(input).length;
        return original.call(this, input, ...rest);
      } as unknown as F;
    RegExp.prototype.exec = counted(regex.exec);
    RegExp.prototype[Symbol.replace] = counted(regex.replace as never);
    RegExp.prototype[Symbol.match] = counted(regex.match as never);
    RegExp.prototype.test = counted(regex.test);
    try {
      const { description } = describeIssuer(iss);
      return { charCodeAt: calls, regexChars, description };
    } finally {
      String.prototype.charCodeAt = charCodeAt;
      RegExp.prototype.exec = regex.exec;
      RegExp.prototype[Symbol.replace] = regex.replace;
      RegExp.prototype[Symbol.match] = regex.match;
      RegExp.prototype.test = regex.test;
    }
  }

  // the review: 40,000 slashes took 2.1 s through /\/+$/, which rescans the run from every position
  test('reads a long iss with work linear in its length and no regular expression over it', () => {
    for (const tail of ['x', '', '/oidc']) {
      const small = workOf(`https://tenant.logto.app/${'/'.repeat(4_000)}${tail}`);
      const large = workOf(`https://tenant.logto.app/${'/'.repeat(40_000)}${tail}`);
      assert.equal(large.regexChars, 0, `${JSON.stringify(tail)}: ${large.regexChars} characters went through a regular expression`);
      assert.ok(large.charCodeAt <= 40_010, `${JSON.stringify(tail)}: ${large.charCodeAt} charCodeAt calls`);
      assert.ok(large.charCodeAt <= 11 * small.charCodeAt + 10, `${JSON.stringify(tail)}: ${small.charCodeAt} then ${large.charCodeAt}`);
      assert.match(large.description, /^tenant on logto\.app \(Logto Cloud\)/);
    }
  });

  test('still reads the tenant and notes an iss not ending in /oidc', () => {
    assert.equal(describeIssuer('https://tenant.logto.app/oidc//').description, 'tenant on logto.app (Logto Cloud)');
    assert.match(describeIssuer('https://tenant.logto.app/other').description, /does not end in \/oidc/);
  });
});

describe('logto-authkit output', () => {
  test('never contains the token or its signature, in text or JSON, verified or rejected', async () => {
    const valid = await tokenFor();
    const rejected = await tokenFor({ aud: 'https://other.example.test' });
    const runs = [
      ['inspect', valid],
      ['inspect', valid, '--json'],
      ['verify', valid, '--logto-url', server.logtoUrl, '--audience', AUDIENCE],
      ['verify', valid, '--logto-url', server.logtoUrl, '--audience', AUDIENCE, '--json'],
      ['verify', rejected, '--logto-url', server.logtoUrl, '--audience', AUDIENCE],
      ['verify', rejected, '--logto-url', server.logtoUrl, '--audience', AUDIENCE, '--json'],
    ];
    for (const args of runs) {
      const { stdout, stderr } = await cli(args);
      assert.ok(stdout.length > 0);
      assertNoTokenIn(stdout + stderr, args[1]!);
    }
  });
});
