// The README's Development command: `npm run demo` shows its outcomes (asserted below) and stops by itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('the demo shows a user, a 403, a 401 with its challenge and a guest with its cookie, then exits', () => {
  const env = { ...process.env };
  delete env.LOGTO_URL;
  delete env.LOGTO_AUDIENCE;
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  const out = result.stdout;
  assert.match(out, /→ 200 OK\n {2}user m2m-test-app \(authenticated: true/);
  assert.match(out, /→ 403 Forbidden\n {2}www-authenticate: Bearer error="insufficient_scope".*scope="admin:all"/);
  assert.match(out, /→ 401 Unauthorized\n {2}www-authenticate: Bearer error="invalid_token".*\n {2}SIGNATURE_INVALID/);
  assert.match(out, /set-cookie: guest_logto_authtoken=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax\n {2}guest [0-9a-f-]{36}/);
});
