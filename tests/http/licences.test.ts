/**
 * Export licences end to end on the real app and rule table: recorded with every bad term refused by
 * field, a covered shipment draws the licence down exactly once, a cancelled shipment gives it back,
 * a revoked licence covers nothing, and 50 concurrent screenings never draw past the ceiling.
 */
import { sql } from 'drizzle-orm';
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
    // A state conflict, as elsewhere in the API (a suppression withdrawn twice): 409, saying when it was revoked; nothing recorded.
    const revokedAt = revoked.json().history[2].at as string;
    const again = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/amend`, headers: as('admin'), payload: terms({ number: 'D7000003' }) });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json()).toMatchObject({ type: 'urn:chokepoint:problem:conflict', status: 409 });
    expect(again.json().detail).toBe(`Licence D7000003 is revoked (since ${revokedAt}, version 3): a revoked licence cannot be amended; record a new one (POST /v1/licences) to authorise shipments again`);
    const twice = await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/revoke`, headers: as('reviewer'), payload: { reason: 'Revoked again' } });
    expect(twice.statusCode, twice.body).toBe(409);
    expect(twice.json().detail).toMatch(new RegExp(`^Licence D7000003 is already revoked \\(since ${revokedAt.replace(/\./g, '\\.')}, version 3\\): nothing was changed`));
    const after2 = (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    expect(after2).toMatchObject({ version: 3, status: 'revoked' });
    expect(after2.history).toHaveLength(3);
  });

  it('a cancellation whose release fails is not stored either: 503, the draw still held; retried, it releases exactly once', async () => {
    const party = [{ role: 'ultimate_consignee', name: 'Hue Vision Labs JSC', country: 'VN' }];
    const licence = (await create(terms({ number: 'D7000006', quantity: 16, valueUsd: undefined, parties: party }))).json();
    const s = (await screen(shipment('SO-REL-FAIL', 8, 'Hue Vision Labs JSC'))).json();
    expect(s.authorisation).toMatchObject({ status: 'licence', licence: { number: 'D7000006', draw: { quantity: 8 } } });
    const detail = async () => (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    const history = async () => (await t.app.inject({ method: 'GET', url: `/v1/screenings/${s.id}/dispositions`, headers: as('auditor') })).json().items as Array<{ action: string }>;
    const cancel = (key?: string) =>
      t.app.inject({ method: 'POST', url: `/v1/screenings/${s.id}/dispositions`, headers: { ...as('reviewer'), ...(key ? { 'idempotency-key': key } : {}) }, payload: { action: 'cancelled', justification: 'Order withdrawn by the customer' } });
    const db = t.app.database.db;
    // The release's write fails (a statement timeout at that moment): the database refuses exactly that insert.
    await db.execute(sql.raw(`create or replace function test_fail_release() returns trigger language plpgsql as $$
      begin if new.type = 'licence.released' then raise exception 'canceling statement due to statement timeout' using errcode = '57014'; end if; return new; end $$`));
    await db.execute(sql.raw('create trigger test_fail_release before insert on audit_events for each row execute function test_fail_release()'));
    try {
      const failed = await cancel('cancel-1');
      expect(failed.statusCode, failed.body).toBe(503);
      expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
      // No half-state: neither the disposition nor its Idempotency-Key nor a release is stored; the units are still drawn.
      expect(await history()).toEqual([]);
      const keys = (await db.execute(sql`select count(*)::int as n from disposition_keys where key = 'cancel-1'`)) as unknown as { rows: Array<{ n: number }> };
      expect(keys.rows[0]!.n).toBe(0);
      const held = await detail();
      expect(held.balance).toMatchObject({ quantityDrawn: 8, quantityRemaining: 8 });
      expect(held.draws.map((d: { kind: string }) => d.kind)).toEqual(['reserve']);
    } finally {
      await db.execute(sql.raw('drop trigger test_fail_release on audit_events'));
      await db.execute(sql.raw('drop function test_fail_release()'));
    }
    // Sent again (the same key: nothing was recorded under it), it is stored with its release; said again, it releases nothing more.
    const ok = await cancel('cancel-1');
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await cancel()).statusCode).toBe(201);
    expect((await history()).map((d) => d.action)).toEqual(['cancelled', 'cancelled']);
    const released = await detail();
    expect(released.balance).toMatchObject({ quantityDrawn: 0, quantityRemaining: 16 });
    expect(released.draws.map((d: { kind: string; screeningId: string }) => [d.kind, d.screeningId])).toEqual([['reserve', s.id], ['release', s.id]]);
    // The release is recorded by the disposition's reviewer, at the disposition's time.
    expect(released.draws[1]).toMatchObject({ by: t.keys.reviewer.id, at: ok.json().at });
  });

  it('cancellations and draws on one licence at once, with the sealer running: no deadlock, no unit counted twice', async () => {
    const party = [{ role: 'ultimate_consignee', name: 'Quy Nhon Compute JSC', country: 'VN' }];
    const licence = (await create(terms({ number: 'D7000007', quantity: 48, valueUsd: undefined, parties: party }))).json();
    const first = await Promise.all(Array.from({ length: 6 }, (_, i) => screen(shipment(`SO-MIX-A${i}`, 8, 'Quy Nhon Compute JSC'))));
    expect(first.every((r) => r.json().authorisation.status === 'licence')).toBe(true);
    const dispose = (id: string, action: string) =>
      t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: as('reviewer'), payload: { action, justification: `${action}: order withdrawn` } });
    const [mixed] = await Promise.all([
      Promise.all([
        ...first.slice(0, 3).map((r, i) => dispose(r.json().id, i % 2 ? 'blocked' : 'cancelled')),
        ...first.slice(0, 3).map((r) => dispose(r.json().id, 'cancelled')), // each said twice: one release
        ...Array.from({ length: 6 }, (_, i) => screen(shipment(`SO-MIX-B${i}`, 8, 'Quy Nhon Compute JSC'))),
      ]),
      // The sealer takes the audit write lock exclusively meanwhile: a writer holding it shared while it waits for a licence lock would deadlock.
      ...Array.from({ length: 3 }, () => t.app.sealer.sealNow()),
    ]);
    for (const r of mixed) expect(r.statusCode, r.body).toBe(201);
    const covered = mixed.slice(6).filter((r) => r.json().authorisation.status === 'licence').length;
    const d = (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    const kinds = d.draws.map((x: { kind: string }) => x.kind);
    expect(kinds.filter((k: string) => k === 'release')).toHaveLength(3);
    expect(kinds.filter((k: string) => k === 'reserve')).toHaveLength(6 + covered);
    expect(d.balance.quantityDrawn).toBe(8 * (3 + covered));
    expect(d.balance.quantityDrawn).toBeLessThanOrEqual(48);
    const verify = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: as('auditor') });
    expect(verify.statusCode, verify.body).toBe(200);
  });

  it('a licence amended below what is drawn says it is overdrawn and covers nothing more until draws are given back', async () => {
    const party = [{ role: 'ultimate_consignee', name: 'Vung Tau AI Cloud JSC', country: 'VN' }];
    const base = terms({ number: 'D7000008', quantity: 30, valueUsd: 900_000, parties: party });
    const licence = (await create(base)).json();
    const ten = (await screen(shipment('SO-OVER-10', 10, 'Vung Tau AI Cloud JSC'))).json();
    const eighteen = (await screen(shipment('SO-OVER-18', 18, 'Vung Tau AI Cloud JSC'))).json();
    expect([ten.authorisation.status, eighteen.authorisation.status]).toEqual(['licence', 'licence']);
    const get = async () => (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: as('auditor') })).json();
    expect((await get()).balance).toMatchObject({ quantityDrawn: 28, quantityRemaining: 2, valueDrawnUsd: 840_000, valueRemainingUsd: 60_000, overdrawn: null });

    // BIS cuts it to 10 units and USD 300,000: recorded (the licence is what BIS says), and the answer says it is overdrawn.
    const amend = (over: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/amend`, headers: as('reviewer'), payload: { ...base, ...over, reason: 'BIS reduced the licence' } });
    const cut = await amend({ quantity: 10, valueUsd: 300_000 });
    expect(cut.statusCode, cut.body).toBe(200);
    // Remaining never below zero; overdrawn: 28 − 10 units, and USD 840,000 − 300,000 × 1.25 (3A090: 25 % value tolerance, 750.11(b)).
    expect(cut.json().balance).toEqual({ quantityDrawn: 28, valueDrawnUsd: 840_000, quantityRemaining: 0, valueRemainingUsd: 0, overdrawn: { quantity: 18, valueUsd: 465_000 } });
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/licences?number=D7000008', headers: as('auditor') })).json().items[0];
    expect(listed.balance.overdrawn).toEqual({ quantity: 18, valueUsd: 465_000 });
    // The draws stand; the amendment's monitoring run re-screens them, each with its own draw counted back: neither fits now.
    await t.app.monitoring.idle();
    for (const drew of [ten, eighteen]) {
      const now = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${drew.id}`, headers: as('auditor') })).json();
      expect(now.monitoring, drew.reference).toMatchObject({ decision: 'LICENSE_REQUIRED' });
    }

    // A new shipment is not covered past the new ceiling, however small.
    const one = (await screen(shipment('SO-OVER-1', 1, 'Vung Tau AI Cloud JSC'))).json();
    expect(one.decision).toBe('LICENSE_REQUIRED');
    expect(one.authorisation.status).toBe('not_authorised');
    const why = one.flags.find((f: { ruleId: string; evidence: { licenceNumber?: string } }) => f.ruleId === 'LIC-NOT-COVERED' && f.evidence.licenceNumber === 'D7000008');
    expect(why?.message).toMatch(/exhausted: 0 units left, the shipment needs 1/);
    expect((await get()).balance.quantityDrawn).toBe(28);

    // The console says so plainly: on the licence's page and in the list.
    const page = await t.app.inject({ method: 'GET', url: `/licences/${licence.id}`, headers: { ...as('reviewer'), accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Overdrawn: more is drawn than this licence now allows — by 18 units and $465,000 (beyond the 15 CFR 750.11 tolerance).');
    expect(page.body).toContain('badge l-overdrawn');
    expect(page.body).not.toMatch(/-\d+ of/);
    const list = await t.app.inject({ method: 'GET', url: '/licences?number=D7000008', headers: { ...as('reviewer'), accept: 'text/html' } });
    expect(list.body).toContain('0 of 10 units');
    expect(list.body).toContain('overdrawn by 18 units');

    // Drawn into the value tolerance is not overdrawn: USD 700,000 × 1.25 ≥ 840,000 drawn (and 28 of 28 units).
    expect((await amend({ quantity: 28, valueUsd: 700_000 })).json().balance).toMatchObject({ quantityRemaining: 0, valueRemainingUsd: 0, overdrawn: null });
    expect((await amend({ quantity: 10, valueUsd: 300_000 })).statusCode).toBe(200);
    // Draws given back: the 18-unit order cancelled leaves 10 drawn of 10 (no room, not overdrawn); the other too, room again.
    await t.app.inject({ method: 'POST', url: `/v1/screenings/${eighteen.id}/dispositions`, headers: as('reviewer'), payload: { action: 'cancelled', justification: 'Order cut to fit the licence' } });
    expect((await get()).balance).toMatchObject({ quantityDrawn: 10, quantityRemaining: 0, overdrawn: null });
    await t.app.inject({ method: 'POST', url: `/v1/screenings/${ten.id}/dispositions`, headers: as('reviewer'), payload: { action: 'cancelled', justification: 'Order withdrawn' } });
    expect((await get()).balance).toMatchObject({ quantityDrawn: 0, quantityRemaining: 10, overdrawn: null });
    expect((await screen(shipment('SO-OVER-again', 1, 'Vung Tau AI Cloud JSC'))).json().authorisation.status).toBe('licence');
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
