/**
 * The fault classes of issue #14, each with twins that must stay as they are, on a small list made
 * here so every case says exactly what it rests on.
 */
import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../../src/lists/types.js';
import { buildMatcher } from '../../src/matching/matcher.js';
import { genericByCompanions } from '../../src/matching/name-index.js';
import { tokenize } from '../../src/matching/normalize.js';
import { phoneticKey } from '../../src/matching/phonetic.js';

const base = { type: null, addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null };
let n = 0;
const entry = (name: string, countries: string[], extra: Partial<ListEntry> = {}): ListEntry => ({ ...base, id: `e${++n}`, list: 'EL', source: 'EL', name, altNames: [], countries, ...extra });

/** Invented words that share nothing: the rare companions a generic word keeps. */
const invented = (i: number): string => `Q${'bcdfghjklmnpqrstvwxz'[i % 20]}${'aeiou'[Math.floor(i / 20) % 5]}r${'aeiou'[i % 5]}${'nmtks'[Math.floor(i / 5) % 5]}`;

const entries: ListEntry[] = [
  entry('Anhui Kehua Trading Co., Ltd.', ['CN']),
  entry('Paya Electronics Complex Sdn. Bhd.', ['IR']),
  entry('Huawei Technologies Co., Ltd.', ['CN']),
  entry('Gillardian, Farshid', ['GB'], { type: 'Individual' }),
  entry('Vectura Trans DOO', ['RS']),
  entry('Corb Instruments', ['RU']),
  entry('Zorsecurity', ['RU']),
  entry('JSC NEC', ['RU']),
  entry('DELTA', ['RU']),
  entry('Vostok Electronics Trading Systems', ['RU']),
  // "Delta" heads eight unrelated listed names: on its own it names none of them.
  ...Array.from({ length: 8 }, (_, i) => entry(`Delta ${invented(100 + i)} Company`, [['IR', 'SY', 'CN', 'KP', 'BY', 'VE', 'CU', 'PK'][i]!])),
  // "Zavod" (Russian "plant") stands beside 35 different rare words: the list shows it is an industry word.
  ...Array.from({ length: 35 }, (_, i) => entry(`Zavod ${invented(i)}`, ['RU'])),
];
const m = buildMatcher(entries, { cacheSize: 0 });
const best = (name: string, country?: string) => m.search({ name, country })[0];
const matches = (name: string, country?: string) => m.search({ name, country }).filter((c) => c.match).map((c) => c.entry.name);

describe('a misspelt legal form is still a legal form', () => {
  it.each([
    'Anhui Kehua Trading Co Ltdd', 'Anhui Kehua Trading Co Lt', 'Anhui Kehua Trading Cp Ltd', 'Anhui Kehua Trading Comapny Limited',
    'Anhui Kehua Trading Co Ldt', 'Anhui Kehua Trading Co., Limted', 'Paya Electronics Complex Sdn Bhdd', 'Paya Electronics Complex Sdn Bh',
    'Paya Electronics Complex Snd Bhd', 'Huawei Technologies Co Ltd.', 'Huawei Technologies GmbHH', 'Huawei Technologies LLLC', 'Huawei Technologies nIc.',
  ])('"%s" matches', (q) => {
    expect(matches(q)).toContain(q.startsWith('Anhui') ? 'Anhui Kehua Trading Co., Ltd.' : q.startsWith('Paya') ? 'Paya Electronics Complex Sdn. Bhd.' : 'Huawei Technologies Co., Ltd.');
  });

  it('twins: the well-spelt name scores as before, and a listed word one letter from a legal form stays a word', () => {
    expect(best('Anhui Kehua Trading Co., Ltd.', 'CN')).toMatchObject({ score: 1, match: true });
    // "Corb" is one letter from "Corp": were it taken for one, only the generic "Instruments" would be left.
    expect(matches('Corb Instruments Ltd')).toEqual(['Corb Instruments']);
    expect(matches('Corb Instruments')).toEqual(['Corb Instruments']);
  });
});

describe('a misplaced space', () => {
  it.each(['AnhuiKehua Trading Co Ltd', 'Anhui Ke hua Trading Co Ltd', 'Anhui Kehua TradingCo Ltd', 'Anhui Kehua Trading CoLtd', 'Anhui KehuaTrading Co., Ltd.'])(
    '"%s" matches',
    (q) => {
      expect(matches(q, 'CN')).toContain('Anhui Kehua Trading Co., Ltd.');
    },
  );

  it('twin: a word ending in the letters of a legal form is not cut there ("Tras" is not "Tr" + "AS")', () => {
    expect(matches('vectura tras doo', 'RS')).toEqual(['Vectura Trans DOO']);
    expect(tokenize('Vectura Trans DOO').map((t) => t.kind)).toEqual(['word', 'word', 'legal']);
  });
});

