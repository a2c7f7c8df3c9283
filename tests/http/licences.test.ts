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
