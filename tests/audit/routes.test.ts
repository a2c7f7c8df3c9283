/**
 * The auditor's path end to end: list last month's LICENSE_REQUIRED screenings involving
 * Singapore, record and read dispositions, export CSV/NDJSON, seal and verify — through the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../helpers/csv.js';
import { ScreeningWriter, type ScreeningRow } from '../../src/store/screenings-repo.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { screeningRow, type ScreeningSpec } from './factory.js';
import { toFilter } from '../../src/services/screenings-query.js';
import { countScreenings } from '../../src/store/screenings-query.js';



describe('flag log routes', () => {
  let t: KeyedTestApp;
  const stored: Record<string, ScreeningRow> = {};
  const auth = (role: keyof KeyedTestApp['keys']) => bearer(t.keys[role].key);

  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    const writer = new ScreeningWriter(t.app.database.db);
    const specs: Record<string, ScreeningSpec> = {
      sgOct: { reference: 'SO-1001', decision: 'LICENSE_REQUIRED', createdAt: '2026-10-15T09:00:00.000Z', destination: 'SG', flags: [{ ruleId: 'DEST-3A090A-D5', category: 'destination' }] },
      sgOctHub: {
        reference: 'SO-1002, "urgent"',
        decision: 'LICENSE_REQUIRED',
        createdAt: '2026-10-20T09:00:00.000Z',
        destination: 'MY',
        via: ['SG'],
        parties: [{ role: 'buyer', name: 'Zhōngguó Compute Ltd.', country: 'HK' }],
        // Every screening records its list check: a party check, not a party flag.
        flags: [{ ruleId: 'ROUTE-HUB', category: 'route' }, { ruleId: 'LIST-CLEAR', category: 'party', severity: 'info', decision: 'CLEAR' }],
      },
      sgSep: { reference: 'SO-0900', decision: 'LICENSE_REQUIRED', createdAt: '2026-09-30T23:59:59.999Z', destination: 'SG' },
      sgOctClear: { reference: 'SO-1003', decision: 'CLEAR', createdAt: '2026-10-16T09:00:00.000Z', destination: 'SG', flags: [] },
      cnBlock: {
        reference: 'SO-1004',
        decision: 'BLOCK',
        createdAt: '2026-10-17T09:00:00.000Z',
        destination: 'CN',
        chip: { model: 'AMD MI300X', catalogId: 'amd-mi300x', eccn: '3A090.a' },
        flags: [{ ruleId: 'PARTY-EL', category: 'party' }],
      },
      mine: { reference: 'ERP-1', decision: 'REVIEW', createdAt: '2026-10-18T09:00:00.000Z', destination: 'TH', apiKeyId: 'x', chip: { model: 'Gaming GPU', catalogId: 'rtx-4090', eccn: null } },
    };
    specs.mine!.apiKeyId = t.keys.submitter.id;
    for (const [name, spec] of Object.entries(specs)) {
      const row = screeningRow(spec);
      stored[name] = row;
      await writer.insert(row);
    }
    for (let i = 0; i < 12; i++) await writer.insert(screeningRow({ reference: `BULK-${i}`, decision: 'REVIEW', createdAt: '2026-08-01T00:00:00.000Z', destination: 'AE' }));
  });
  afterAll(() => t.close());

  const list = async (qs: string, role: keyof KeyedTestApp['keys'] = 'auditor') => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?${qs}`, headers: auth(role) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Array<{ id: string; reference: string; disposition: unknown }>; nextCursor: string | null; total?: unknown };
  };
  const ids = (p: { items: Array<{ id: string }> }) => p.items.map((i) => i.id);

  it('lists last month’s LICENSE_REQUIRED screenings involving Singapore, newest first', async () => {
    const page = await list('decision=LICENSE_REQUIRED&country=sg&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z');
    expect(ids(page)).toEqual([stored.sgOctHub!.id, stored.sgOct!.id]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({ reference: 'SO-1002, "urgent"', countries: ['HK', 'MY', 'SG', 'US'], ruleset: { version: '2026.11.0' }, disposition: null });
    expect(page.items[0]).toMatchObject({ ruleIds: ['ROUTE-HUB', 'LIST-CLEAR'], flagCategories: ['route', 'party'], raisedCategories: ['route'] });
  });

  it.each([
    ['ruleId=PARTY-EL', ['cnBlock']],
    ['category=route', ['sgOctHub']],
    // Raised flags only (migration 0024): sgOctHub's LIST-CLEAR is a check.
    ['category=party', ['cnBlock']],
    ['category=party&category=route', ['cnBlock', 'sgOctHub']],
    // A rule id is exact: a check's id finds the screenings that recorded it.
    ['ruleId=LIST-CLEAR', ['sgOctHub']],
    ['party=zhongguo%20COMPUTE', ['sgOctHub']],
    ['party=Example%20Cloud&destination=', null],
    ['eccn=3A090.a&decision=BLOCK', ['cnBlock']],
    ['chipModel=rtx-4090', ['mine']],
    ['reference=SO-1003', ['sgOctClear']],
  ])('filters: %s', async (qs, expected) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?${qs}`, headers: auth('auditor') });
    if (expected === null) return expect(res.statusCode).toBe(400); // unknown filter named
    expect(ids(res.json())).toEqual(expected.map((n) => stored[n]!.id));
  });

  it('count=true says how many match the whole filter, on every page; without it, nothing is counted', async () => {
    const first = (await t.app.inject({ method: 'GET', url: '/v1/screenings?country=ae&limit=5&count=true', headers: auth('auditor') })).json();
    expect(first.items).toHaveLength(5);
    expect(first.total).toEqual({ count: 12, exact: true });
    const second = (await t.app.inject({ method: 'GET', url: `/v1/screenings?country=ae&limit=5&count=true&cursor=${first.nextCursor}`, headers: auth('auditor') })).json();
    expect(second.total).toEqual({ count: 12, exact: true });
    expect((await list('country=ae&limit=5')).total).toBeUndefined();
    // A submitter counts its own screenings only.
    expect((await t.app.inject({ method: 'GET', url: '/v1/screenings?count=true', headers: auth('submitter') })).json().total).toEqual({ count: 1, exact: true });
    expect((await t.app.inject({ method: 'GET', url: '/v1/screenings?count=maybe', headers: auth('auditor') })).statusCode).toBe(400);
  });

  it('the count is bounded: it reads no further than the cap and one more', async () => {
    const filter = toFilter({ country: 'AE' }, null, (c) => c.toUpperCase());
    const upTo = Number.MAX_SAFE_INTEGER;
    expect(await countScreenings(t.app.database.db, filter, { upTo, cap: 100 })).toBe(12);
    expect(await countScreenings(t.app.database.db, filter, { upTo, cap: 3 })).toBe(4);
  });

  it('pages with an opaque cursor, without repeats, while new screenings arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...ids(page));
      cursor = page.nextCursor;
      if (pages++ === 0) await new ScreeningWriter(t.app.database.db).insert(screeningRow({ reference: 'LATE' }));
    } while (cursor);
    expect(seen).toHaveLength(18);
    expect(new Set(seen).size).toBe(18);
    expect((await list('limit=1')).items[0]?.reference).toBe('LATE');
  });

  it('refuses a bad cursor, a page over the limit and an empty party query with 400', async () => {
    for (const qs of ['cursor=bm9wZQ', 'limit=100000', 'limit=501', 'party=%2E%2E', 'from=2026-11-01T00:00:00Z&to=2026-10-01T00:00:00Z', 'from=2026-10-02&to=2026-10-01', 'country=Atlantis']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?${qs}`, headers: auth('auditor') });
      expect(res.statusCode, qs).toBe(400);
    }
  });

  it('shows a submitter only its own screenings', async () => {
    expect(ids(await list('', 'submitter'))).toEqual([stored.mine!.id]);
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings/${stored.sgOct!.id}/dispositions`, headers: auth('submitter') });
    expect(res.statusCode).toBe(404);
  });

  it('keeps every disposition as history and shows the latest with the screening', async () => {
    const url = `/v1/screenings/${stored.sgOct!.id}/dispositions`;
    const first = await t.app.inject({ method: 'POST', url, headers: auth('reviewer'), payload: { action: 'escalated', justification: 'Buyer HQ in CN; asked for end-use statement' } });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ screeningId: stored.sgOct!.id, action: 'escalated', by: t.keys.reviewer.id });
    const second = await t.app.inject({ method: 'POST', url, headers: auth('reviewer'), payload: { action: 'license_applied', justification: 'BIS licence application filed, ref Z123,\n"pending"' } });
    expect(second.statusCode).toBe(201);

    const history = await t.app.inject({ method: 'GET', url, headers: auth('auditor') });
    expect(history.json().items.map((d: { action: string }) => d.action)).toEqual(['escalated', 'license_applied']);
    const page = await list(`reference=SO-1001`);
    expect(page.items[0]?.disposition).toMatchObject({ action: 'license_applied', count: 2, by: t.keys.reviewer.id });
  });

  it('refuses bad dispositions: unknown action, blank or long justification, unknown screening, wrong role', async () => {
    const url = `/v1/screenings/${stored.cnBlock!.id}/dispositions`;
    for (const payload of [{ action: 'deleted', justification: 'x' }, { action: 'cleared', justification: '   ' }, { action: 'cleared', justification: 'x'.repeat(2001) }, { action: 'cleared' }]) {
      expect((await t.app.inject({ method: 'POST', url, headers: auth('reviewer'), payload })).statusCode).toBe(400);
    }
    const missing = await t.app.inject({ method: 'POST', url: '/v1/screenings/00000000-0000-4000-8000-000000000000/dispositions', headers: auth('reviewer'), payload: { action: 'cleared', justification: 'ok' } });
    expect(missing.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url, headers: auth('auditor'), payload: { action: 'cleared', justification: 'ok' } })).statusCode).toBe(403);
  });

  it('exports CSV with a header, proper quoting, seal references and dispositions', async () => {
    await t.app.inject({ method: 'POST', url: `/v1/screenings/${stored.sgOctHub!.id}/dispositions`, headers: auth('reviewer'), payload: { action: 'cleared', justification: 'Route verified' } });
    const seal = await t.app.inject({ method: 'POST', url: '/v1/audit/seal', headers: auth('auditor') });
    expect(seal.statusCode, seal.body).toBe(200);
    await new ScreeningWriter(t.app.database.db).insert(screeningRow({ reference: 'AFTER-SEAL', destination: 'SG', decision: 'LICENSE_REQUIRED', createdAt: '2026-10-25T00:00:00.000Z' }));

    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=csv&decision=LICENSE_REQUIRED&country=SG&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z', headers: auth('auditor') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="chokepoint-screenings-.*\.csv"$/);
    const [header, ...rows] = parseCsv(res.body);
    expect(header?.slice(0, 5)).toEqual(['id', 'seq', 'screened_at', 'reference', 'decision']);
    const rec = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
    expect(rec.map((r) => r.reference)).toEqual(['SO-1001', 'SO-1002, "urgent"', 'AFTER-SEAL']);
    expect(rec[0]).toMatchObject({ id: stored.sgOct!.id, screened_at: '2026-10-15T09:00:00.000Z', rule_ids: 'DEST-3A090A-D5', ruleset_version: '2026.11.0', ruleset_hash: 'sha256:4f2a', disposition_count: '2', disposition_action: 'license_applied' });
    expect(rec[0]?.seal).toMatch(/^\d+$/);
    // One line per disposition, oldest first: "<time> <action> by <holder or key name>: <justification>".
    expect([...rec[0]!.disposition_history!.matchAll(/^\S+Z (\w+)(?: by [^:]+)?: /gm)].map((m) => m[1])).toEqual(['escalated', 'license_applied']);
    expect(rec[0]?.disposition_justification).toBe('BIS licence application filed, ref Z123,\n"pending"');
    expect(rec[1]).toMatchObject({ disposition_action: 'cleared', disposition_count: '1' });
    expect(rec[2]?.seal).toBe('unsealed');
  });

  it('exports NDJSON, one object per screening', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=ndjson&reference=SO-1001', headers: auth('admin') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: stored.sgOct!.id, decision: 'LICENSE_REQUIRED', ruleIds: ['DEST-3A090A-D5'], ruleset: { hash: 'sha256:4f2a' }, seal: expect.any(Number) });
    expect(lines[0].dispositions).toHaveLength(2);
  });

  it('verifies the log for auditors and admins only', async () => {
    await t.app.sealer.sealNow();
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auth('auditor') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, firstBroken: null, unsealed: 0, problems: [] });
    expect(res.json().checked).toBeGreaterThan(20);
    for (const role of ['submitter', 'reviewer'] as const) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auth(role) })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'GET', url: '/v1/audit/export', headers: auth(role) })).statusCode).toBe(403);
    }
  });
});