describe('a distinctive word spelt as it sounds', () => {
  it('has one key for the spellings of one sound', () => {
    expect(phoneticKey('huaway')).toBe(phoneticKey('huawei'));
    expect(phoneticKey('pharshid')).toBe(phoneticKey('farshid'));
    expect(phoneticKey('zorsekurity')).toBe(phoneticKey('zorsecurity'));
    expect(phoneticKey('gilardian')).toBe(phoneticKey('gillardian'));
    expect(phoneticKey('abc')).toBe('');
  });

  it.each([
    ['Huaway Technologies', 'Huawei Technologies Co., Ltd.'],
    ['Pharshid Gillardian', 'Gillardian, Farshid'],
    ['Pharshid Gilardian', 'Gillardian, Farshid'],
    ['Zorsekkurity', 'Zorsecurity'],
  ])('"%s" matches %s', (q, listed) => {
    expect(matches(q)).toContain(listed);
  });

  it('twins: a word that sounds different does not', () => {
    expect(matches('Hualong Technologies')).toEqual([]);
    expect(matches('Farhad Gillespie')).toEqual([]);
  });
});

describe('a longer name that shares one short or common word with a listed name', () => {
  it('is at most a possible match, explained, when the country differs', () => {
    const r = best('Delta Electronics Co., Ltd.', 'US')!;
    expect(r).toMatchObject({ match: false, entry: { name: 'DELTA' } });
    expect(r.score).toBeGreaterThanOrEqual(m.minScore);
    expect(r.explanation.pieces.map((p) => p.name)).toContain('weak_overlap');
    expect(best('NEC Corporation', 'JP')).toMatchObject({ match: false, entry: { name: 'JSC NEC' } });
  });

  it('is at most a possible match when the query names something more, whatever the country', () => {
    expect(matches('Delta Qorbex Electronics Co., Ltd.', 'RU')).toEqual([]);
    expect(matches('NEC Qorbex Ltd', 'RU')).toEqual([]);
  });

  it('twins: the same names in the listed country, and a distinctive word anywhere, still match', () => {
    expect(matches('Delta LLC', 'RU')).toContain('DELTA');
    expect(matches('NEC JSC', 'RU')).toContain('JSC NEC');
    expect(matches('Zorsecurity Ltd', 'US')).toEqual(['Zorsecurity']);
  });
});

describe('names that share only industry words', () => {
  it('do not match, with industry words found in the list itself', () => {
    expect(matches('Kalinka Electronics Trading Systems Logistics International Ltd', 'RU')).toEqual([]);
    expect(matches(`Zavod Kalinka`, 'RU')).toEqual([]);
  });

  it('generic-ness comes from the data: "Zavod" beside 35 rare words is generic, beside 5 it is not', () => {
    const kindsOf = (names: string[]) => {
      const lists = names.map((x) => tokenize(x));
      const kinds = new Map<string, string>();
      const entriesOf = new Map<string, Set<number>>();
      lists.forEach((toks, i) => toks.forEach((t) => (kinds.set(t.canon, t.kind), entriesOf.set(t.canon, (entriesOf.get(t.canon) ?? new Set()).add(i)))));
      return genericByCompanions(lists, kinds, entriesOf);
    };
    expect(kindsOf(Array.from({ length: 35 }, (_, i) => `Zavod ${invented(i)}`))).toContain('zavod');
    expect(kindsOf(Array.from({ length: 5 }, (_, i) => `Zavod ${invented(i)}`))).not.toContain('zavod');
    // One organisation's name on its many affiliates, most named after each other ("Gazprom Neft
    // Omsk"), a few with a rare word: many companions, but few for so many entries.
    const affiliates = Array.from({ length: 100 }, (_, i) =>
      i < 35 ? `Gazprom ${invented(i)}` : `Gazprom ${['Neft', 'Export', 'Invest', 'Transgaz'][i % 4]} ${['Ufa', 'Tomsk', 'Omsk', 'Samara', 'Kazan'][i % 5]}`,
    );
    expect(kindsOf(affiliates)).not.toContain('gazprom');
  });

  it('twin: the same industry words with the distinctive word in common match', () => {
    expect(matches('Vostok Electronics Trading Systems Ltd', 'RU')).toEqual(['Vostok Electronics Trading Systems']);
    expect(matches(`Zavod ${invented(3)}`, 'RU')).toEqual([`Zavod ${invented(3)}`]);
  });
});

