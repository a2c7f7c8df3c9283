/**
 * QA round 15: what an ERP and an auditor send on the single-screening and flag-log paths, hostile as it may be.
 * - a body nested thousands of levels deep under `specs.tops` (a key the schema's pattern does not match was let
 *   through with any value) overflowed the stack of the checks after validation: a 500, now a 400 naming the field;
 * - a control character in a flag-log text filter (`reference=%00x`) reached Postgres: a 500, now a 400;
 * - the CSV export defused a cell only by its first character: ` =1+1`, `＝SUM(1)`, `"=1`, a line feed then `=`
 *   went out as they were; every cell is now checked after whitespace and quotes, fullwidth forms included;
 * - references and party names in the fullwidth ＝ ＋ ＠, or with the formula after quotes, were accepted.
 * Also held here (sound when probed): Idempotency-Key replays, conflicts and concurrent retries store one screening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { parseCsv } from '../helpers/csv.js';
import { controlCharacterErrors } from '../../src/services/input-guards.js';
import { defuseFormulaCells } from '../../src/services/audit-export.js';

const base = { items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }], route: { origin: 'US', destination: 'SG' } };
/** A cell a spreadsheet would run: = + - @ (or ＝ ＋ － ＠) at its start, after whitespace, zero-width characters or quotes. */
const RUNS_AS_FORMULA = /^[\s"\u200B-\u200D\u2060]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;

describe('QA 15: hostile inputs on the screening and flag-log paths', () => {
  let t: KeyedTestApp;
  const raw = (payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/json', ...headers }, payload });
  const screen = (payload: object, headers: Record<string, string> = {}) => raw(JSON.stringify(payload), headers);
  const auditor = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(t.keys.auditor.key) });

  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  }, 300_000);
  afterAll(() => t.close());

  it('a body nested 30,000 levels deep under specs.tops is a 400 naming the field, not a 500, and stores nothing', async () => {
    let deep = '1';
    for (let i = 0; i < 30_000; i++) deep = `{"a":${deep}}`;
    const res = await raw(`{"reference":"DEEP-1","items":[{"quantity":1,"specs":{"tops":${deep}}}],"route":{"origin":"US","destination":"SG"}}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: '/items/0/specs/tops/a', in: 'body' })]);
    // A key outside the precision pattern is refused even with a number (it was let through to the engine).
    const shallow = await screen({ ...base, reference: 'DEEP-2', items: [{ quantity: 1, specs: { tops: { a: 1 } } }] });
    expect(shallow.statusCode, shallow.body).toBe(400);
    expect(shallow.json().errors[0].field).toBe('/items/0/specs/tops/a');
    // A well-formed precision is still accepted.
    const ok = await screen({ ...base, reference: 'DEEP-3', items: [{ quantity: 1, specs: { tops: { fp16: 989.5 } } }] });
    expect(ok.statusCode, ok.body).toBe(201);
    const stored = await auditor('/v1/screenings?limit=100');
    expect(stored.json().items.map((i: { reference: string }) => i.reference).filter((r: string) => r.startsWith('DEEP'))).toEqual(['DEEP-3']);
  });

  it('a party name with characters that show as nothing is found by the name as seen (flag-log party search)', async () => {
    const hidden = ['\u200B', '\u200C', '\u200D', '\u00AD', '\u2060', '\uFEFF', '\u034F', '\u3164'];
    for (const [i, c] of hidden.entries()) {
      const res = await screen({ ...base, reference: `ZW-${i}`, parties: [{ role: 'buyer', name: `Shenzhen Bright${c}star Semiconductor Co`, country: 'CN' }] });
      expect(res.statusCode, res.body).toBe(201);
    }
    const found = await auditor('/v1/screenings?party=Brightstar%20Semiconductor&limit=100');
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().items.map((i: { reference: string }) => i.reference).filter((r: string) => r.startsWith('ZW-')).sort()).toEqual(hidden.map((_, i) => `ZW-${i}`).sort());
    // And the other way round: the query's own invisible characters do not hide a stored name.
    const query = await auditor(`/v1/screenings?party=${encodeURIComponent('Bright\u200Bstar')}&limit=100`);
    expect(query.json().items.filter((i: { reference: string }) => i.reference.startsWith('ZW-'))).toHaveLength(hidden.length);
  });

  it('a member named twice in one object is a 400 naming it (single screening and batch line), never the last one screened', async () => {
    const body = '{"reference":"DUP-1","items":[{"model":"NVIDIA H100 SXM5 80GB","quantity":1,"quantity":5000}],"route":{"origin":"US","destination":"SG"}}';
    const res = await raw(body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: '/items/0/quantity', in: 'body' })]);
    // Escaped spellings of one name are one name.
    const escaped = await raw('{"reference":"DUP-2","refer\\u0065nce":"DUP-3","items":[{"quantity":1}],"route":{"origin":"US","destination":"SG"}}');
    expect(escaped.statusCode, escaped.body).toBe(400);
    expect(escaped.json().errors[0].field).toBe('/reference');
    // The same name in two objects is not a duplicate.
    const ok = await screen({ ...base, reference: 'DUP-4', parties: [{ role: 'buyer', name: 'Acme GmbH', country: 'DE' }, { role: 'end_user', name: 'Acme GmbH', country: 'DE' }] });
    expect(ok.statusCode, ok.body).toBe(201);
    const stored = await auditor('/v1/screenings?reference=DUP-1');
    expect(stored.json().items).toEqual([]);

    const upload = await t.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify({ ...base, reference: 'DUPB-1' })}\n${body.replace('DUP-1', 'DUPB-2')}\n`,
    });
    expect(upload.statusCode, upload.body).toBe(202);
    expect(upload.json().lineErrors).toEqual([expect.objectContaining({ lineNo: 2, field: '/items/0/quantity', message: expect.stringMatching(/named twice/) })]);
  });

  it('the control-character walk stops at a depth no shipment reaches, with an error instead of a stack overflow', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const errors = controlCharacterErrors({ items: deep });
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/nested more than \d+ levels/) })]);
    expect(controlCharacterErrors({ items: [{ specs: { tops: { fp16: 1 } } }] })).toEqual([]);
  });

  it('a control character in a flag-log or export text filter is a 400 naming it, not a 500', async () => {
    for (const field of ['reference', 'ruleId', 'chipModel', 'eccn', 'licence']) {
      for (const path of ['/v1/screenings', '/v1/audit/export']) {
        const res = await auditor(`${path}?${field}=%00x`);
        expect(res.statusCode, `${path} ${field}: ${res.body}`).toBe(400);
        expect(res.json().errors).toEqual([expect.objectContaining({ field: `/${field}`, in: 'query' })]);
      }
    }
    // Ordinary values still filter.
    expect((await auditor('/v1/screenings?reference=SO-1&ruleId=LIST-CLEAR&eccn=3A090.a')).statusCode).toBe(200);
  });

  it('a reference, party name or address starting like a formula in fullwidth, or after quotes or spaces, is refused', async () => {
    const cases: Array<[object, string]> = [
      [{ ...base, reference: '\uFF0BR-1' }, '/reference'],
      [{ ...base, reference: '"=1+1' }, '/reference'],
      [{ ...base, reference: '\u3000=1+1' }, '/reference'],
      [{ ...base, reference: 'FW-1', parties: [{ role: 'buyer', name: '\uFF1DHYPERLINK("http://x")' }] }, '/parties/0/name'],
      [{ ...base, reference: 'FW-2', parties: [{ role: 'buyer', name: 'Acme', address: ' "\uFF20SUM(1)' }] }, '/parties/0/address'],
    ];
    for (const [body, field] of cases) {
      const res = await screen(body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field, message: expect.stringMatching(/spreadsheet formula/) })]);
    }
    // Names that merely contain those characters, or start with a quote, are fine.
    const fine = await screen({ ...base, reference: 'SO-1=2', parties: [{ role: 'buyer', name: '"Acme" Trading \uFF1D Co', address: '1 Main St, +65' }] });
    expect(fine.statusCode, fine.body).toBe(201);
  });

  it('no CSV export cell runs as a formula: after whitespace, a line feed or quotes, or in fullwidth', async () => {
    const models = [' =1+1', '\uFF1DSUM(1)', '\u3000=1', '"=HYPERLINK(""x"")', '\u200B@SUM(1)', '=plain'];
    const justifications = [' =1', '\n=1', '"=1', '\uFF0D1', '\t=1', '-1'];
    const holder = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'reviewer', name: 'qa15 reviewer', holder: ' \uFF1DHYPERLINK("x")' } });
    expect(holder.statusCode, holder.body).toBe(201);
    for (const [i, model] of models.entries()) {
      const s = await screen({ ...base, reference: `CSV-${i}`, items: [{ model, quantity: 1 }] });
      expect(s.statusCode, s.body).toBe(201);
      const d = await t.app.inject({
        method: 'POST',
        url: `/v1/screenings/${s.json().id}/dispositions`,
        headers: bearer(holder.json().key),
        payload: { action: 'escalated', justification: justifications[i] },
      });
      expect(d.statusCode, d.body).toBe(201);
    }
    const res = await auditor('/v1/audit/export?format=csv');
    expect(res.statusCode).toBe(200);
    const [header, ...rows] = parseCsv(res.body);
    const col = (name: string) => header!.indexOf(name);
    const ours = rows.filter((r) => r[col('reference')]!.startsWith('CSV-'));
    expect(ours).toHaveLength(models.length);
    for (const row of rows) for (const [c, cell] of row.entries()) expect(RUNS_AS_FORMULA.test(cell), `${header![c]}: ${JSON.stringify(cell)}`).toBe(false);
    // Defused, not dropped: the value follows the apostrophe as it was.
    for (const row of ours) {
      const i = Number(row[col('reference')]!.slice(4));
      expect(row[col('chip_models')]).toBe(`'${models[i]}`);
      expect(row[col('disposition_justification')]).toBe(`'${justifications[i]}`);
      expect(row[col('disposition_by')]).toBe(`' \uFF1DHYPERLINK("x")`);
    }
  });

  it('defuseFormulaCells leaves a cell that only contains such characters, and one already defused, as it is', () => {
    const text = '"a, =1","\'=1","x ""=1""",SG,12\r\n"multi\r\nline\n-x",,""\r\n';
    expect(defuseFormulaCells(text)).toBe(text);
    expect(defuseFormulaCells('"ok",-5\r\n')).toBe('"ok","\'-5"\r\n');
  });

  describe('Idempotency-Key (sound when probed; held here)', () => {
    it('key order, whitespace and 1.0 for 1 replay the stored screening; another body is a 409; nothing is stored twice', async () => {
      const h = { 'idempotency-key': 'IDEM-15/10' };
      const first = await screen({ ...base, reference: 'IDEM-15' }, h);
      expect(first.statusCode, first.body).toBe(201);
      const reordered = await raw('{ "route": { "destination": "SG", "origin": "US" },\n\t"reference": "IDEM-15",\n "items": [ { "quantity": 8.0, "model": "NVIDIA H100 SXM5 80GB" } ] }', h);
      expect(reordered.statusCode, reordered.body).toBe(201);
      expect(reordered.headers['idempotent-replayed']).toBe('true');
      expect(reordered.json().id).toBe(first.json().id);
      expect(reordered.headers.location).toBe(`/v1/screenings/${first.json().id}`);
      const other = await screen({ ...base, reference: 'IDEM-15', items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 9 }] }, h);
      expect(other.statusCode).toBe(409);
      expect((await auditor('/v1/screenings?reference=IDEM-15')).json().items).toHaveLength(1);
    });

    it('two requests under one key at the same instant store one screening: both 201 with its id, or one 409 for another body', async () => {
      const h = { 'idempotency-key': 'RACE-15' };
      const same = await Promise.all(Array.from({ length: 6 }, () => screen({ ...base, reference: 'RACE-15' }, h)));
      for (const r of same) expect(r.statusCode, r.body).toBe(201);
      expect(new Set(same.map((r) => r.json().id)).size).toBe(1);
      expect(same.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      expect((await auditor('/v1/screenings?reference=RACE-15')).json().items).toHaveLength(1);

      const h2 = { 'idempotency-key': 'RACE-15b' };
      const mixed = await Promise.all([screen({ ...base, reference: 'RACE-15b' }, h2), screen({ ...base, reference: 'RACE-15c' }, h2)]);
      expect(mixed.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      const stored = await auditor('/v1/screenings?limit=100');
      expect(stored.json().items.filter((i: { reference: string }) => i.reference.startsWith('RACE-15')).map((i: { reference: string }) => i.reference).sort()).toHaveLength(2);
    });

    it('a key of 255 visible ASCII characters is taken; 256, empty, or non-ASCII is a 400 naming the header', async () => {
      expect((await screen({ ...base, reference: 'LEN-255' }, { 'idempotency-key': 'k'.repeat(255) })).statusCode).toBe(201);
      for (const key of ['k'.repeat(256), '', 'caf\u00e9', 'a b']) {
        const res = await screen({ ...base, reference: 'LEN-BAD' }, { 'idempotency-key': key });
        expect(res.statusCode, JSON.stringify(key)).toBe(400);
        expect(res.json().errors[0]).toMatchObject({ field: '/idempotency-key', in: 'headers' });
      }
      expect((await auditor('/v1/screenings?reference=LEN-BAD')).json().items).toHaveLength(0);
    });
  });
});
