/**
 * A CSV line's errors name what the ERP wrote — the column and the physical line — not a JSON pointer
 * into the shipment the rows were assembled into (`/items/1/quantity` is the second item row's
 * `item_quantity`; `/parties/0/name` is the first party's role column).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BadCsvHeader, csvError, readShipments, type BatchLine } from '../../src/services/batch-input.js';
import { ReferenceSet } from '../../src/services/reference-set.js';
import { shipmentFieldErrors } from '../../src/services/input-guards.js';

async function lines(csv: string | Buffer, maxLineBytes = 1 << 20): Promise<BatchLine[]> {
  const out: BatchLine[] = [];
  const check = (input: Parameters<typeof shipmentFieldErrors>[0]) => shipmentFieldErrors(input, '2026-12-01');
  for await (const l of readShipments(Readable.from([Buffer.isBuffer(csv) ? csv : Buffer.from(csv)]), 'csv', { maxLineBytes, maxBytes: Infinity, check })) out.push(l);
  return out;
}
const summary = (out: BatchLine[]) => out.map((l) => [l.lineNo, l.reference, 'errors' in l ? 'invalid' : 'ok']);
const errorsOf = (l: BatchLine | undefined) => (l && 'errors' in l ? l.errors : []);

describe('CSV line errors', () => {
  it('point at the column and line of the item, party, permit or shipment field at fault', async () => {
    const csv = [
      'reference,ship_date,route_destination,item_model,item_quantity,item_hs_code,buyer_name,buyer_country,end_user_name,end_user_country,permit_type,permit_number',
      'SO-1,2026-11-30,DE,NVIDIA L4,2,,Example GmbH,DE,,,,',
      'SO-1,,,NVIDIA L4,0,,,,,,,', // a quantity of 0 on the group's second row (line 3)
      'SO-2,2026-11-30,DE,NVIDIA L4,1,,Example GmbH,DE,@SUM(A1),DE,,', // the end user's name leads with a formula character
      'SO-3,1999-12-31,DE,NVIDIA L4,1,,Example GmbH,DE,,,,', // outside the ship-date range
      'SO-4,2026-11-30,DE,NVIDIA L4,1,,Example GmbH,DE,,,,',
      'SO-4,,,,,,,,,,LVS,' + 'x'.repeat(200), // the permit's number is too long (second row: line 7)
    ].join('\n');
    const out = await lines(csv);
    expect(out.map((l) => l.lineNo)).toEqual([2, 4, 5, 6]);
    expect(errorsOf(out[0])).toEqual([expect.objectContaining({ field: 'item_quantity', line: 3 })]);
    expect(errorsOf(out[1])).toEqual([expect.objectContaining({ field: 'end_user_name', message: expect.stringMatching(/formula/) })]);
    expect(errorsOf(out[2])).toEqual([expect.objectContaining({ field: 'ship_date' })]);
    expect(errorsOf(out[3])).toEqual([expect.objectContaining({ field: 'permit_number', line: 7 })]);
    // NDJSON keeps its JSON pointers: they name the field of what the ERP sent.
    const nd: BatchLine[] = [];
    for await (const l of readShipments(Readable.from([Buffer.from('{"reference":"J-1","route":{"destination":"DE"},"items":[{"model":"NVIDIA L4","quantity":0}]}\n')]), 'ndjson', { maxLineBytes: 1 << 20, maxBytes: Infinity, check: () => [] }))
      nd.push(l);
    expect(errorsOf(nd[0])[0]).toMatchObject({ field: '/items/0/quantity' });
  });

  it('maps every pointer the shipment schema can name, keeping the ones with no column', () => {
    const at = { items: [10, 12], permits: [11], parties: [{ role: 'payer', name: 'X' }] as never };
    const map = (field: string) => csvError({ field, message: 'm' }, at);
    expect(map('/items/1/unitPriceUsd')).toEqual({ field: 'item_unit_price_usd', message: 'm', line: 12 });
    expect(map('/items/0')).toEqual({ field: 'item_model', message: 'm', line: 10 });
    expect(map('/parties/0/incorporatedOn')).toEqual({ field: 'payer_incorporated_on', message: 'm' });
    expect(map('/parties/0/headquartersCountry')).toEqual({ field: 'payer_headquarters_country', message: 'm' });
    expect(map('/permits/0/type')).toEqual({ field: 'permit_type', message: 'm', line: 11 });
    expect(map('/route/via/3')).toEqual({ field: 'route_via', message: 'm' });
    expect(map('/route/destination')).toEqual({ field: 'route_destination', message: 'm' });
    expect(map('/payment/country')).toEqual({ field: 'payment_country', message: 'm' });
    expect(map('/servicesDeclined')).toEqual({ field: 'services_declined', message: 'm' });
    expect(map('/')).toEqual({ field: '/', message: 'm' });
  });
});

describe('CSV rows that cannot be read never leave the rest of their shipment to be screened alone', () => {
  const head = 'reference,route_destination,item_model,item_eccn,item_quantity,buyer_name,buyer_country,end_use';
  const rail = (ref: string) => `${ref},AE,Rack rails,EAR99,1,Zulu Cloud FZE,AE,cloud hosting`;
  const h100 = (ref: string) => `${ref},AE,NVIDIA H100 SXM5 80GB,,500,Zulu Cloud FZE,AE,cloud hosting`;

  it('a row short of a cell, with a stray quote or too long refuses its whole shipment, named at its first line', async () => {
    const csv = [head, rail('SO-Z1'), h100('SO-Z1'), rail('SO-Z2'), h100('SO-Z2').replace(/,cloud hosting$/, ''), rail('SO-Z3'), h100('SO-Z3').replace('Zulu Cloud FZE', 'Zulu "Cloud" FZE'), rail('SO-Z4'), `${h100('SO-Z4')}${'x'.repeat(300)}`].join('\n');
    const out = await lines(csv, 200);
    expect(summary(out)).toEqual([
      [2, 'SO-Z1', 'ok'],
      [4, 'SO-Z2', 'invalid'],
      [6, 'SO-Z3', 'invalid'],
      [8, 'SO-Z4', 'invalid'],
    ]);
    expect(errorsOf(out[1])).toEqual([{ field: '/', message: 'has 7 fields; the header has 8', line: 5 }]);
    expect(errorsOf(out[2])).toEqual([expect.objectContaining({ line: 7, message: expect.stringMatching(/malformed CSV/) })]);
    expect(errorsOf(out[3])).toEqual([expect.objectContaining({ line: 9, message: expect.stringMatching(/longer than 200 bytes/) })]);
  });

  it('invalid UTF-8 in a row refuses its shipment; in the reference itself, the shipments on both sides', async () => {
    const bytes = (s: string) => Buffer.from(s);
    const csv = Buffer.concat([
      bytes(`${head}\n${rail('SO-1')}\n`),
      bytes('SO-1,AE,NVIDIA H100 SXM5 80GB,,500,Z'), Buffer.from([0xc3, 0x28]), bytes(' FZE,AE,x\n'), // line 3: the name's bytes are broken
      bytes(`${rail('SO-2')}\n`),
      bytes('SO-'), Buffer.from([0xff]), bytes(',AE,NVIDIA H100 SXM5 80GB,,500,Zulu Cloud FZE,AE,x\n'), // line 5: whose row?
      bytes(`${rail('SO-3')}\n${rail('SO-4')}\n`),
    ]);
    const out = await lines(csv);
    expect(summary(out)).toEqual([
      [2, 'SO-1', 'invalid'],
      [5, null, 'invalid'],
      [4, 'SO-2', 'invalid'],
      [6, 'SO-3', 'invalid'],
      [7, 'SO-4', 'ok'],
    ]);
    expect(errorsOf(out[0])).toEqual([{ field: '/', message: 'not valid UTF-8', line: 3 }]);
    for (const l of [out[2], out[3]]) expect(errorsOf(l)).toEqual([expect.objectContaining({ line: 5, message: expect.stringMatching(/^line 5 cannot be read and may be one of this shipment's rows: not valid UTF-8/) })]);
  });

  it('a row with no reference refuses the shipments around it', async () => {
    const out = await lines([head, rail('SO-1'), h100('').replace(/^/, ''), rail('SO-2'), rail('SO-3')].join('\n'));
    expect(summary(out)).toEqual([
      [3, null, 'invalid'],
      [2, 'SO-1', 'invalid'],
      [4, 'SO-2', 'invalid'],
      [5, 'SO-3', 'ok'],
    ]);
  });

  it('a reference seen again after other shipments refuses the later rows, naming the rule', async () => {
    const out = await lines([head, rail('SO-A'), rail('SO-B'), h100('SO-A'), rail('SO-C')].join('\n'));
    expect(summary(out)).toEqual([
      [2, 'SO-A', 'ok'],
      [3, 'SO-B', 'ok'],
      [4, 'SO-A', 'invalid'],
      [5, 'SO-C', 'ok'],
    ]);
    expect(errorsOf(out[2])).toEqual([expect.objectContaining({ field: 'reference', line: 4, message: expect.stringMatching(/must be adjacent/) })]);
  });

  it('a file with carriage-return-only line endings gets a short answer, and unknown columns are capped', async () => {
    const cr = [head, ...Array.from({ length: 2000 }, (_, i) => rail(`CR-${i} Secret Customer`))].join('\r');
    const err = await lines(cr).catch((e: Error) => e);
    expect(err).toBeInstanceOf(BadCsvHeader);
    expect((err as Error).message).toMatch(/carriage return only/);
    const wide = await lines(`reference,route_destination,item_quantity,${Array.from({ length: 50 }, (_, i) => `col${i}${'y'.repeat(60)}`).join(',')}\nX,DE,1${',z'.repeat(50)}`).catch((e: Error) => e);
    expect((wide as Error).message).toMatch(/and 45 more/);
    expect((wide as Error).message.length).toBeLessThan(400);
  });

  it('the set of closed references holds its references in typed arrays and never forgets one', () => {
    const set = new ReferenceSet();
    let firstTime = 0;
    for (let i = 0; i < 200_000; i++) if (!set.add(`SO-${i}`)) firstTime++;
    let again = 0;
    for (let i = 0; i < 200_000; i += 7) if (set.add(`SO-${i}`)) again++;
    expect([firstTime, again]).toEqual([200_000, Math.ceil(200_000 / 7)]);
    expect(set.size).toBe(200_000);
  });
});
