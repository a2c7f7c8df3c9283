/**
 * What an ERP sends and an auditor filters by (issue #9): a 413 that states the limit, permit
 * types checked against the one list in rules/permits.yaml, Idempotency-Keys shaped like ERP
 * document numbers, and flag-log filters that accept what the body accepts.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../../src/rules/index.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { RULES_DIR, rulesOnly } from '../helpers/ruleset.js';

const base = { items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }], route: { origin: 'US', destination: 'SG' } };

describe('ERP inputs and flag-log filters', () => {
  let t: KeyedTestApp;
  const screen = (payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...bearer(t.keys.submitter.key), ...headers }, payload });
  const list = (qs: string) => t.app.inject({ method: 'GET', url: `/v1/screenings?${qs}`, headers: bearer(t.keys.auditor.key) });
  const refs = async (qs: string) => {
    const res = await list(qs);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items.map((i: { reference: string }) => i.reference).sort();
  };
  beforeAll(async () => {
    t = await makeKeyedApp({ limits: { bodyLimitBytes: 4096 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  }, 300_000);
  afterAll(() => t.close());

  it('413 states the limit', async () => {
    const res = await screen({ ...base, reference: 'BIG', endUse: 'x'.repeat(5000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toMatch(/limit of 4096 bytes \(LIMIT_BODY_BYTES\)/);
  });

  it('an unknown permit type is refused with the known ones; a known one in any case is accepted', async () => {
    const bad = await screen({ ...base, reference: 'P-1', permits: [{ type: 'MY_STP' }, { type: 'SG_IMPORT_PERMT', number: '1' }] });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: '/permits/1/type', message: expect.stringMatching(/unknown permit type "SG_IMPORT_PERMT"; known types: .*SG_IMPORT_PERMIT/) })]);
    const ok = await screen({ ...base, reference: 'P-2', permits: [{ type: 'sg_import_permit' }] });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('the permit list is validated at load: a rule accepting a type not in permits.yaml is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-permits-'));
    cpSync(RULES_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'lists' });
    const file = path.join(dir, 'permits.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/  - type: END_USER_STATEMENT[\s\S]*$/, ''));
    await expect(loadRuleset(dir)).rejects.toThrow(/hubs\.yaml at \/rules\/\d+\/localPermitTypes\/\d+: permit type "END_USER_STATEMENT" is not in permits\.yaml/);
    writeFileSync(file, `${readFileSync(file, 'utf8')}  - type: MY_STP\n    description: again\n    source: [MOHAWK_HUBS]\n`);
    await expect(loadRuleset(dir)).rejects.toThrow(/duplicate permit type "MY_STP"/);
  });

  it('Idempotency-Key takes any visible ASCII up to 255 characters, such as an ERP document number', async () => {
    const first = await screen({ ...base, reference: 'IDEM' }, { 'idempotency-key': '4500012345/10' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await screen({ ...base, reference: 'IDEM' }, { 'idempotency-key': '4500012345/10' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    for (const bad of ['4500012345 10', 'x'.repeat(256), 'Bestellung-ü']) {
      const res = await screen({ ...base, reference: 'IDEM-BAD' }, { 'idempotency-key': bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().errors[0].field).toMatch(/idempotency-key/);
    }
  });

  it('filters: dates, country names and codes, several decisions, no disposition yet', async () => {
    const cn = await screen({ ...base, reference: 'F-CN', route: { origin: 'US', destination: 'CN' } });
    const my = await screen({ ...base, reference: 'F-MY', route: { origin: 'US', via: ['Singapore'], destination: 'MY' } });
    const fr = await screen({ ...base, reference: 'F-FR', route: { origin: 'US', destination: 'FR' } });
    expect([cn, my, fr].map((r) => r.statusCode)).toEqual([201, 201, 201]);
    const decisions = [cn, my, fr].map((r) => r.json().decision as string);
    const reviewed = await t.app.inject({
      method: 'POST',
      url: `/v1/screenings/${cn.json().id}/dispositions`,
      headers: bearer(t.keys.reviewer.key),
      payload: { action: 'blocked', justification: 'Licence not sought' },
    });
    expect(reviewed.statusCode).toBe(201);

    const today = new Date().toISOString().slice(0, 10);
    expect(await refs(`from=${today}&to=${today}&limit=500`)).toEqual(expect.arrayContaining(['F-CN', 'F-FR', 'F-MY']));
    expect((await list('to=2000-01-01')).json().items).toEqual([]);
    expect(await refs('country=Singapore')).toEqual(expect.arrayContaining(['F-MY']));
    expect(await refs('country=Singapore')).not.toContain('F-FR');
    expect(await refs('country=FRA')).toEqual(['F-FR']);
    expect(await refs('country=France')).toEqual(['F-FR']);
    const unknown = await list('country=Atlantis');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].field).toBe('/country');

    const two = [...new Set([decisions[0], decisions[2]])] as string[];
    const byDecision = await refs(two.map((d) => `decision=${d}`).join('&'));
    expect(byDecision).toEqual(expect.arrayContaining(['F-CN', 'F-FR']));
    const badDecision = await list('decision=BLOCK&decision=MAYBE');
    expect(badDecision.statusCode).toBe(400);

    expect(await refs('disposition=blocked')).toEqual(['F-CN']);
    const none = await refs('disposition=none');
    expect(none).toEqual(expect.arrayContaining(['F-FR', 'F-MY']));
    expect(none).not.toContain('F-CN');
    expect(await refs('disposition=none&disposition=blocked')).toEqual(expect.arrayContaining(['F-CN', 'F-FR', 'F-MY']));

    const exp = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=ndjson&disposition=none&country=France', headers: bearer(t.keys.auditor.key) });
    expect(exp.body.trim().split('\n').map((l) => JSON.parse(l).reference)).toEqual(['F-FR']);
  });
});
