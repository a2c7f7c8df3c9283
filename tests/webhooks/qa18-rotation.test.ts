/**
 * QA 18, a webhook secret rotated twice within the grace period: the second rotation used to drop the original
 * secret at once (only one previous secret was kept), so a receiver that had not yet picked up the first rotation
 * failed every delivery from then on. Now every retired secret keeps signing until its own grace end (at most
 * MAX_PREVIOUS_SECRETS of them, the newest), each as one more signature in `webhook-signature`; verified here as a
 * receiver does, with the standardwebhooks package.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { buildApp, type App } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { encodePreviousSecrets, findEndpoint, previousSecrets } from '../../src/store/webhooks-repo.js';
import { MAX_PREVIOUS_SECRETS, ROTATION_GRACE_MS, signingSecrets, WebhookService } from '../../src/services/webhooks.js';
import { signatureHeaders } from '../../src/services/webhook-sender.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { startReceiver, type Receiver } from './receiver.js';

const admin = bearer(TEST_ADMIN_KEY);
const flagged = (reference: string) => ({
  reference,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 2000 }],
  parties: [{ role: 'buyer', name: 'Bright Harbour Trading Company Limited', country: 'HK', businessType: 'trading' }],
  route: { origin: 'US', via: ['HK'], destination: 'CN' },
  endUse: 'AI model training',
});
const HOOKS = { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 2_000, timeoutMs: 10_000, pollMs: 20, maxAttempts: 5 };

let storage: TestStorage;
let database: Database;
let app: App;
let receiver: Receiver;

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
  app = await buildApp({ config: testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks: HOOKS }), database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await app?.close();
  await database?.close();
  await storage?.drop();
});

async function register(events = ['screening.flagged']) {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url: receiver.url, events, allowHttp: true } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string };
}

const verifies = (secret: string, body: string, headers: Record<string, string>) => {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
};

describe('webhook secret rotated more than once within the grace period (QA 18)', { timeout: 120_000 }, () => {
  it('rotated twice at once: a delivery verifies with the original, the second and the third secret', async () => {
    const endpoint = await register();
    const rotate = async () => {
      const res = await app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { secret: string; secretRotatedUntil: string };
    };
    const second = await rotate();
    const third = await rotate();
    expect(new Set([endpoint.secret, second.secret, third.secret]).size).toBe(3);
    expect(Date.parse(third.secretRotatedUntil)).toBeGreaterThan(Date.now() + ROTATION_GRACE_MS - 60_000);

    const screening = await app.inject({ method: 'POST', url: '/v1/screenings', headers: admin, payload: flagged('SO-ROTATE-TWICE') });
    expect(screening.statusCode, screening.body).toBe(201);
    const [got] = await receiver.waitFor(1, 30_000);
    const headers = got!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(3);
    for (const secret of [endpoint.secret, second.secret, third.secret]) expect(verifies(secret, got!.body, headers)).toBe(true);
    expect(verifies(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, got!.body, headers)).toBe(false);
  });

  it('each retired secret signs until its own grace end; a rotation keeps at most MAX_PREVIOUS_SECRETS', async () => {
    const endpoint = await register(['batch.completed']);
    let clock = new Date('2026-12-01T00:00:00.000Z');
    const service = new WebhookService(database.db, app.config.webhooks, () => clock);
    const second = (await service.rotateSecret(endpoint.id)).secret; // the original retires, until Dec 2
    clock = new Date('2026-12-01T06:00:00.000Z');
    const third = (await service.rotateSecret(endpoint.id)).secret; // the second retires, until Dec 2, 06:00

    const signedAt = async (at: string) => {
      const row = (await findEndpoint(database.db, endpoint.id))!;
      const msg = { messageId: 'msg_qa18rotation', payload: JSON.stringify({ type: 'batch.completed', timestamp: at, data: {} }), secrets: signingSecrets(row, new Date(at)) };
      // Verified as received right then (the package checks the timestamp against its own clock: signed now).
      const headers = signatureHeaders(msg, new Date());
      return (secret: string) => verifies(secret, msg.payload, headers);
    };
    const beforeFirstEnd = await signedAt('2026-12-01T23:59:00.000Z');
    expect([endpoint.secret, second, third].map(beforeFirstEnd)).toEqual([true, true, true]);
    // The original's grace ended (24 h after the first rotation), the second's has not.
    const afterFirstEnd = await signedAt('2026-12-02T00:01:00.000Z');
    expect([endpoint.secret, second, third].map(afterFirstEnd)).toEqual([false, true, true]);
    const afterBoth = await signedAt('2026-12-02T06:01:00.000Z');
    expect([endpoint.secret, second, third].map(afterBoth)).toEqual([false, false, true]);
    expect((await service.getEndpoint(endpoint.id)).secretRotatedUntil).toBe('2026-12-02T06:00:00.000Z');

    // A rotation in a loop: the signatures stay bounded, the newest retired ones kept.
    const secrets = [third];
    for (let i = 0; i < 5; i++) secrets.push((await service.rotateSecret(endpoint.id)).secret);
    const row = (await findEndpoint(database.db, endpoint.id))!;
    expect(signingSecrets(row, clock)).toEqual([secrets[5], secrets[4], secrets[3], secrets[2]].slice(0, MAX_PREVIOUS_SECRETS + 1));
    // A rotation after every grace ended keeps only the secret it replaces.
    clock = new Date('2026-12-05T00:00:00.000Z');
    const latest = (await service.rotateSecret(endpoint.id)).secret;
    expect(signingSecrets((await findEndpoint(database.db, endpoint.id))!, clock)).toEqual([latest, secrets[5]]);
  });

  it('two rotations at the same moment: both new secrets and the original keep signing (neither drops another unseen)', async () => {
    const endpoint = await register(['batch.completed']);
    const [a, b] = await Promise.all([
      app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, headers: admin }),
      app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, headers: admin }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const row = (await findEndpoint(database.db, endpoint.id))!;
    expect(new Set(signingSecrets(row, new Date()))).toEqual(new Set([endpoint.secret, a.json().secret, b.json().secret]));
  });

  it('the stored form: one retired secret reads and writes as before; older ones carry their own end', () => {
    const one = { secret: 'whsec_AAAA', expiresAt: '2026-12-02T00:00:00.000Z' };
    const two = { secret: 'whsec_BBBB', expiresAt: '2026-12-01T12:00:00.000Z' };
    expect(encodePreviousSecrets([one])).toEqual({ previousSecret: 'whsec_AAAA', previousSecretExpiresAt: one.expiresAt });
    expect(previousSecrets({ previousSecret: 'whsec_AAAA', previousSecretExpiresAt: one.expiresAt })).toEqual([one]);
    expect(previousSecrets(encodePreviousSecrets([one, two]))).toEqual([one, two]);
    expect(encodePreviousSecrets([])).toEqual({ previousSecret: null, previousSecretExpiresAt: null });
    // An entry that does not read back whole is never signed with.
    expect(previousSecrets({ previousSecret: 'whsec_AAAA whsec_BROKEN', previousSecretExpiresAt: one.expiresAt })).toEqual([one]);
  });
});
