/**
 * QA18: the limits QA17 left, and what a probe of 78 unseen names of listed parties and 81 clean companies of the hubs
 * (`qa18-probe-names.ts`) found, on the shipped CSL (2026-07-31):
 * - an ordinary word of the language the list carries in few entries ("OOO PARTNER", "Orbita") weighed as a rare
 *   name: "Partner Logistics GmbH" and "Orbita Electronics Ltd" were matched outright; now leads (COMMON_WORDS), and so
 *   is "Partner GmbH": a short or ordinary word with legal forms of two jurisdictions (LEGAL_JURISDICTIONS);
 * - Russian names romanised two standard ways did not meet: "Alexander" / "Aleksandr", "Iurii" / "Yuriy",
 *   "Evgenii" / "Yevgeniy", "Artyom" / "Artem" (a given name the list reads as generic had no sound key at all);
 * - ordinals: "55th Research Institute of CETC", "No. 14 …", "Twenty-Seventh …" did not meet "CETC 55", "14th", "27th".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseListBytes } from '../../src/lists/import.js';
import type { ListEntry } from '../../src/lists/types.js';
import { buildMatcher, type IndexedPartyMatcher } from '../../src/matching/matcher.js';
import { tokenize } from '../../src/matching/normalize.js';
import { phoneticKeys } from '../../src/matching/phonetic.js';
import { legalFormsConflict } from '../../src/matching/score.js';
import { CLEAN, LISTED } from './qa18-probe-names.js';

const root = join(import.meta.dirname, '..', '..');
const REVIEW = 0.75;
let entries: ListEntry[];
let m: IndexedPartyMatcher;

beforeAll(() => {
  entries = parseListBytes(readFileSync(join(root, 'rules/lists/consolidated-2026-07-31.csv.gz')), 'consolidated-2026-07-31.csv').entries;
  m = buildMatcher(entries, { cacheSize: 0 });
}, 60_000);

const find = (name: string, country: string | undefined, entryName: string) => m.search({ name, country, limit: 10 }).find((c) => c.entry.name === entryName);
const pieces = (c: { explanation: { pieces: Array<{ name: string }> } }) => c.explanation.pieces.map((p) => p.name);

describe('an ordinary word of the language in common and an industry word is a lead, not a match', () => {
  it.each([
    ['Partner Logistics GmbH', undefined, 'OOO PARTNER'],
    ['Partner Logistics GmbH', 'DE', 'OOO PARTNER'],
    ['Orbita Electronics Ltd', undefined, 'Zhuhai Orbita Control Systems'],
    ['Orbita Electronics Pte Ltd', 'SG', 'Zhuhai Orbita Control Systems'],
    ['Partner Logistics Pte Ltd', 'SG', 'OOO PARTNER'],
  ])('"%s" (%s) is a possible match for %s', (name, country, entryName) => {
    const c = find(name, country, entryName);
    expect(c, 'still a lead for review').toBeDefined();
    expect(c!.match).toBe(false);
    expect(c!.score).toBeGreaterThanOrEqual(REVIEW);
    expect(pieces(c!)).toContain('weak_overlap');
  });

  it.each([
    ['Partner GmbH', 'OOO PARTNER'],
    ['Partner Sdn Bhd', 'OOO PARTNER'],
  ])('with nothing else in common, a legal form of another jurisdiction makes "%s" a possible match for %s', (name, entryName) => {
    const c = find(name, undefined, entryName);
    expect(c, 'still a lead for review').toBeDefined();
    expect(c!.match).toBe(false);
    expect(c!.score).toBeGreaterThanOrEqual(REVIEW);
    expect(pieces(c!)).toContain('weak_overlap');
  });

  it('legal forms of one jurisdiction, or used everywhere, do not disagree', () => {
    const legal = (s: string) => tokenize(s).map((t) => ({ ...t, weight: 1 }));
    const conflict = (a: string, b: string) => {
      const q = legal(a);
      const c = legal(b);
      return legalFormsConflict(q, q.map((t) => (t.kind === 'legal' ? 0 : 1)), c, c.map((t) => (t.kind === 'legal' ? 0 : 1)));
    };
    expect(conflict('Partner GmbH', 'OOO Partner')).toBe(true);
    expect(conflict('Partner Sdn Bhd', 'Partner FZE')).toBe(true);
    expect(conflict('Partner LLC', 'OOO Partner')).toBe(false);
    expect(conflict('Partner ZAO', 'OOO Partner')).toBe(false);
    expect(conflict('Partner', 'OOO Partner')).toBe(false);
  });

  it.each([
    ['OOO Partner', 'RU', 'OOO PARTNER'],
    ['Partner LLC', undefined, 'OOO PARTNER'],
    ['Partner OOO', undefined, 'OOO PARTNER'],
    ['Orbita', 'CN', 'Zhuhai Orbita Control Systems'],
    ['Zhuhai Orbita Control Systems Co Ltd', 'CN', 'Zhuhai Orbita Control Systems'],
    ['Orbita Capital Partners LLC', 'RU', 'LIMITED LIABILITY COMPANY ORBITA CAPITAL PARTNERS'],
  ])('the listed name written out, "%s" (%s), still matches %s', (name, country, entryName) => {
    expect(find(name, country, entryName)?.match).toBe(true);
  });
});

describe('Russian names romanised by BGN/PCGN, ISO 9, the passport (ICAO 9303) and English usage meet', () => {
  it.each([
    ['alexander', 'aleksandr'], ['aleksandr', 'alexandr'], ['alexei', 'aleksey'], ['alexey', 'aleksei'], ['sergei', 'sergey'],
    ['yury', 'iurii'], ['yuriy', 'yuri'], ['dmitry', 'dmitrii'], ['evgeny', 'yevgeniy'], ['evgenii', 'yevgeny'], ['fyodor', 'fedor'],
    ['pyotr', 'petr'], ['artyom', 'artem'], ['yelena', 'elena'], ['semyon', 'semen'],
  ])('%s / %s', (a, b) => {
    expect(phoneticKeys(a).some((k) => phoneticKeys(b).includes(k))).toBe(true);
  });

  it.each([['mikhail', 'michael'], ['aleksandr', 'aleksey'], ['fedor', 'petr'], ['yury', 'yaroslav']])('but not %s / %s', (a, b) => {
    expect(phoneticKeys(a).some((k) => phoneticKeys(b).includes(k))).toBe(false);
  });

  it.each([
    ['Alexander Radkov', 'RADKOV, Aleksandr Mikhailovich'],
    ['Alexander Nezhentsev', 'NEZHENTSEV, Aleksandr Vitalyevich'],
    ['Iurii Koptev', 'KOPTEV, Yury Nikolayevich'],
    ['Artyom Chayka', 'CHAYKA, Artem Yuryevich'],
    ['Alexey Tsydenov', 'TSYDENOV, Aleksey Sambuyevich'],
  ])('"%s" matches %s', (name, entryName) => {
    expect(find(name, 'RU', entryName)?.match).toBe(true);
  });

  it('another given name is still another person: "Fedor Radkov" is no match for RADKOV, Aleksandr', () => {
    expect(find('Fedor Radkov', 'RU', 'RADKOV, Aleksandr Mikhailovich')?.match ?? false).toBe(false);
  });

  it('listed Russians under the other standard spelling of their given name are found (≥ 95 %; 74 % before)', () => {
    const variants: Record<string, string[]> = {
      aleksandr: ['Alexander'], alexander: ['Aleksandr'], yevgeniy: ['Evgenii', 'Evgeny'], evgeny: ['Yevgeniy', 'Evgenii'], yuriy: ['Iurii', 'Yury'],
      yuri: ['Iurii'], yury: ['Iurii'], dmitriy: ['Dmitrii', 'Dmitry'], sergey: ['Sergei'], sergei: ['Sergey'], aleksey: ['Alexei', 'Aleksei'],
      alexey: ['Aleksei'], fyodor: ['Fedor'], pyotr: ['Petr'], andrey: ['Andrei'], nikolay: ['Nikolai'], vasiliy: ['Vasilii', 'Vasily'],
      anatoliy: ['Anatolii', 'Anatoly'], gennadiy: ['Gennadii', 'Gennady'], valeriy: ['Valerii', 'Valery'], vitaliy: ['Vitalii', 'Vitaly'],
      artyom: ['Artem'], artem: ['Artyom'], yekaterina: ['Ekaterina'], yelena: ['Elena'], tatyana: ['Tatiana'], natalya: ['Natalia'],
    };
    let n = 0;
    let found = 0;
    for (const e of entries) {
      const p = e.type === 'Individual' ? /^([A-Z'-]+), ([A-Za-z]+)\b/.exec(e.name) : null;
      for (const v of (p && variants[p[2]!.toLowerCase()]) || []) {
        n++;
        if (m.search({ name: `${v} ${p![1]}`, limit: 10 }).some((c) => c.entry === e && c.match)) found++;
      }
    }
    expect(n).toBeGreaterThan(500);
    expect(found / n).toBeGreaterThanOrEqual(0.95);
  }, 60_000);
});

describe('numbered institutes: "55th", "No. 55", "Fifty-Fifth" and "55" are one number', () => {
  const canons = (s: string) => tokenize(s).map((t) => t.canon);
  it('reads ordinals as their numbers', () => {
    expect(canons('55th Research Institute')).toEqual(['55', 'research', 'institute']);
    expect(canons('No. 55 Research Institute')).toEqual(['55', 'research', 'institute']);
    expect(canons('Fifty-Fifth Research Institute')).toEqual(['55', 'research', 'institute']);
    expect(canons('Twentieth Plant')).toEqual(['20', 'plant']);
    expect(canons('2nd Design Bureau')).toEqual(['2', 'design', 'bureau']);
  });
  it('leaves ordinary words alone: "First", "Second", "No" without a number', () => {
    expect(canons('First Bank')).toEqual(['first', 'bank']);
    expect(canons('Second Hand Trading')).toEqual(['second', 'hand', 'trading']);
    expect(canons('No Limit Trading')).toEqual(['no', 'limit', 'trading']);
  });
  it.each([
    ['55th Research Institute of CETC', 'China Electronics Technology Group Corporation 55th Research Institute (CETC 55)'],
    ['No. 55 Research Institute of CETC', 'China Electronics Technology Group Corporation 55th Research Institute (CETC 55)'],
    ['Fifty-Fifth Research Institute of CETC', 'China Electronics Technology Group Corporation 55th Research Institute (CETC 55)'],
    ['CETC No. 14 Research Institute', 'China Electronics Technology Group Corporation 14th Research Institute (CETC 14)'],
    ['Twenty-Seventh Scientific Center of the Russian Ministry of Defense', '27th Scientific Center of the Russian Ministry of Defense'],
  ])('"%s" matches %s', (name, entryName) => {
    expect(find(name, undefined, entryName)?.match).toBe(true);
  });
  it('another number is another institute', () => {
    expect(find('54th Research Institute of CETC', undefined, 'China Electronics Technology Group Corporation 55th Research Institute (CETC 55)')?.match ?? false).toBe(false);
  });
});

describe('QA18 probe', () => {
  it('finds the listed parties in disguise (before: 71 of 78 matched, 3 missed) and blocks no more than one clean company (before: 3)', () => {
    let matched = 0;
    let missed = 0;
    for (const [name, country, want] of LISTED) {
      const c = find(name, country || undefined, want);
      if (c?.match) matched++;
      else if (!c || c.score < REVIEW) missed++;
    }
    const blocked = CLEAN.filter(([name, country]) => m.search({ name, country: country || undefined, limit: 1 })[0]?.match).map(([n]) => n);
    expect(matched).toBeGreaterThanOrEqual(76);
    expect(missed).toBeLessThanOrEqual(1);
    // "Kwong Fat Trading" / "Kong Fat Electronic Trading": two names in common a letter apart, left a match (see the report).
    expect(blocked).toEqual(['Kwong Fat Trading Co Limited']);
  }, 60_000);
});
