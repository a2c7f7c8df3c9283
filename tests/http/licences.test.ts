/**
 * Export licences end to end on the real app and rule table: recorded with every bad term refused by
 * field, a covered shipment draws the licence down exactly once, a cancelled shipment gives it back,
 * a revoked licence covers nothing, and 50 concurrent screenings never draw past the ceiling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';
import { parseCsv } from '../helpers/csv.js';

const terms = (over: Record<string, unknown> = {}) => ({
  number: 'D7000001',
  eccns: ['3a090'],
  destination: 'Vietnam',
  parties: [
    { role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' },
    { role: 'end_user', name: 'Saigon Compute JSC', country: 'VN' },
  ],
  quantity: 80,
  valueUsd: 2_400_000,
  validFrom: '2026-01-01',
  validTo: '2027-12-31',
  conditions: 'No reexport without prior BIS authorisation.',
  ...over,
});

const shipment = (reference: string, quantity = 8, company = 'Saigon Compute JSC') => ({
  reference,
  shipDate: '2026-12-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity, unitPriceUsd: 30_000 }],
  parties: [
    { role: 'buyer', name: company, country: 'VN', businessType: 'cloud', website: 'saigon-compute.example', incorporatedOn: '2015-03-01' },
    { role: 'ultimate_consignee', name: company, country: 'VN' },
    { role: 'end_user', name: company, country: 'VN' },
  ],
  route: { origin: 'US', destination: 'VN' },
  endUse: 'Cloud GPU instances for enterprise customers',
});

describe('export licences', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: withLists });
  });
  afterAll(() => t.close());

  const as = (role: 'submitter' | 'reviewer' | 'auditor' | 'admin') => bearer(t.keys[role].key);
  const create = (body: unknown) => t.app.inject({ method: 'POST', url: '/v1/licences', headers: as('reviewer'), payload: body as object });
  const screen = (body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...as('submitter'), ...headers }, payload: body as object });

  it('refuses bad terms with a 400 that names the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ quantity: 0 }, '/quantity'],
      [{ valueUsd: -5 }, '/valueUsd'],
      [{ validTo: '2025-12-31' }, '/validTo'],
      [{ eccns: ['not-an-eccn'] }, '/eccns/0'],
      [{ eccns: ['EAR99'] }, '/eccns/0'],
      [{ destination: 'Atlantis' }, '/destination'],
      [{ number: '' }, '/number'],
      [{ number: '   ' }, '/number'],
      [{ parties: [{ role: 'end_user', name: 'X', country: 'VN' }] }, '/parties'],
      [{ parties: [{ role: 'ultimate_consignee', name: 'A', country: 'VN' }, { role: 'ultimate_consignee', name: 'B', country: 'VN' }] }, '/parties'],
      [{ quantity: undefined, valueUsd: undefined }, '/quantity'],
      [{ chips: ['no-such-chip'] }, '/chips/0'],
    ];
    for (const [over, field] of cases) {
      const res = await create(terms({ number: `D71${Math.floor(Math.random() * 1e5)}`, ...over }));
      expect(res.statusCode, `${JSON.stringify(over)} → ${res.body}`).toBe(400);
      expect((res.json().errors as Array<{ field: string }>).map((e) => e.field), JSON.stringify(over)).toContain(field);
    }
    const list = await t.app.inject({ method: 'GET', url: '/v1/licences', headers: as('auditor') });
    expect(list.json().items).toHaveLength(0);
  });

  it('only reviewers and admins record licences; submitters cannot read them', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v1/licences', headers: as('submitter'), payload: terms() })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/licences', headers: as('auditor'), payload: terms() })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/licences', headers: as('submitter') })).statusCode).toBe(403);
  });

  it('a covered shipment goes, draws once (not on a retry), and a cancelled one gives the draw back', async () => {
    const created = await create(terms({ number: 'D7000002', quantity: 20 }));
    expect(created.statusCode, created.body).toBe(201);
    const licence = created.json();
    expect(licence).toMatchObject({ number: 'D7000002', eccns: ['3A090'], destination: 'VN', version: 1, status: 'active' });
    expect((await create(terms({ number: 'd7000002' }))).statusCode).toBe(400); // the same number twice

    const first = await screen(shipment('SO-LIC-1'), { 'idempotency-key': 'SO-LIC-1.10' });
    expect(first.statusCode, first.body).toBe(201);
    const r = first.json();
    expect(r.authorisation).toMatchObject({ status: 'licence', licence: { number: 'D7000002', draw: { quantity: 8, valueUsd: 240000 } } });
    expect(r.decision).not.toBe('LICENSE_REQUIRED');
    expect(r.flags.map((f: { ruleId: string }) => f.ruleId)).toContain('LIC-COVERED');
    // What is left of the licence value is the figure its page shows (2,400,000 − 240,000); the 25 % tolerance is said apart.
    expect(r.flags.find((f: { ruleId: string }) => f.ruleId === 'LIC-COVERED')?.message).toMatch(
      /leaving 12 units and USD 2160000 of the licence value \(2760000 with the 25 % shipping tolerance of 15 CFR 750\.11\(b\)\)$/,
    );

    const retry = await screen(shipment('SO-LIC-1'), { 'idempotency-key': 'SO-LIC-1.10' });
    expect(retry.json().id).toBe(r.id);
    let detail = (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    expect(detail.balance).toMatchObject({ quantityDrawn: 8, quantityRemaining: 12 });
    expect(detail.draws).toHaveLength(1);

    // 16 more units do not fit in the 12 left: LICENSE_REQUIRED, and the flag says why.
    const big = (await screen(shipment('SO-LIC-2', 16))).json();
    expect(big.decision).toBe('LICENSE_REQUIRED');
    expect(big.flags.find((f: { ruleId: string }) => f.ruleId === 'LIC-NOT-COVERED')?.message).toMatch(/exhausted: 12 units left/);

    for (let i = 0; i < 2; i++) {
      const d = await t.app.inject({ method: 'POST', url: `/v1/screenings/${r.id}/dispositions`, headers: as('reviewer'), payload: { action: 'cancelled', justification: 'Order withdrawn by the customer' } });
      expect(d.statusCode, d.body).toBe(201);
    }
    detail = (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    expect(detail.balance).toMatchObject({ quantityDrawn: 0, quantityRemaining: 20 });
    expect(detail.draws.map((d: { kind: string }) => d.kind)).toEqual(['reserve', 'release']);
  });

  it('a screening whose draw was given back (cancelled, blocked) cannot be cleared to ship on nothing drawn', async () => {
    const party = [{ role: 'ultimate_consignee', name: 'Da Nang Render Farm JSC', country: 'VN' }];
    const licence = (await create(terms({ number: 'D7000004', quantity: 10, valueUsd: undefined, parties: party }))).json();
    const disposition = (id: string, action: string, key: 'reviewer' | 'admin' = 'reviewer') =>
      t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: as(key), payload: { action, justification: `${action} by the officer` } });
    const balance = async () => (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json().balance;

    for (const releasing of ['cancelled', 'blocked']) {
      const s = (await screen(shipment(`SO-REL-${releasing}`, 10, 'Da Nang Render Farm JSC'))).json();
      expect(s.authorisation).toMatchObject({ status: 'licence', licence: { number: 'D7000004', draw: { quantity: 10 } } });
      expect(await balance()).toMatchObject({ quantityDrawn: 10, quantityRemaining: 0 });
      expect((await disposition(s.id, releasing)).statusCode).toBe(201);
      expect(await balance()).toMatchObject({ quantityDrawn: 0, quantityRemaining: 10 });

      // Cleared afterwards, it would ship 10 units the ledger no longer counts: refused, saying why and what to do.
      for (const key of ['reviewer', 'admin'] as const) {
        const cleared = await disposition(s.id, 'cleared', key);
        expect(cleared.statusCode, cleared.body).toBe(409);
        expect(cleared.json().detail).toMatch(new RegExp(`licence D7000004 was given back when it was ${releasing}.*screen it again`));
      }
      const history = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${s.id}/dispositions`, headers: as('auditor') })).json().items;
      expect(history.map((d: { action: string }) => d.action)).toEqual([releasing]);
      // Holding it is still possible; the balance is untouched.
      expect((await disposition(s.id, 'escalated')).statusCode).toBe(201);
      expect(await balance()).toMatchObject({ quantityDrawn: 0, quantityRemaining: 10 });
    }

    // Screened again, the order draws anew; a screening that drew nothing can be blocked and then cleared as before.
    const again = (await screen(shipment('SO-REL-again', 10, 'Da Nang Render Farm JSC'))).json();
    expect(again.authorisation.status).toBe('licence');
    expect(await balance()).toMatchObject({ quantityDrawn: 10, quantityRemaining: 0 });
    const unlicensed = (await screen(shipment('SO-REL-none', 4, 'Da Nang Render Farm JSC'))).json();
    expect(unlicensed.authorisation.status).toBe('not_authorised');
    expect((await disposition(unlicensed.id, 'blocked')).statusCode).toBe(201);
    expect((await disposition(unlicensed.id, 'cleared')).statusCode).toBe(201);
  });

  it('a draw decided on terms read before an amendment or revocation committed is decided again on the terms in force', async () => {
    const party = [{ role: 'ultimate_consignee', name: 'Can Tho Inference JSC', country: 'VN' }];
    const licence = (await create(terms({ number: 'D7000005', quantity: 40, valueUsd: undefined, parties: party }))).json();
    const licences = t.app.licences;
    const original = licences.candidates.bind(licences);
    const balance = async () => (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json().balance;
    const why = (r: { flags: Array<{ ruleId: string; message: string; evidence: Record<string, unknown> }> }) =>
      r.flags.find((f) => f.ruleId === 'LIC-NOT-COVERED' && f.evidence.licenceNumber === 'D7000005')?.message;
    // What a screening read a moment before the change committed (another replica's copy, a read racing the change).
    const stale = await original();
    licences.candidates = async () => stale;
    try {
      const amended = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/amend`, headers: as('reviewer'), payload: { ...terms({ number: 'D7000005', quantity: 8, valueUsd: undefined, parties: party }), reason: 'BIS cut the quantity' } });
      expect(amended.statusCode, amended.body).toBe(200);
      const over = (await screen(shipment('SO-STALE-1', 10, 'Can Tho Inference JSC'))).json();
      expect(over.authorisation.status).toBe('not_authorised');
      expect(why(over)).toMatch(/exhausted: 8 units left, the shipment needs 10/);
      expect(await balance()).toMatchObject({ quantityDrawn: 0 });

      const revoked = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/revoke`, headers: as('reviewer'), payload: { reason: 'Revoked by BIS letter' } });
      expect(revoked.statusCode, revoked.body).toBe(200);
      const after = (await screen(shipment('SO-STALE-2', 4, 'Can Tho Inference JSC'))).json();
      expect(after.decision).toBe('LICENSE_REQUIRED');
      expect(after.authorisation.status).toBe('not_authorised');
      expect(why(after)).toMatch(/^Licence D7000005 does not cover this shipment: revoked/);
      expect(await balance()).toMatchObject({ quantityDrawn: 0 });
    } finally {
      licences.candidates = original;
    }
  });

  it('amend and revoke are new versions; a revoked licence covers nothing', async () => {
    const licence = (await create(terms({ number: 'D7000003', destination: 'KZ', parties: [{ role: 'ultimate_consignee', name: 'Steppe Cloud LLP', country: 'KZ' }] }))).json();
    const amended = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/amend`, headers: as('admin'), payload: { ...terms({ number: 'D7000003', destination: 'KZ', quantity: 160, parties: [{ role: 'ultimate_consignee', name: 'Steppe Cloud LLP', country: 'KZ' }] }), reason: 'BIS amendment 1' } });
    expect(amended.statusCode, amended.body).toBe(200);
    expect(amended.json()).toMatchObject({ version: 2, quantity: 160 });
    const ship = { ...shipment('SO-LIC-KZ'), parties: [{ role: 'buyer', name: 'Steppe Cloud LLP', country: 'KZ', businessType: 'cloud', website: 'steppe.example' }, { role: 'end_user', name: 'Steppe Cloud LLP', country: 'KZ' }], route: { origin: 'US', destination: 'KZ' } };
    expect((await screen(ship)).json().authorisation.status).toBe('licence');

    const revoked = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/revoke`, headers: as('reviewer'), payload: { reason: 'Revoked by BIS letter' } });
    expect(revoked.json()).toMatchObject({ version: 3, status: 'revoked' });
    expect(revoked.json().history.map((h: { action: string }) => h.action)).toEqual(['issued', 'amended', 'revoked']);
    const after = (await screen({ ...ship, reference: 'SO-LIC-KZ-2' })).json();
    expect(after.decision).toBe('LICENSE_REQUIRED');
    expect(after.authorisation.status).toBe('not_authorised');
    const again = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/amend`, headers: as('admin'), payload: terms({ number: 'D7000003' }) });
    expect(again.statusCode).toBe(400);
  });

  it('50 concurrent screenings at a licence with room for 10 cover exactly 10', async () => {
    const race = [{ role: 'ultimate_consignee', name: 'Hanoi Race Compute JSC', country: 'VN' }];
    const licence = (await create(terms({ number: 'D7000050', quantity: 80, valueUsd: undefined, parties: race }))).json();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => screen(shipment(`SO-RACE-${i}`, 8, 'Hanoi Race Compute JSC'))));
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const covered = results.filter((r) => r.json().authorisation?.licence?.number === 'D7000050');
    expect(covered).toHaveLength(10);
    const detail = (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    expect(detail.balance).toMatchObject({ quantityDrawn: 80, quantityRemaining: 0 });
    expect(detail.draws).toHaveLength(10);
    // The flag log finds exactly them by licence number, whatever the case.
    const log = (await t.app.inject({ method: 'GET', url: '/v1/screenings?licence=d7000050&limit=100', headers: as('auditor') })).json();
    expect(log.items).toHaveLength(10);
    // The export carries the licence each screening drew on.
    const exp = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=csv&licence=D7000050', headers: as('auditor') });
    expect(exp.statusCode, exp.body).toBe(200);
    const [header, ...rows] = parseCsv(exp.body);
    expect(rows).toHaveLength(10);
    const col = header!.indexOf('licence');
    expect(rows.every((r) => r[col] === 'D7000050')).toBe(true);
    // Each draw names a stored screening that says it drew exactly that.
    for (const d of detail.draws) {
      const s = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${d.screeningId}`, headers: as('auditor') })).json();
      expect(s.authorisation.licence).toMatchObject({ id: licence.id, draw: { quantity: d.quantity } });
    }
  });
});
