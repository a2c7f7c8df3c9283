/**
 * QA 16: dispositions of one screening are serialised — all of them, not only those with a check. An
 * escalation recorded while a second reviewer's approval was being checked slipped in between the
 * clearance and the approval (seq order: cleared, escalated, approved): the approval then named the
 * escalation as what it approves. Meaningful on Postgres (PGlite runs one transaction at a time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createKey, makeKeyedApp, type CreatedKey, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const toChina = (reference: string) => ({ reference, shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } });

describe('QA 16: an approval and an escalation at once', () => {
  let t: KeyedTestApp;
  let second: CreatedKey;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    second = await createKey(t, 'reviewer', { name: 'second reviewer' });
  });
  afterAll(async () => t?.close());

  const dispose = (id: string, key: string, action: string) =>
    t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: bearer(key), payload: { action, justification: 'checked' } });

  it('an approval is recorded right after the clearance it approves, or refused', async () => {
    for (let i = 0; i < 25; i++) {
      const s = (await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: toChina(`SO-RACE-${i}`) })).json();
      expect((await dispose(s.id, t.keys.reviewer.key, 'cleared')).statusCode).toBe(201);
      const [approved, escalated] = await Promise.all([dispose(s.id, t.keys.admin.key, 'approved'), dispose(s.id, second.key, 'escalated')]);
      expect(escalated.statusCode).toBe(201);
      const history = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${s.id}/dispositions`, headers: bearer(t.keys.auditor.key) })).json().items as Array<{ action: string; id: string; approves?: string }>;
      if (approved.statusCode === 201) {
        const at = history.findIndex((d) => d.action === 'approved');
        expect(history[at - 1], JSON.stringify(history.map((d) => d.action))).toMatchObject({ action: 'cleared' });
        expect(history[at]!.approves).toBe(history[at - 1]!.id);
      } else {
        expect(approved.statusCode).toBe(409);
        expect(history.map((d) => d.action)).toEqual(['cleared', 'escalated']);
      }
    }
  });
});
