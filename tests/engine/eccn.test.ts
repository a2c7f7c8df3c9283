/** ECCN normalisation (issue #14): typing variants read the same; unreadable ones are a 400 naming the field. */
import { describe, expect, it } from 'vitest';
import { normaliseItems, normaliseShipment } from '../../src/rules/index.js';
import { eccnCovers, parseEccn } from '../../src/rules/eccn.js';
import { fixtureRuleset } from './fixtures.js';

describe('parseEccn', () => {
  it.each([
    ['3a090a', '3A090.a'], ['3A090.A', '3A090.a'], ['3A090(a)', '3A090.a'], [' 3 A 090 . a ', '3A090.a'], ['4A090.a.1', '4A090.a.1'],
    ['4a090a1', '4A090.a.1'], ['3A090', '3A090'], ['5a992z', '5A992.z'], ['3A001.Z.2', '3A001.z.2'], ['ear99', 'EAR99'], ['EAR 99', 'EAR99'],
    ['N/A', null], ['', null], ['-', null], ['tbd', null],
  ])('%s → %s', (raw, want) => {
    expect(parseEccn(raw)).toEqual({ ok: true, eccn: want });
  });

  it.each(['3A09', 'XYZ', '3F090.a', '3A090.ab', '3A090-a?', 'EAR9'])('refuses %s', (raw) => {
    expect(parseEccn(raw).ok).toBe(false);
  });

  it('a rule covers its sub-paragraphs and, conservatively, an item declared without its paragraph', () => {
    expect(eccnCovers('3A090.a', '3A090.a.1')).toBe(true);
    expect(eccnCovers('3A090.a', '3A090')).toBe(true);
    expect(eccnCovers('3A090.a', '3A090.b')).toBe(false);
    expect(eccnCovers('3A090.a', '3A090.ab')).toBe(false);
    expect(eccnCovers('5A992.z.1', '5A992.z')).toBe(true);
    expect(eccnCovers('5A992.z.1', '5A992.c')).toBe(false);
  });
});

describe('normaliseShipment and ECCNs', () => {
  it('an unreadable declared ECCN is a field error naming the item', async () => {
    const rs = await fixtureRuleset();
    const n = normaliseShipment({ reference: 'x', items: [{ model: 'H100', quantity: 1 }, { model: 'Widget', quantity: 1, eccn: '3A09O.a' }], route: { destination: 'AU' } }, rs, '2026-11-28');
    expect(n.ok).toBe(false);
    if (!n.ok) expect(n.errors).toEqual([expect.objectContaining({ path: '/items/1/eccn' })]);
  });

  it('the engine sees the canonical form', async () => {
    const rs = await fixtureRuleset();
    const n = normaliseShipment({ reference: 'x', items: [{ model: 'Widget', quantity: 1, eccn: '4a090a1' }], route: { destination: 'AU' } }, rs, '2026-11-28');
    expect(n.ok && n.shipment.items[0]!.eccn).toBe('4A090.a.1');
  });

  it('classification reads the same canonical form (POST /v1/classify uses normaliseItems)', async () => {
    const rs = await fixtureRuleset();
    const n = normaliseItems([{ model: 'Widget', quantity: 1, eccn: '3a090.B' }, { model: 'Widget', quantity: 1, eccn: 'garbage' }], rs);
    expect(n.items[0]!.eccn).toBe('3A090.b');
    expect(n.errors.map((e) => e.path)).toEqual(['/items/1/eccn']);
  });
});
