// The cross-origin check as a table: Sec-Fetch-Site × Origin × Host × method,
// absent and malformed headers, Origin: null, default ports, IPv6 hosts, case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertSameOrigin, isUnsafeMethod, type CrossOriginFacts } from '../../lib/request/cross-origin.ts';
import { isAuthError } from '../../lib/errors.ts';

interface Vector {
  description: string;
  method?: string;
  origin?: string;
  secFetchSite?: string;
  host?: string;
  trusted?: string[];
  /** `allow`, or the header whose value decided the rejection. */
  expected: 'allow' | 'Sec-Fetch-Site' | 'Origin';
}

const API = 'api.example.com';
const vectors: Vector[] = [
  // method: GET, HEAD and OPTIONS are never checked
  { description: 'allows a cross-site GET', method: 'GET', origin: 'https://evil.example', secFetchSite: 'cross-site', host: API, expected: 'allow' },
  { description: 'allows a cross-site HEAD', method: 'HEAD', secFetchSite: 'cross-site', host: API, expected: 'allow' },
  { description: 'allows a cross-site OPTIONS', method: 'OPTIONS', origin: 'https://evil.example', host: API, expected: 'allow' },
  { description: 'allows a lower-case get, as Fetch normalizes it', method: 'get', secFetchSite: 'cross-site', host: API, expected: 'allow' },
  { description: 'checks a lower-case post', method: 'post', secFetchSite: 'cross-site', host: API, expected: 'Sec-Fetch-Site' },
  ...['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND'].map((method): Vector => ({ description: `rejects a cross-site ${method}`, method, secFetchSite: 'cross-site', host: API, expected: 'Sec-Fetch-Site' })),

  // rule 1: a trusted Origin, whatever the other headers say
  { description: 'allows a trusted Origin with Sec-Fetch-Site same-site', origin: 'https://app.example.com', secFetchSite: 'same-site', trusted: ['https://app.example.com'], host: API, expected: 'allow' },
  { description: 'allows a trusted Origin with Sec-Fetch-Site cross-site', origin: 'https://partner.example', secFetchSite: 'cross-site', trusted: ['https://partner.example'], host: API, expected: 'allow' },
  { description: 'allows a trusted Origin without Sec-Fetch-Site (plain http)', origin: 'http://app.example.test', trusted: ['http://app.example.test'], host: 'api.example.test', expected: 'allow' },
  { description: 'allows a trusted Origin written with its default port', origin: 'https://app.example.com:443', secFetchSite: 'same-site', trusted: ['https://app.example.com'], host: API, expected: 'allow' },
  { description: 'allows a trusted Origin in upper case (scheme and host are case-insensitive)', origin: 'HTTPS://APP.EXAMPLE.COM', secFetchSite: 'same-site', trusted: ['https://app.example.com'], host: API, expected: 'allow' },
  { description: 'rejects a trusted host on another scheme', origin: 'http://app.example.com', secFetchSite: 'cross-site', trusted: ['https://app.example.com'], host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects a trusted host on another port', origin: 'https://app.example.com:8443', secFetchSite: 'same-site', trusted: ['https://app.example.com'], host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects a subdomain of a trusted origin', origin: 'https://evil.app.example.com', secFetchSite: 'same-site', trusted: ['https://app.example.com'], host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects a trusted origin with a path appended', origin: 'https://app.example.com/x', trusted: ['https://app.example.com'], host: API, expected: 'Origin' },

  // rule 2: Sec-Fetch-Site decides when present
  { description: 'allows Sec-Fetch-Site same-origin', origin: `https://${API}`, secFetchSite: 'same-origin', host: API, expected: 'allow' },
  { description: 'allows Sec-Fetch-Site none (typed or bookmarked by the user)', secFetchSite: 'none', host: API, expected: 'allow' },
  { description: 'rejects Sec-Fetch-Site same-site (a sibling subdomain)', origin: 'https://app.example.com', secFetchSite: 'same-site', host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects Sec-Fetch-Site cross-site even when Origin equals Host', origin: `https://${API}`, secFetchSite: 'cross-site', host: API, expected: 'Sec-Fetch-Site' },
  { description: 'allows Sec-Fetch-Site same-origin even with a mismatching Origin', origin: 'https://evil.example', secFetchSite: 'same-origin', host: API, expected: 'allow' },
  { description: 'allows Sec-Fetch-Site same-origin with Origin null', origin: 'null', secFetchSite: 'same-origin', host: API, expected: 'allow' },
  { description: 'rejects an unknown Sec-Fetch-Site value', secFetchSite: 'same-planet', host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects an empty Sec-Fetch-Site', secFetchSite: '', origin: `https://${API}`, host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects Sec-Fetch-Site in another case (its values are lower-case tokens)', secFetchSite: 'Same-Origin', host: API, expected: 'Sec-Fetch-Site' },
  { description: 'rejects a repeated Sec-Fetch-Site, combined into a list', secFetchSite: 'same-origin, cross-site', host: API, expected: 'Sec-Fetch-Site' },

  // rule 3: Origin against Host when Sec-Fetch-Site is absent
  { description: 'allows an Origin whose host equals Host', origin: `https://${API}`, host: API, expected: 'allow' },
  { description: 'allows an Origin with a port equal to Host with that port', origin: 'http://api.example.test:8080', host: 'api.example.test:8080', expected: 'allow' },
  { description: 'rejects an Origin of another host', origin: 'https://evil.example', host: API, expected: 'Origin' },
  { description: 'rejects a sibling subdomain by Origin', origin: 'http://app.example.test', host: 'api.example.test', expected: 'Origin' },
  { description: 'rejects an Origin whose port differs from Host', origin: 'http://api.example.test:8081', host: 'api.example.test:8080', expected: 'Origin' },
  { description: 'rejects an Origin without a port when Host has another one', origin: 'http://api.example.test', host: 'api.example.test:8080', expected: 'Origin' },
  { description: 'allows https://a:443 against Host a (the default port)', origin: 'https://a.example:443', host: 'a.example', expected: 'allow' },
  { description: 'allows https://a against Host a:443', origin: 'https://a.example', host: 'a.example:443', expected: 'allow' },
  { description: 'allows http://a against Host a:80', origin: 'http://a.example', host: 'a.example:80', expected: 'allow' },
  { description: 'rejects http://a against Host a:443', origin: 'http://a.example', host: 'a.example:443', expected: 'Origin' },
  { description: 'rejects https://a against Host a:80', origin: 'https://a.example', host: 'a.example:80', expected: 'Origin' },
  { description: 'allows https://a behind a TLS-terminating proxy (Host a, no port)', origin: 'https://a.example', host: 'a.example', expected: 'allow' },
  { description: 'allows a Host in upper case (host names are case-insensitive)', origin: `https://${API}`, host: 'API.Example.COM', expected: 'allow' },
  { description: 'allows an IPv6 Origin equal to the IPv6 Host', origin: 'http://[::1]:3000', host: '[::1]:3000', expected: 'allow' },
  { description: 'allows an IPv6 Host written another way', origin: 'http://[::1]:3000', host: '[0:0:0:0:0:0:0:1]:3000', expected: 'allow' },
  { description: 'rejects an IPv6 Origin on another port', origin: 'http://[::1]:3001', host: '[::1]:3000', expected: 'Origin' },
  { description: 'rejects an IPv4 Origin against an IPv6 Host', origin: 'http://127.0.0.1:3000', host: '[::1]:3000', expected: 'Origin' },
  { description: 'rejects Origin null', origin: 'null', host: API, expected: 'Origin' },
  { description: 'rejects an empty Origin', origin: '', host: API, expected: 'Origin' },
  { description: 'rejects a malformed Origin', origin: 'not a url', host: API, expected: 'Origin' },
  { description: 'rejects an Origin with a path', origin: `https://${API}/`, host: API, expected: 'Origin' },
  { description: 'rejects an Origin with user info', origin: `https://evil@${API}`, host: API, expected: 'Origin' },
  { description: 'rejects an Origin of another scheme', origin: 'chrome-extension://abcdef', host: 'abcdef', expected: 'Origin' },
  { description: 'rejects an Origin with a port out of range', origin: `https://${API}:99999`, host: `${API}:99999`, expected: 'Origin' },
  { description: 'rejects a repeated Origin, combined into a list', origin: `https://${API}, https://${API}`, host: API, expected: 'Origin' },
  { description: 'rejects an Origin when the request has no Host', origin: `https://${API}`, expected: 'Origin' },
  { description: 'rejects an Origin against a malformed Host', origin: `https://${API}`, host: `${API}/x`, expected: 'Origin' },
  { description: 'rejects an Origin against a Host with user info', origin: `https://${API}`, host: `evil@${API}`, expected: 'Origin' },

  // rule 4: neither header
  { description: 'allows a POST with neither Origin nor Sec-Fetch-Site (not a browser)', host: API, expected: 'allow' },
  { description: 'allows a POST with no headers at all', expected: 'allow' },
];

describe('assertSameOrigin', () => {
  for (const vector of vectors) {
    test(vector.description, () => {
      const facts: CrossOriginFacts = { method: vector.method ?? 'POST', origin: vector.origin, secFetchSite: vector.secFetchSite, host: vector.host };
      const trusted = new Set(vector.trusted ?? []);
      if (vector.expected === 'allow') return assert.doesNotThrow(() => assertSameOrigin(facts, trusted));
      assert.throws(() => assertSameOrigin(facts, trusted), (error: unknown) => {
        assert.ok(isAuthError(error));
        assert.equal(error.code, 'CSRF_REJECTED');
        assert.equal(error.status, 403);
        assert.equal(error.detail?.claim, vector.expected);
        assert.ok(error.message.includes(vector.expected), `the message names ${vector.expected}: ${error.message}`);
        for (const origin of trusted) assert.ok(!error.message.includes(origin), 'the message names a configured origin');
        return true;
      });
    });
  }

  test('says which header decided in a message that names no configured origin', () => {
    const trusted = new Set(['https://app.example.com']);
    assert.throws(() => assertSameOrigin({ method: 'POST', origin: 'https://evil.example', secFetchSite: undefined, host: API }, trusted), {
      message: "cross-origin request refused for a cookie-borne token: the Origin header's host and port differ from the request's Host",
    });
    assert.throws(() => assertSameOrigin({ method: 'POST', origin: 'https://evil.example', secFetchSite: 'cross-site', host: API }, trusted), {
      message: 'cross-origin request refused for a cookie-borne token: the Sec-Fetch-Site header says the request comes from another site or origin',
    });
  });
});

describe('isUnsafeMethod', () => {
  test('is false for GET, HEAD and OPTIONS in any case, and true for the rest', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get', 'Head']) assert.equal(isUnsafeMethod(method), false, method);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'TRACE', 'QUERY', '']) assert.equal(isUnsafeMethod(method), true, method);
  });
});
