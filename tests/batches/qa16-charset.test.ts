/**
 * A batch declared in a Western single-byte charset (`text/csv; charset=windows-1252`, what a German or French ERP
 * exports) was read as UTF-8: every line with "Müller" or "Société" was refused as invalid UTF-8. It is converted as
 * it streams — Windows-1252's own characters included (€ „ “ ” – Š Œ Ž…, which Node 20's TextDecoder gets wrong) —
 * and any other declared charset is a 415 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWindows1252 } from '../../src/http/upload-charset.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 2, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const upload = (body: Buffer, type: string) => t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': type }, payload: body });

async function waitDone(id: string) {
  for (let i = 0; i < 400; i++) {
    const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) })).json();
    if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} did not finish`);
}

/** Encodes text as Windows-1252 (the characters used here all exist in it). */
function cp1252(text: string): Buffer {
  const high: Record<string, number> = { '€': 0x80, '„': 0x84, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97, Š: 0x8a, Œ: 0x8c, Ž: 0x8e, š: 0x9a, œ: 0x9c, ž: 0x9e, Ÿ: 0x9f };
  return Buffer.from([...text].map((c) => high[c] ?? (c.codePointAt(0)! <= 0xff ? c.codePointAt(0)! : 0x3f)));
}

const CSV =
  'reference,ship_date,route_origin,route_destination,item_model,item_quantity,item_description,buyer_name,buyer_country,end_use\n' +
  'CS-1,2026-11-30,US,DE,NVIDIA L4,1,Inferenzkarte – 24 GB (€ 2.500),Müller Rechenzentrum GmbH,DE,Inferenz für „Kunden“\n' +
  'CS-2,2026-11-30,US,FR,NVIDIA L4,2,Carte graphique,Société Œuvre Šarić SARL,FR,Rendu vidéo\n';

describe('a batch declared in Windows-1252', () => {
  it('decodes the bytes 0x80–0x9F as Windows-1252, not as C1 controls', () => {
    expect(decodeWindows1252(Buffer.from([0x41, 0x80, 0x93, 0x94, 0x96, 0x8a, 0xe9, 0xfc]))).toBe('A€“”–Šéü');
  });

  for (const charset of ['windows-1252', 'ISO-8859-1', 'latin1']) {
    it(`screens every line of a ${charset} file with the names as written`, async () => {
      const res = await upload(cp1252(CSV.replaceAll('CS-', `CS-${charset}-`)), `text/csv; charset=${charset}`);
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ total: 2, invalid: 0 });
      const done = await waitDone(res.json().id);
      expect(done).toMatchObject({ state: 'completed', screened: 2, invalid: 0 });
      const lines = (await t.app.inject({ method: 'GET', url: `/v1/batches/${done.id}/results`, headers: bearer(t.keys.submitter.key) })).body.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const stored = await Promise.all(lines.map(async (l: { screeningId: string }) => (await t.app.inject({ method: 'GET', url: `/v1/screenings/${l.screeningId}`, headers: bearer(t.keys.submitter.key) })).json().shipment));
      expect(stored.map((s) => s.parties[0].name)).toEqual(['Müller Rechenzentrum GmbH', 'Société Œuvre Šarić SARL'].map((n) => n.replace('ć', '?')));
      expect(stored[0].items[0].description).toBe('Inferenzkarte – 24 GB (€ 2.500)');
      expect(stored[0].endUse).toBe('Inferenz für „Kunden“');
    });
  }

  it('reads ISO-8859-15 (0xA4 is €)', async () => {
    const body = Buffer.from(CSV.replaceAll('CS-', 'CS-L9-').replace(/[–„“”Œ]/g, '-').replace('€', '\u00a4').replace('Š', 'S').replace('ć', 'c'), 'latin1');
    const res = await upload(body, 'text/csv; charset=iso-8859-15');
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    expect(done).toMatchObject({ state: 'completed', screened: 2 });
    const first = (await t.app.inject({ method: 'GET', url: `/v1/batches/${done.id}/results`, headers: bearer(t.keys.submitter.key) })).body.split('\n')[0]!;
    const s = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${JSON.parse(first).screeningId}`, headers: bearer(t.keys.submitter.key) })).json();
    expect(s.shipment.items[0].description).toBe('Inferenzkarte - 24 GB (€ 2.500)');
  });

  it('refuses another declared charset with 415 naming it, before anything is stored', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/v1/batches', headers: bearer(t.keys.submitter.key) })).json().items.length;
    for (const charset of ['shift_jis', 'utf-16le', 'x-no-such-charset']) {
      const res = await upload(Buffer.from(CSV), `text/csv; charset=${charset}`);
      expect(res.statusCode).toBe(415);
      expect(res.json().detail).toContain(`charset=${charset}`);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/batches', headers: bearer(t.keys.submitter.key) })).json().items.length).toBe(before);
  });

  it('a UTF-8 body declared utf-8 (any case) is read as before', async () => {
    const res = await upload(Buffer.from(CSV.replaceAll('CS-', 'CS-U8-')), 'text/csv; charset=UTF-8');
    expect(res.statusCode, res.body).toBe(202);
    expect((await waitDone(res.json().id)).screened).toBe(2);
  });
});