describe('a space misplaced inside or between words of any kind, found by the list vocabulary', () => {
  const runs = buildMatcher(
    [
      entry('AVIC Leihua Electronic Technology Research Institute', ['CN']),
      entry('Ministry of Interior', ['CU']),
      entry('Pacific Charm Holdings Investment Limited', ['HK']),
      entry('Realtek Semi-Conductor Co. Ltd', ['TW'], { list: 'DPL' }),
      entry('Namchongang Trading Corp.', ['KP']),
      entry('Hong Pang Mining Company Limited', ['HK']),
      entry('Gang Ho Holdings', ['HK']),
      entry('Yidatong Metal Materials Co., Ltd; and any successor, sub-unit, or subsidiary thereof', ['CN']),
      entry('Digicom Systems', ['AE']),
      entry('Orion Star Shipping', ['IR']),
      ...Array.from({ length: 6 }, (_, i) => entry(`${invented(40 + i)} Electronic Technology Research Institute`, ['CN'])),
    ],
    { cacheSize: 0 },
  );
  const hits = (name: string, country?: string) => runs.search({ name, country }).filter((c) => c.match).map((c) => c.entry.name);

  it.each([
    // A word run together from two listed words, generic ones included: read as those two words.
    ['AVIC Leihua ElectronicTechnology Research Institute', 'AVIC Leihua Electronic Technology Research Institute'],
    ['PACIFIC CHARM HOLDINGSINVESTMENT LIMITED', 'Pacific Charm Holdings Investment Limited'],
    // Two words whose join, as written, is a listed word ("int" alone reads "international").
    ['MINISTRY OF INT ERIOR', 'Ministry of Interior'],
    // A listed word split by the list ("Semi-Conductor") against the query's one word.
    ['Realtek Semiconductor Corp.', 'Realtek Semi-Conductor Co. Ltd'],
    // A space moved, not lost: "Namc Hongang" joins into the listed "Namchongang" and is not split.
    ['Namc hongang Trading Corporation', 'Namchongang Trading Corp.'],
    // The lists' boilerplate with its spaces lost is still boilerplate.
    ['Yidatong Metal Materials Co., Ltd; and anysuccessor, subunit, or subsidiarythereof', 'Yidatong Metal Materials Co., Ltd; and any successor, sub-unit, or subsidiary thereof'],
  ])('"%s" matches %s', (q, listed) => {
    expect(hits(q)).toContain(listed);
  });

  it('splits a run-together query word into the two listed words, each at the join similarity', () => {
    const r = runs.search({ name: 'AVIC Leihua ElectronicTechnology Research Institute' })[0]!;
    expect(r.explanation.matchedTokens).toEqual(expect.arrayContaining(['electronics', 'technology']));
    expect(r.score).toBeLessThan(1);
    expect(r.score).toBeGreaterThan(0.9);
  });

  it('twins: run-together generic words do not make a match of their own', () => {
    // The halves are industry words: only the distinctive word can carry a match, and it differs.
    expect(hits('Zephyrion ElectronicTechnology Research Institute', 'CN')).toEqual([]);
    // "Int Exterior" does not join into a listed word: only "Ministry" in common.
    expect(hits('Ministry of Int Exterior', 'CU')).toEqual([]);
    expect(hits('Ministry of Interior', 'CU')).toEqual(['Ministry of Interior']);
  });

  it('twins: a half matches exactly or not at all, and a typo of a listed word is not cut in two', () => {
    // "Hongang" would be "Hon" + "Gang": "Hon" is only a typo of "Hong", two approximations do not stack.
    expect(hits('Hongang Mining Company Limited', 'HK')).toEqual([]);
    // "Digicon" is one letter from "Digicom", so it is not read as "Digi" + "Con"; "Orionstar" is "Orion" + "Star".
    expect(tokenize('Digicon')).toHaveLength(1);
    expect(hits('Digicon Systems', 'AE')).toEqual(['Digicom Systems']);
    expect(hits('OrionStar Shipping', 'IR')).toEqual(['Orion Star Shipping']);
    expect(hits('Orion Shipping Star', 'IR')).toEqual(['Orion Star Shipping']);
    expect(hits('Oriontar Shipping', 'IR')).toEqual([]);
  });
});
