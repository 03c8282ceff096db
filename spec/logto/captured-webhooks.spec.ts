// The 50 deliveries a real Logto 1.42 sent (fixtures/logto-1.42/06-webhooks.json),
// each through the webhook handler with its real body and signature, the clock
// fixed at the delivery's signed createdAt: exactly the revocations in the
// table below, and nothing for an addition or a creation. Every delivery of the
// file must have a row, so a delivery added to the captures cannot pass unread.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createLogtoWebhookHandler } from '../../lib/adapters/revocation-handlers.ts';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { capturedWebhooks } from '../helpers/logto-captures.ts';
import { revocationRecorder } from '../helpers/revocation-recorder.ts';

const { signingKey, deliveries } = capturedWebhooks();
const ORG = 'guyifi88ghtb';
const BOB = '3503pzk0i0pv';

// n → what the delivery revokes with the default options (broadChanges: 'narrow', no resolvers)
const EXPECTED: Record<number, string[]> = {
  1: [], // Scope.Created
  2: [], // Scope.Created
  3: [], // Role.Scopes.Updated on POST /roles: a new role, held by nobody
  4: [], // Role.Created
  5: [], // OrganizationScope.Created
  6: [], // OrganizationScope.Created
  7: [], // OrganizationRole.Scopes.Updated on POST /organization-roles: a new role
  8: [], // OrganizationRole.Created
  9: [], // OrganizationRole.Scopes.Updated on POST /organization-roles
  10: [], // OrganizationRole.Created
  11: [], // Organization.Created
  12: [], // Organization.Membership.Updated: addedApplicationIds
  13: [], // User.Created
  14: [], // Role.Scopes.Updated on POST /roles
  15: [], // Role.Created
  16: [], // Organization.Membership.Updated: addedUserIds
  17: [], // PostSignIn
  18: [],
  19: [],
  20: [],
  21: [],
  22: [],
  23: [],
  24: [],
  25: [], // User.Created
  26: [], // User.Data.Updated PATCH /users/:userId
  27: [], // User.Data.Updated PATCH /users/:userId/custom-data
  29: [], // User.Data.Updated PATCH /users/:userId/password
  30: [`user:${BOB}`], // User.SuspensionStatus.Updated, isSuspended: true
  32: [], // Role.Scopes.Updated POST /roles/:id/scopes: an addition
  34: [], // Role.Data.Updated
  35: [], // Scope.Data.Updated
  36: [], // Organization.Membership.Updated: addedUserIds
  37: [`member:${ORG}:${BOB}`], // Organization.Membership.Updated DELETE: removedUserIds, that organization only
  38: [], // Organization.Membership.Updated: addedUserIds
  40: ['org:*'], // OrganizationRole.Scopes.Updated PUT (a replacement may remove): organization tokens
  42: [], // OrganizationRole.Scopes.Updated POST /organization-roles/:id/scopes: an addition
  43: [], // Organization.Data.Updated
  44: [], // OrganizationRole.Data.Updated
  45: [], // OrganizationScope.Data.Updated
  46: [], // Scope.Created
  47: ['scope:*'], // Scope.Deleted: only the id is sent, so every token that carries a scope
  48: [], // Role.Created
  50: [], // OrganizationScope.Created
  51: ['org:*'], // OrganizationScope.Deleted: organization scopes live in organization tokens only
  52: [], // OrganizationRole.Created
  53: ['org:*'], // OrganizationRole.Deleted
  54: [], // Organization.Created
  55: [], // Organization.Membership.Updated: addedApplicationIds
  59: [`user:${BOB}`], // User.Deleted
};

const recorder = revocationRecorder;

const post = (handler: (request: Request) => Promise<Response>, delivery: (typeof deliveries)[number]) =>
  handler(new Request('http://127.0.0.1/hooks/logto', { method: 'POST', headers: delivery.headers, body: Buffer.from(delivery.rawBody as string, 'utf8') }));

