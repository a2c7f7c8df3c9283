/**
 * Short words agreeing only approximately (QA: "Lite Co" / "Late Co" / "Lute GmbH" BLOCKed as the
 * SDN alias "LTTE"; "Mate GmbH" as the individual nicknamed "MATE"). A listed word under six
 * letters written with one of its letters changed or missing is most often another ordinary word or
 * acronym: at most a possible match for review, and nothing when the rest of the query (a legal
 * form) says nothing. Exact short names, letters added or swapped, sound-alikes and typos in long
 * words keep matching. On a small list made here so every case says what it rests on.
 */
import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../../src/lists/types.js';
import { buildMatcher } from '../../src/matching/matcher.js';
import { identifyingSimilarity, MIN_EVIDENCE_SIMILARITY, tokenSimilarity } from '../../src/matching/score.js';

const base = { type: 'Entity', addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null };
let n = 0;
const entry = (list: string, name: string, altNames: string[], countries: string[], extra: Partial<ListEntry> = {}): ListEntry => ({
  ...base, id: `s${++n}`, list, source: list, name, altNames, countries, ...extra,
});

const entries: ListEntry[] = [
  entry('SDN', 'LIBERATION TIGERS OF TAMIL EELAM', ['LTTE', 'TAMIL TIGERS', 'ELLALAN FORCE'], []),
  entry('SDN', 'LALOVIC, Dragan', ['MATE'], [], { type: 'Individual' }),
  entry('SDN', 'HAMAS', ['ISLAMIC RESISTANCE MOVEMENT'], []),
  entry('ISN', 'Pishro Systems Research Company', ['ASRC', 'CRAS'], ['IR']),
  entry('EL', 'KORA', [], ['RU']),
  entry('EL', 'Paya Electronics Complex', [], ['IR']),
  entry('EL', 'Sugon', ['Dawning Information Industry'], ['CN']),
  entry('EL', 'Jumbo High Limited', [], ['KH']),
  entry('EL', 'Hikvision Digital Technology', [], ['CN']),
  entry('EL', 'Milen Trading Co., Limited', [], ['CN']),
  entry('EL', 'Shenzhen Speed Industrial Materials Co., Ltd.', [], ['CN']),
  // Filler so that the words above are rare, as on the real list.
  ...Array.from({ length: 40 }, (_, i) => entry('EL', `Filler ${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}qz Trading Co., Ltd.`, [], ['CN'])),
];
const m = buildMatcher(entries, { cacheSize: 0 });
const REVIEW = 0.75;
const hit = (name: string, country: string | undefined, entryName: string) => m.search({ name, country }).find((c) => c.entry.name === entryName);

