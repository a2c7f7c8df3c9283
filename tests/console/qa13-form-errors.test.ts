/**
 * QA 13, defects 2 and 3. The New screening form: a party row filled in without a name is reported at that
 * row's name (it used to be dropped without a word); every field error the server can find comes in one
 * answer — the schema's (a quantity), the countries and permit types the ruleset does not know, the service's
 * own checks (a reference like a spreadsheet formula) — each at the form row it was typed in, values kept.
 * The screening page says who screened it, escaped.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { formShipment } from '../../src/console/routes-screenings.js';
import { shipmentCheckErrors } from '../../src/console/validate.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const headers = () => ({ ...bearer(t.keys.reviewer.key), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' });
const post = (fields: Record<string, string>) => t.app.inject({ method: 'POST', url: '/screenings/new', headers: headers(), payload: new URLSearchParams({ mode: 'form', ...fields }).toString() });
/** The message shown under the input named by this pointer (its `…-error` element). */
const errorAt = (body: string, pointer: string) => {
  const id = `in${pointer.replace(/[^A-Za-z0-9]+/g, '-')}-error`;
  return new RegExp(`<p class="field-error" id="${id}">([^<]*)</p>`).exec(body)?.[1] ?? null;
};
const count = async (reference: string) =>
  ((await t.app.inject({ method: 'GET', url: `/v1/screenings?reference=${reference}`, headers: bearer(t.keys.admin.key) })).json().items as unknown[]).length;

describe('the New screening form reports every field error at once', () => {
  it('keeps a party row without a name and names the row in the shipment it builds', () => {
    const built = formShipment({
      '/reference': 'R',
      '/items/2/model': 'NVIDIA L4',
      '/items/2/quantity': '1',
      '/parties/0/role': 'buyer',
      '/parties/2/role': 'end_user',
      '/parties/2/businessType': 'cloud',
      '/route/destination': 'DE',
    });
    expect(built.shipment).toEqual({ reference: 'R', items: [{ model: 'NVIDIA L4', quantity: 1 }], parties: [{ role: 'end_user', businessType: 'cloud' }], route: { destination: 'DE' } });
    expect(built.itemRows).toEqual([2]);
    expect(built.partyRows).toEqual([2]);
  });

  it('a party row with a business type and no name is reported at its name, not dropped', async () => {
    const res = await post({
      '/reference': 'QA13-NONAME',
      '/items/0/model': 'NVIDIA L4',
      '/items/0/quantity': '1',
      '/parties/1/role': 'ultimate_consignee',
      '/parties/1/businessType': 'datacenter',
      '/route/destination': 'DE',
    });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(400);
    expect(errorAt(res.body, '/parties/1/name')).toBe('name is required when other party fields are set');
    expect(errorAt(res.body, '/parties/0/name')).toBeNull();
    expect(res.body).toContain('value="datacenter"');
    expect(await count('QA13-NONAME')).toBe(0);
  });

  it('schema, country, permit and service errors in one answer, each at the row it was typed in, values kept', async () => {
    const res = await post({
      '/reference': '=HYPERLINK("x")',
      // Rows 0 and 1 left blank: the shipment's first item is the form's third row.
      '/items/2/model': 'NVIDIA L4',
      '/items/2/quantity': 'lots',
      '/parties/0/role': 'buyer',
      '/parties/0/name': 'Northwind GmbH',
      '/parties/0/country': 'Narnia',
      '/parties/3/role': 'freight_forwarder',
      '/parties/3/name': 'Fast Freight <Ltd>',
      '/parties/3/country': 'Atlantis & Co',
      '/route/origin': 'US',
      '/route/via': 'SG, Mordor',
      '/route/destination': 'Gondor',
      '/permits': 'MY_STP 1\nBOGUS 2',
    });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(400);
    expect(errorAt(res.body, '/items/2/quantity')).toBe('must be a whole number, e.g. 1000 or 1,000');
    expect(errorAt(res.body, '/items/0/quantity')).toBeNull();
    expect(errorAt(res.body, '/reference')).toContain('spreadsheet formula');
    expect(errorAt(res.body, '/parties/0/country')).toBe('unknown country &quot;Narnia&quot;; use an ISO 3166-1 code (SG or SGP) or an English name (Singapore)');
    expect(errorAt(res.body, '/parties/3/country')).toBe('unknown country &quot;Atlantis &amp; Co&quot;; use an ISO 3166-1 code (SG or SGP) or an English name (Singapore)');
    expect(errorAt(res.body, '/route/via')).toBe('unknown country &quot;Mordor&quot;; use an ISO 3166-1 code (SG or SGP) or an English name (Singapore)');
    expect(errorAt(res.body, '/route/destination')).toBe('unknown country &quot;Gondor&quot;; use an ISO 3166-1 code (SG or SGP) or an English name (Singapore)');
    expect(errorAt(res.body, '/route/origin')).toBeNull();
    expect(/<p class="field-error" id="in-permits-error">([^<]*)<\/p>/.exec(res.body)?.[1]).toMatch(/^line 2: unknown permit type &quot;BOGUS&quot;/);
    expect(res.body).toContain('The server refused 7 fields');
    // What was typed is kept, escaped.
    expect(res.body).toContain('value="lots"');
    expect(res.body).toContain('value="Fast Freight &lt;Ltd&gt;"');
    expect(res.body).toContain('value="SG, Mordor"');
    expect(res.body).toContain('>MY_STP 1\nBOGUS 2</textarea>');
    expect(res.body).not.toContain('<Ltd>');
    expect(await count('QA13-ROUNDS')).toBe(0);

    // Fixed in one go, it is screened.
    const fixed = await post({
      '/reference': 'QA13-ROUNDS',
      '/items/2/model': 'NVIDIA L4',
      '/items/2/quantity': '1,000',
      '/parties/0/role': 'buyer',
      '/parties/0/name': 'Northwind GmbH',
      '/parties/0/country': 'DE',
      '/route/origin': 'US',
      '/route/via': 'SG',
      '/route/destination': 'Germany',
      '/permits': 'MY_STP 1',
    });
    expect(fixed.statusCode, fixed.body.slice(0, 400)).toBe(303);
    expect(await count('QA13-ROUNDS')).toBe(1);
  });

  it('a quantity of 0 in a later row keeps the schema\'s message at that row', async () => {
    const res = await post({ '/reference': 'QA13-ZERO', '/items/1/model': 'NVIDIA L4', '/items/1/quantity': '0', '/route/destination': 'DE' });
    expect(res.statusCode).toBe(400);
    expect(errorAt(res.body, '/items/1/quantity')).toBe('must be &gt;= 1');
    expect(errorAt(res.body, '/items/1/quantity')).not.toContain('whole number');
    expect(errorAt(res.body, '/items/0/quantity')).toBeNull();
  });

  it('a pasted JSON shipment gets its schema and country errors together, and odd shapes never a 5xx', async () => {
    const json = JSON.stringify({ reference: 'QA13-JSON-ERR', items: [{ model: 'NVIDIA L4', quantity: 0 }], route: { destination: 'Narnia', via: ['XX'] }, permits: [{ type: 'NOPE' }] });
    const res = await post({ mode: 'json', json });
    expect(res.statusCode).toBe(400);
    const listed = [...res.body.matchAll(/<li><code>([^<]+)<\/code>/g)].map((m) => m[1]);
    expect(listed).toEqual(expect.arrayContaining(['/items/0/quantity', '/route/destination', '/route/via/0', '/permits/0/type']));
    for (const odd of [
      { reference: 5, items: 'x', parties: 'y', route: [], permits: {} },
      { reference: 'R', items: [null, 3, { specs: 'x', eccn: 7, partNumber: 9 }], parties: [null, { name: 7, country: 5, owners: [null, { country: 'Narnia' }] }], route: { via: 'SG', destination: 9 }, payment: { country: [] } },
      [],
      null,
    ]) {
      const r = await post({ mode: 'json', json: JSON.stringify(odd) });
      expect(r.statusCode, JSON.stringify(odd)).toBe(400);
      expect(r.body).toContain('The server refused these fields');
    }
  });
});