const createdAt = (delivery: (typeof deliveries)[number]) => Date.parse(JSON.parse(delivery.rawBody).createdAt);

describe('the 50 deliveries of a real Logto 1.42, replayed', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: createdAt(deliveries[0]!) }));
  afterEach(() => mock.timers.reset());

  test('the table has a row for every captured delivery, and only for those', () => {
    assert.equal(deliveries.length, 50);
    assert.deepEqual(Object.keys(EXPECTED).map(Number), deliveries.map((delivery) => delivery.n));
  });

  for (const delivery of deliveries) {
    test(`#${delivery.n} ${delivery.event} ${delivery.apiMethod ?? ''} ${delivery.apiPath ?? ''} revokes ${JSON.stringify(EXPECTED[delivery.n])}`, async () => {
      mock.timers.setTime(createdAt(delivery) + 500);
      const { calls, target } = recorder();
      const handler = createLogtoWebhookHandler({ signingKey, revocation: target, store: memoryStore() });
      const response = await post(handler, delivery);
      assert.equal(response.status, 200);
      const expected = EXPECTED[delivery.n]!;
      assert.deepEqual(await response.json(), { ok: true, revoked: expected.length, duplicate: false });
      assert.deepEqual(calls, expected);
      // Logto's retry of the same delivery: acknowledged, not applied again
      const retry = await post(handler, delivery);
      assert.deepEqual(await retry.json(), { ok: true, revoked: 0, duplicate: true });
      assert.deepEqual(calls, expected);
    });
  }

  test('no delivery revokes every token, even with broadChanges: revoke-all where the body names someone or nothing was lost', async () => {
    const { calls, target } = recorder();
    const handler = createLogtoWebhookHandler({ signingKey, revocation: target, broadChanges: 'revoke-all', store: memoryStore() });
    const broad: number[] = [];
    for (const delivery of deliveries) {
      mock.timers.setTime(createdAt(delivery) + 500);
      const before = calls.length;
      assert.equal((await post(handler, delivery)).status, 200);
      if (calls.slice(before).includes('all')) broad.push(delivery.n);
    }
    // only the removals that name nobody: the replaced organization-role scopes and the three deletions
    assert.deepEqual(broad, [40, 47, 51, 53]);
  });

  test('a delivery replayed a day later is refused as stale and revokes nothing', async () => {
    const suspension = deliveries.find((delivery) => delivery.n === 30)!;
    mock.timers.setTime(createdAt(suspension) + 24 * 60 * 60 * 1000 + 120_000);
    const { calls, target } = recorder();
    const response = await post(createLogtoWebhookHandler({ signingKey, revocation: target, store: memoryStore() }), suspension);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'stale_delivery' });
    assert.deepEqual(calls, []);
  });

  test('replayed into a real revocation list, the removed member loses that organization only', async () => {
    const list = createRevocationList({ store: memoryStore(), syncIntervalMs: 0 });
    try {
      const handler = createLogtoWebhookHandler({ signingKey, revocation: list, store: memoryStore() });
      const removal = deliveries.find((delivery) => delivery.n === 37)!;
      const at = createdAt(removal) + 500;
      mock.timers.setTime(at);
      assert.equal((await post(handler, removal)).status, 200);
      const iat = Math.floor(at / 1000) - 60;
      assert.equal(list.check({ sub: BOB, iat, aud: `urn:logto:organization:${ORG}` }), 'member');
      assert.equal(list.check({ sub: BOB, iat, aud: 'https://api.example.test', organization_id: ORG }), 'member');
      assert.equal(list.check({ sub: BOB, iat, aud: 'https://api.example.test' }), undefined, 'his tokens for no organization still pass');
      assert.equal(list.check({ sub: 'u42cluwhkh9h', iat, aud: `urn:logto:organization:${ORG}` }), undefined, 'another member still passes');
    } finally {
      await list.close();
    }
  });
});
