/**
 * QA17: the three limits QA16 left, and what a probe of 108 unseen names of listed parties and 122 clean look-alikes
 * (`qa17-probe-names.ts`) found, on the shipped CSL (2026-07-31):
 * - a short or common word in common plus an industry word the listed name lacks ("Alfa Trade LLC" / "LLC ALFA",
 *   "Avangard Service OOO" / "JSC AVANGARD") was a match: now a possible match (weak_overlap);
 * - patronymics weighed as surnames: "Victor Zhidkov" / "ZHIDKOV, Viktor Olegovich" was a possible match only, and
 *   a given name + patronymic alone matched 582 listed Russians and Belarusians outright;
 * - "Kh" written "H" was a typo, not a sound ("Tohtahunov" found nothing, "al-Hatib" was a possible match);
 * - two forms of one industry word ("Industries" / "Industrial") or "Hi-Tech" / "High-Tech" counted as a swapped
 *   industry word; a person's trailing initial ("Tatiana V") was read as the legal form "Ve", making her a company.
 * Each with the twins that must keep matching.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseListBytes } from '../../src/lists/import.js';
import type { ListEntry } from '../../src/lists/types.js';
import { buildMatcher, type IndexedPartyMatcher } from '../../src/matching/matcher.js';
import { patronymics } from '../../src/matching/name-index.js';
import { phoneticKeys } from '../../src/matching/phonetic.js';
import { sameStem } from '../../src/matching/score.js';
import { CLEAN, LISTED } from './qa17-probe-names.js';

const root = join(import.meta.dirname, '..', '..');
const REVIEW = 0.75;
let m: IndexedPartyMatcher;

beforeAll(() => {
  const entries = parseListBytes(readFileSync(join(root, 'rules/lists/consolidated-2026-07-31.csv.gz')), 'consolidated-2026-07-31.csv').entries;
  m = buildMatcher(entries, { cacheSize: 0 });
}, 60_000);

const find = (name: string, country: string | undefined, entryName: string) => m.search({ name, country, limit: 10 }).find((c) => c.entry.name === entryName);
const pieces = (c: { explanation: { pieces: Array<{ name: string }> } }) => c.explanation.pieces.map((p) => p.name);

describe('a short or common word in common and a word the listed name lacks is a lead, not a match', () => {
  it.each([
    ['Alfa Trade LLC', 'RU', 'ALFA LIMITED LIABILITY COMPANY'], // alias "LLC ALFA"
    ['Avangard Service OOO', 'RU', 'JOINT STOCK COMPANY AVANGARD'],
    ['Progress Electronics LLC', 'RU', 'JOINT STOCK COMPANY PROGRESS ARSENYEV AVIATION COMPANY'], // alias "PROGRESS AO"
    ['Zvezda Trading LLC', 'RU', 'PAO ZVEZDA'],
    ['Start Electronics LLC', 'RU', 'JOINT STOCK COMPANY START'],
  ])('"%s" (%s) is a possible match for %s', (name, country, entryName) => {
    const c = find(name, country, entryName);
    expect(c, 'still a lead for review').toBeDefined();
    expect(c!.match).toBe(false);
    expect(c!.score).toBeGreaterThanOrEqual(REVIEW);
    expect(pieces(c!)).toContain('weak_overlap');
  });

  it('no clean name of the probe that carries an industry word is matched to a listed word + legal form', () => {
    for (const name of ['Alfa Trade LLC', 'Kvant Trading LLC', 'Almaz Logistics LLC', 'Signal Logistics LLC']) {
      expect(m.search({ name, country: 'RU', limit: 10 }).filter((c) => c.match).map((c) => c.matchedName), name).toEqual([]);
    }
  });

  it.each([
    ['Alfa LLC', 'RU', 'ALFA LIMITED LIABILITY COMPANY'],
    ['OOO Alfa', 'RU', 'ALFA LIMITED LIABILITY COMPANY'],
    ['Alfa-Bank JSC', 'RU', 'JOINT STOCK COMPANY ALFA-BANK'],
    ['Avangard JSC', 'RU', 'JOINT STOCK COMPANY AVANGARD'],
    ['Kvant LLC', 'RU', 'SP Kvant'],
    ['Huawei Technologies Co Ltd', 'CN', 'Huawei Technologies Co., Ltd.'],
  ])('twins: "%s" (%s), the listed name exactly, still matches %s', (name, country, entryName) => {
    expect(find(name, country, entryName)?.match, name).toBe(true);
  });

  it('on a small list: "Sky Tech Ltd" is not the listed "SKY LTD", "Sky Ltd" / "Sky Limited" are it', () => {
    const base = { type: 'Entity', addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null };
    const entry = (name: string, i: number): ListEntry => ({ ...base, id: `qa17-${i}`, list: 'SDN', source: 'SDN', name, altNames: [], countries: ['AE'] }) as ListEntry;
    const small = buildMatcher(['SKY LTD', 'Paya Electronics Complex', ...Array.from({ length: 12 }, (_, i) => `Filler${i} Trading Co., Ltd.`)].map(entry), { cacheSize: 0 });
    const sky = (name: string) => small.search({ name, country: 'AE' }).find((c) => c.entry.name === 'SKY LTD');
    expect(sky('Sky Tech Ltd')?.match ?? false).toBe(false);
    expect(sky('Sky Ltd')?.match).toBe(true);
    expect(sky('Sky Limited')?.match).toBe(true);
  });
});

describe('a patronymic weighs as a given name, not as a surname', () => {
  it('"Victor Zhidkov" (RU) matches ZHIDKOV, Viktor Olegovich: the surname and the given name, the patronymic dropped', () => {
    expect(find('Victor Zhidkov', 'RU', 'ZHIDKOV, Viktor Olegovich')?.match).toBe(true);
  });

  it.each([
    ['Aliaksandr Leanidavich', 'BY', 'ZIMOUSKY, Aliaksandr Leanidavich'],
    ['Viktar Hryhoryavich', 'BY', 'HALAVANAU, Viktar Hryhoryavich'],
    ['Viktor Olegovich', 'RU', 'ZHIDKOV, Viktor Olegovich'],
    ['Viktor Olegovich Tarasov', 'RU', 'ZHIDKOV, Viktor Olegovich'],
  ])('a given name and patronymic without the surname are not the person: "%s" (%s) / %s', (name, country, entryName) => {
    expect(find(name, country, entryName)?.match ?? false).toBe(false);
  });

  it.each([
    ['Viktor Olegovich Zhidkov', 'RU', 'ZHIDKOV, Viktor Olegovich'],
    ['Zhidkov Viktor', 'RU', 'ZHIDKOV, Viktor Olegovich'],
    ['Sergei Vladimirovich Zheleznyak', 'RU', 'ZHELEZNYAK, Sergei Vladimirovich'],
    ['Margarita Simonyan', 'RU', 'SIMONYAN, Margarita Simonovna'],
    ['Gennady Kazakevich', 'BY', 'KAZAKEVICH, Henadz Arkadzievich'], // a surname in -evich stays a surname
    ['Natalya Petkevich', 'BY', 'PIATKEVICH, Natallia Uladzimirauna'],
  ])('twins: "%s" (%s) still matches %s', (name, country, entryName) => {
    expect(find(name, country, entryName)?.match, name).toBe(true);
  });

  it('a different patronymic is still a different name (names_differ)', () => {
    const c = find('Viktor Ivanovich Zhidkov', 'RU', 'ZHIDKOV, Viktor Olegovich');
    expect(c?.match).toBe(false);
    expect(pieces(c!)).toContain('names_differ');
  });

  it('patronymics are read from the list: after a given name, not a surname that ends the same way', () => {
    const ind = (name: string): ListEntry => ({ type: 'Individual', name, altNames: [] }) as unknown as ListEntry;
    const p = patronymics([ind('PETROV, Ivan Abramovich'), ind('ABRAMOVICH, Roman'), ind('ABRAMOVICH, Roman Arkadyevich'), ind('SIDOROVA, Anna Olegovna'), ind('KOZLOV, Ilya Ilyich'), ind('PETKEVICH, Natallia Uladzimirauna')]);
    expect(p.sort()).toEqual(['arkadyevich', 'ilyich', 'olegovna', 'uladzimirauna']);
  });
});

describe('"Kh" and "H" are one sound', () => {
  it.each([
    ['Tohtahunov Alimzhan Tursunovich', 'RU', 'TOKHTAKHUNOV, Alimzhan Tursunovich'], // two letters off: nothing before
    ['Mohammed al-Hatib', undefined, 'Mohammed al-Khatib'],
    ['Mihail Fradkov', 'RU', 'FRADKOV, Mikhail Efimovich'],
    ['Hors Air Company', 'UA', 'Khors Air Company'],
    ['Promtehkomplekt JSC', 'RU', 'Promtekhkomplekt JSC'],
    ['Husein Hutaev', 'RU', 'KHUTAEV, Khusein Merlovich'],
  ])('"%s" (%s) matches %s', (name, country, entryName) => {
    expect(find(name, country, entryName)?.match, name).toBe(true);
  });

  it('the sound keys: kh meets h and k, h and k do not meet each other', () => {
    const meet = (a: string, b: string) => phoneticKeys(a).some((k) => phoneticKeys(b).includes(k));
    expect(meet('khalil', 'halil')).toBe(true);
    expect(meet('mikhail', 'mihail')).toBe(true);
    expect(meet('kharkov', 'harkov')).toBe(true);
    expect(meet('khors', 'kors')).toBe(true);
    expect(meet('halil', 'kalil')).toBe(false);
    expect(meet('hors', 'kors')).toBe(false);
  });

  it('twins: kh written k and kh as listed still match', () => {
    expect(find('Kors Air Company', 'UA', 'Khors Air Company')?.match).toBe(true);
    expect(find('Khors Air Co', 'UA', 'Khors Air Company')?.match).toBe(true);
  });
});

describe('forms of one word are not a swapped industry word; an initial is not a legal form', () => {
  it.each([
    ['Shahid Hemmat Industries Group', 'IR', 'SHAHID HEMMAT INDUSTRIAL GROUP'],
    ['Chengdu Huawei Hi-Tech Investment Co Ltd', 'CN', 'Chengdu Huawei High-Tech Investment Co., Ltd.'],
  ])('"%s" (%s) matches %s', (name, country, entryName) => {
    expect(find(name, country, entryName)?.match, name).toBe(true);
  });

  it('stems: one word in two forms, not two industries that begin alike', () => {
    expect(sameStem('industry', 'industrial')).toBe(true);
    expect(sameStem('engineering', 'engineers')).toBe(true);
    expect(sameStem('electronics', 'electrical')).toBe(false);
    expect(sameStem('petroleum', 'petrochemical')).toBe(false);
  });

  it('twin: a real industry swap is still a lead ("Pinky Logistics" / "Pinky Trading")', () => {
    const c = find('Pinky Logistics Co Ltd', 'HK', 'Pinky Trading Co., Ltd.');
    expect(c?.match).toBe(false);
    expect(pieces(c!)).toContain('industry_word_differs');
  });

  it('"CHERNYH Tatiana V" (RU) is a person: the initial is no legal form, and she matches CHERNYKH, Tatiana V', () => {
    const c = find('CHERNYH Tatiana V', 'RU', 'CHERNYKH, Tatiana V');
    expect(c?.match).toBe(true);
    expect(pieces(c!)).not.toContain('entity_type');
  });
});

describe('the QA17 probe table (figures in the README)', () => {
  it('listed names: none missed, at most 2 only possible matches; clean names: at most 4 matched outright', () => {
    let missed = 0;
    let reviewOnly = 0;
    for (const [name, country, want] of LISTED) {
      const c = m.search({ name, country: country || undefined, limit: 10 }).find((x) => x.entry.name === want);
      if (!c || c.score < REVIEW) missed++;
      else if (!c.match) reviewOnly++;
    }
    let blocked = 0;
    for (const [name, country] of CLEAN) if (m.search({ name, country: country || undefined, limit: 10 }).some((c) => c.match)) blocked++;
    expect({ missed, reviewOnly, blocked }).toEqual({ missed: 0, reviewOnly: 0, blocked: 3 });
  }, 60_000);
});
