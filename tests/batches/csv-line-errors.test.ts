/**
 * A CSV line's errors name what the ERP wrote — the column and the physical line — not a JSON pointer
 * into the shipment the rows were assembled into (`/items/1/quantity` is the second item row's
 * `item_quantity`; `/parties/0/name` is the first party's role column).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvError, readShipments, type BatchLine } from '../../src/services/batch-input.js';
import { shipmentFieldErrors } from '../../src/services/input-guards.js';

async function lines(csv: string): Promise<BatchLine[]> {
  const out: BatchLine[] = [];
  const check = (input: Parameters<typeof shipmentFieldErrors>[0]) => shipmentFieldErrors(input, '2026-12-01');
  for await (const l of readShipments(Readable.from([Buffer.from(csv)]), 'csv', { maxLineBytes: 1 << 20, maxBytes: Infinity, check })) out.push(l);
  return out;
}
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