describe('the checks run alongside the schema', () => {
  it('never throw, whatever shape a pasted shipment has', () => {
    const rules = t.app.rules.get();
    const service = (shaped: unknown) => t.app.screenings.inputErrors(shaped as never, new Date());
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
    const part = fc.dictionary(fc.constantFrom('name', 'country', 'headquartersCountry', 'owners', 'address', 'incorporatedOn', 'type', 'model', 'partNumber', 'eccn', 'specs', 'tops', 'origin', 'via', 'destination'), value);
    const shipment = fc.record(
      {
        reference: value,
        shipDate: value,
        items: fc.oneof(value, fc.array(fc.oneof(value, part, fc.record({ specs: fc.oneof(value, fc.record({ tops: fc.oneof(value, fc.dictionary(fc.string(), value)) })) })), { maxLength: 3 })),
        parties: fc.oneof(value, fc.array(fc.oneof(value, part, fc.record({ owners: fc.oneof(value, fc.array(fc.oneof(value, part), { maxLength: 2 })) })), { maxLength: 3 })),
        route: fc.oneof(value, part),
        permits: fc.oneof(value, fc.array(fc.oneof(value, part), { maxLength: 3 })),
        payment: fc.oneof(value, part),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(shipment, fc.jsonValue()), (input) => {
        const errors = shipmentCheckErrors(input, rules, service);
        expect(Array.isArray(errors)).toBe(true);
        for (const e of errors) expect(e.field.startsWith('/')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the screening page says who screened it', () => {
  it('names the key holder, escaped', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'submitter', name: 'erp <prod>', holder: 'Officer <b>Ng</b> & Co' } });
    expect(created.statusCode, created.body).toBe(201);
    const key = created.json().key as string;
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(key), payload: { reference: 'QA13-BY', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { destination: 'DE' } } });
    expect(res.statusCode, res.body).toBe(201);
    const page = await t.app.inject({ method: 'GET', url: `/screenings/${res.json().id}`, headers: { ...bearer(t.keys.auditor.key), accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Screened by <strong>Officer &lt;b&gt;Ng&lt;/b&gt; &amp; Co</strong>');
    expect(page.body).not.toContain('<b>Ng</b>');

    // No holder: the key's name.
    const plain = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: { reference: 'QA13-BY-2', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { destination: 'DE' } } });
    const page2 = await t.app.inject({ method: 'GET', url: `/screenings/${plain.json().id}`, headers: { ...bearer(t.keys.auditor.key), accept: 'text/html' } });
    expect(page2.body).toContain(`Screened by <strong>${t.keys.submitter.name}</strong>`);
  });
});