describe('a short listed word with a letter changed or lost is no evidence', () => {
  it.each([
    ['Lite Co', 'DE', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Late Co', 'DE', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Lute GmbH', 'DE', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Late Co', undefined, 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['LTTA Ltd', 'DE', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Cray Inc.', 'US', 'Pishro Systems Research Company'],
    ['Haas GmbH', 'DE', 'HAMAS'],
    ['Hames Ltd', 'GB', 'HAMAS'],
    ['Kore Ltd', 'RU', 'KORA'],
    ['Kara Co', 'RU', 'KORA'],
    ['Mage GmbH', 'DE', 'LALOVIC, Dragan'],
    ['Lite', 'DE', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Kore', 'RU', 'KORA'],
    // Words the listed name lacks are no support either.
    ['Kara Trading Co', 'RU', 'KORA'],
  ])('"%s" (%s) is no match for %s, nor a possible one: nothing but a legal form besides', (name, country, entryName) => {
    const c = hit(name, country, entryName);
    expect(c?.match ?? false).toBe(false);
    expect(c?.score ?? 0).toBeLessThan(REVIEW);
  });

  it.each([
    ['Mile Trading Co., Limited', 'CN', 'Milen Trading Co., Limited'],
    ['Shenzhen Seed Industrial Materials Co., Ltd.', 'CN', 'Shenzhen Speed Industrial Materials Co., Ltd.'],
  ])('"%s" (%s) with more in common is at most a possible match for %s', (name, country, entryName) => {
    const c = hit(name, country, entryName)!;
    expect(c.match).toBe(false);
    expect(c.score).toBeGreaterThanOrEqual(REVIEW);
    expect(c.explanation.pieces.map((p) => p.name)).toContain('approximate_short');
    expect(c.explanation.summary).toContain('only a short word in common, approximately');
  });

  it('"Mate GmbH" names a company: the individual nicknamed "MATE" is a possible match, not a match', () => {
    const c = hit('Mate GmbH', 'DE', 'LALOVIC, Dragan')!;
    expect(c).toMatchObject({ match: false });
    expect(c.score).toBeGreaterThanOrEqual(REVIEW);
    expect(c.explanation.pieces.map((p) => p.name)).toContain('weak_overlap');
    // … as does a longer company name holding a listed four-letter word.
    expect(hit('Kora Solar Panels', 'DE', 'KORA')?.match ?? false).toBe(false);
  });

  it('the index gives what an exhaustive comparison gives', () => {
    for (const name of ['Lite Co', 'Late Co', 'Lute GmbH', 'Cray Inc.', 'Haas GmbH', 'Mate GmbH', 'Paja Electronics', 'Sougon', 'LTTE']) {
      const a = m.search({ name, country: 'DE' }).map((c) => [c.entry.id, c.score]);
      const b = m.searchExhaustive({ name, country: 'DE' }).map((c) => [c.entry.id, c.score]);
      expect(a).toEqual(b);
    }
  });
});

describe('twins that must still match', () => {
  it.each([
    ['LTTE', undefined, 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['LTTE', 'DE', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['L.T.T.E.', 'LK', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Tamil Tigers', 'LK', 'LIBERATION TIGERS OF TAMIL EELAM'],
    ['Mate', 'DE', 'LALOVIC, Dragan'],
    ['Hamas', undefined, 'HAMAS'],
    ['CRAS', 'IR', 'Pishro Systems Research Company'],
    ['Kora Ltd', 'RU', 'KORA'],
    ['KORA', 'DE', 'KORA'],
  ])('the exact short name "%s" (%s) matches %s', (name, country, entryName) => {
    expect(hit(name, country, entryName)).toMatchObject({ match: true });
  });

  it.each([
    // A letter added or two swapped keep every letter of the listed word.
    ['Sougon', 'CN', 'Sugon'],
    ['Jmubo High Limited', 'KH', 'Jumbo High Limited'],
    ['Hamass', undefined, 'HAMAS'],
    // Alike in sound.
    ['Hamaz', undefined, 'HAMAS'],
    // Another distinctive word, exact, carries the name.
    ['Paja Electronics Complex', 'IR', 'Paya Electronics Complex'],
    // Typos in long words.
    ['Hikvsion Digital Technology', 'CN', 'Hikvision Digital Technology'],
    ['Hikvision Digtal Technology', 'CN', 'Hikvision Digital Technology'],
    ['Dawnin Information Industry', 'CN', 'Sugon'],
  ])('"%s" (%s) matches %s', (name, country, entryName) => {
    expect(hit(name, country, entryName)).toMatchObject({ match: true });
  });
});

describe('identifyingSimilarity', () => {
  it.each([
    ['lite', 'ltte', 0.75],
    ['ltte', 'lite', 0.75],
    ['cray', 'cras', 0.75],
    ['haas', 'hamas', 0.8],
    ['hames', 'hamas', 0.8],
    ['lte', 'ltte', 0.75],
    // A letter added or two swapped: as tokenSimilarity.
    ['hamass', 'hamas', 0.9],
    ['ltet', 'ltte', 0.88],
    ['sougon', 'sugon', 0.9],
    // Six letters and more: as tokenSimilarity.
    ['hikvsion', 'hikvision', 0.93],
    ['digtal', 'digital', 0.9],
    ['sophgo', 'sopgo', 0.9],
    ['ltte', 'ltte', 1],
    ['lite', 'lxxe', 0],
  ])('%s against the listed %s = %s', (a, b, s) => {
    expect(identifyingSimilarity(a, b)).toBe(s);
  });

  it('a letter changed or lost in a word under six letters is below the evidence level; anything else is not', () => {
    for (const [a, b] of [['lite', 'ltte'], ['mage', 'mate'], ['haas', 'hamas'], ['kore', 'kora']] as const) expect(identifyingSimilarity(a, b)).toBeLessThan(MIN_EVIDENCE_SIMILARITY);
    for (const [a, b] of [['ltet', 'ltte'], ['hamass', 'hamas'], ['hikvsion', 'hikvision']] as const) expect(identifyingSimilarity(a, b)).toBeGreaterThanOrEqual(MIN_EVIDENCE_SIMILARITY);
    // Generic words and places keep the plain similarity (they identify no one anyway).
    expect(tokenSimilarity('tcust', 'trust')).toBe(0.9);
  });
});
