/**
 * The story end to end, through the real engine, lists and storage: an ERP screens
 * shipments, an officer records a disposition, and an auditor lists LICENSE_REQUIRED screenings
 * involving Singapore, exports them to CSV with the disposition, and verifies nothing was altered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';
import { parseCsv } from '../helpers/csv.js';

describe('auditor story', () => {
  let t: KeyedTestApp;
  const screen = async (payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: withLists, sealIntervalMs: 0 });
  });
  afterAll(() => t.close());

  it('lists, exports with dispositions and verifies', async () => {
    // Singapore buyer headquartered in China: licence required wherever it sits (15 CFR 742.6(a)(6)(iii), HQ rule).
    const sg = await screen({
      reference: 'SO-SG-1',
      items: [{ model: 'NVIDIA H200 SXM 141GB', quantity: 16 }],
      parties: [{ role: 'buyer', name: 'Lion City Compute Pte. Ltd.', country: 'SG', headquartersCountry: 'CN', businessType: 'cloud' }],
      route: { origin: 'US', destination: 'SG' },
      endUse: 'Cloud GPU rental',
    });
    const fr = await screen({
      reference: 'SO-FR-2',
      items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
      parties: [{ role: 'buyer', name: 'Nuage Calcul SAS', country: 'FR', businessType: 'cloud', incorporatedOn: '2012-01-01' }],
      route: { origin: 'US', destination: 'FR' },
      endUse: 'Public cloud GPU instances',
    });
    expect(sg.decision).toBe('LICENSE_REQUIRED');
    expect(fr.decision).not.toBe('LICENSE_REQUIRED');

    const d = await t.app.inject({
      method: 'POST',
      url: `/v1/screenings/${sg.id}/dispositions`,
      headers: bearer(t.keys.reviewer.key),
      payload: { action: 'license_applied', justification: 'Licence application filed with BIS' },
    });
    expect(d.statusCode, d.body).toBe(201);

    const from = new Date(Date.now() - 31 * 86400_000).toISOString();
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/screenings?decision=LICENSE_REQUIRED&country=SG&from=${encodeURIComponent(from)}`,
      headers: bearer(t.keys.auditor.key),
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([sg.id]);
    expect(list.json().items[0].disposition).toMatchObject({ action: 'license_applied' });

    const exp = await t.app.inject({
      method: 'GET',
      url: `/v1/audit/export?format=csv&decision=LICENSE_REQUIRED&country=SG&from=${encodeURIComponent(from)}`,
      headers: bearer(t.keys.auditor.key),
    });
    expect(exp.statusCode).toBe(200);
    // Cells may hold line breaks (flag messages, disposition history): read it as CSV, not as lines.
    const [header, ...rows] = parseCsv(exp.body);
    expect(rows).toHaveLength(1);
    const row = Object.fromEntries(header!.map((h, i) => [h, rows[0]![i]]));
    expect(row).toMatchObject({ id: sg.id, disposition_action: 'license_applied', ruleset_hash: sg.ruleset.hash });

    const seal = await t.app.inject({ method: 'POST', url: '/v1/audit/seal', headers: bearer(t.keys.auditor.key) });
    expect(seal.statusCode).toBe(200);
    const verify = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: bearer(t.keys.auditor.key) });
    expect(verify.json()).toMatchObject({ ok: true, firstBroken: null });
    expect(verify.json().checked).toBeGreaterThanOrEqual(3);

    // The ERP key may screen but not export; the auditor may export but not screen.
    const erpExport = await t.app.inject({ method: 'GET', url: '/v1/audit/export?format=csv', headers: bearer(t.keys.submitter.key) });
    expect(erpExport.statusCode).toBe(403);
    const auditorScreen = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.auditor.key), payload: { reference: 'x', items: [{ model: 'H100', quantity: 1 }], route: { destination: 'FR' } } });
    expect(auditorScreen.statusCode).toBe(403);
  });
});
