import { describe, expect, it } from 'vitest';
import { normalizeText, tokenize } from '../../src/matching/normalize.js';
import { damerauLevenshtein, jaroWinkler } from '../../src/matching/similarity.js';
import { alignTokens, countryAdjustment, coverage, tokenSimilarity, type WeightedToken } from '../../src/matching/score.js';
import { buildMatcher } from '../../src/matching/matcher.js';
import type { ListEntry } from '../../src/lists/types.js';

describe('normalizeText', () => {
  it.each([
    ['Hangzhou Hikvision Digital Technology Co., Ltd.', 'hangzhou hikvision digital technology co ltd'],
    ['ACME L.L.C.', 'acme llc'],
    ['Acme L L C', 'acme llc'],
    ["Asialink Shanghai Int'l Logistics", 'asialink shanghai intl logistics'],
    ['CORRALES S.P.R. DE R.L. DE C.V.', 'corrales spr de rl de cv'],
    ['Société Générale', 'societe generale'],
    ['Ｓｍａｒｔ\u3000Ｏｃｅａｎ', 'smart ocean'],
    ['Научно-производственное объединение', 'nauchno proizvodstvennoe obedinenie'],
    ['华为技术有限公司', 'huawei jishu youxian gongsi'], // cut into the Pinyin words the lists write (segmentHan)
    ['深圳市大疆创新科技有限公司', 'shenzhenshi dajiang chuangxin keji youxian gongsi'],
    ['无锡算能科技股份有限公司', 'wuxi suanneng keji gufen youxian gongsi'],
    ['Daniel J. O’Hara', 'daniel j ohara'],
    ['ROYAL PEARL GENERAL T R D CO LTD', 'royal pearl general trd co ltd'], // three or more spaced letters: one initialism
    ['J P Morgan Chase', 'j p morgan chase'], // two may be a person's initials: apart
    ['X Y Trading', 'x y trading'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('tokenize', () => {
  it('recognises legal forms across jurisdictions and expands abbreviations', () => {
    const kinds = (s: string): string[] => tokenize(s).map((t) => `${t.canon}:${t.kind}`);
    expect(kinds('PowerAir Pte. Ltd.')).toEqual(['powerair:word', 'private:legal', 'limited:legal']);
    expect(kinds('Guangzhou Haige Comm Grp')).toEqual(['guangzhou:place', 'haige:word', 'communications:generic', 'group:generic']);
    expect(kinds('Public Joint Stock Company Rostelecom')).toEqual(['public:legal', 'joint:legal', 'stock:legal', 'company:legal', 'rostelecom:word']);
    expect(kinds('Tech Sdn. Bhd.')).toEqual(['technology:generic', 'sdn:legal', 'bhd:legal']);
    expect(kinds('OOO Vektor GmbH S.R.O. FZCO K.K.').filter((k) => k.endsWith(':legal'))).toHaveLength(5);
    expect(kinds('Wang Wei')).toEqual(['wang:common_name', 'wei:common_name']);
    expect(kinds('Open Source Lab')).toEqual(['open:word', 'source:word', 'laboratory:generic']);
  });
});

describe('token similarity', () => {
  it.each([
    ['hikvision', 'hikvision', 1],
    ['hikvision', 'hikvisoin', 0.93],
    ['sophgo', 'sopgo', 0.9],
    ['haige', 'haige', 1],
    ['mces', 'mcas', 0.88],
    ['sok', 'sko', 0.85],
    ['sok', 'sak', 0],
    ['wang', 'wong', 0.8],
    ['chan', 'cahn', 0.88],
    ['address01', 'address02', 0],
    ['hikvision', 'hikvsoin', 0],
  ])('%s ~ %s = %s', (a, b, s) => {
    expect(tokenSimilarity(a, b)).toBe(s);
  });

  it('Damerau-Levenshtein counts a swap as one edit and gives up past max', () => {
    expect(damerauLevenshtein('abcd', 'abdc')).toBe(1);
    expect(damerauLevenshtein('kitten', 'sitting', 5)).toBe(3);
    expect(damerauLevenshtein('a', 'abcdef', 2)).toBe(3);
  });

  it('Jaro-Winkler agrees with the reference values', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
  });
});

describe('score pieces', () => {
  const w = (canon: string, weight: number, kind: WeightedToken['kind'] = 'word'): WeightedToken => ({ text: canon, canon, kind, weight });
  it('aligns regardless of order and joins split words', () => {
    const q = [w('hikvision', 9), w('hangzhou', 3, 'place')];
    const c = [w('hangzhou', 3, 'place'), w('hikvision', 9), w('digital', 5), w('limited', 0.2, 'legal')];
    const a = alignTokens(q, c);
    expect(a.querySim).toEqual([1, 1]);
    expect(coverage(q, a.querySim)).toBe(1);
    expect(coverage(c, a.candidateSim)).toBeCloseTo(12 / 17.2, 6);
    const joined = alignTokens([w('power', 1), w('air', 1)], [w('powerair', 9)]);
    expect(joined).toEqual({ querySim: [0.95, 0.95], candidateSim: [0.95] });
  });
  it('country: agreement raises, a mismatch lowers, unknown does nothing', () => {
    expect(countryAdjustment('SG', ['SG'])).toBeGreaterThan(0);
    expect(countryAdjustment('US', ['HK', 'CN'])).toBeLessThan(0);
    expect(countryAdjustment(undefined, ['CN'])).toBe(0);
    expect(countryAdjustment('CN', [])).toBe(0);
  });
});

describe('name words that are Object.prototype members', () => {
  const members = Object.getOwnPropertyNames(Object.prototype).map((n) => n.toLowerCase().replace(/_/g, ''));
  it('stay words: their canonical form is themselves, not an inherited function', () => {
    for (const word of members) {
      const tokens = tokenize(`Vektor ${word} Office`);
      for (const tk of tokens) expect(typeof tk.canon, `${word} -> ${String(tk.canon)}`).toBe('string');
      expect(tokens.map((tk) => tk.canon)).toContain(word);
    }
  });
  it('match a listed name that holds one (OFAC SDN 51153 has CONSTRUCTOR), and nothing else by it', () => {
    const base = { type: null, addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null };
    const entries: ListEntry[] = [
      { ...base, id: '51153', list: 'SDN', source: 'SDN', name: 'JOINT STOCK COMPANY SEPARATELY CONSTRUCTOR TECHNOLOGIC OFFICE VEKTOR', altNames: [], countries: ['RU'] },
      { ...base, id: '2', list: 'EL', source: 'EL', name: 'Valueof Hasownproperty Trading', altNames: [], countries: ['HK'] },
    ];
    const m = buildMatcher(entries);
    expect(m.search({ name: 'Separately Constructor Technologic Office Vektor JSC', country: 'RU' })[0]).toMatchObject({ match: true, entry: { id: '51153' } });
    expect(m.search({ name: 'Constructor Toolkit GmbH', country: 'DE' }).filter((r) => r.match)).toEqual([]);
  });
});

describe('matcher on a tiny list (whole explanation)', () => {
  const base = { type: null, addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null };
  const entries: ListEntry[] = [
    { ...base, id: '1', list: 'EL', source: 'EL', name: 'Inspur Taiwan', altNames: ['Number Media Ltd.', 'Digital Cloud Ltd.'], countries: ['TW'] },
    { ...base, id: '2', list: 'EL', source: 'EL', name: 'PowerAir Pte. Ltd.', altNames: [], countries: ['SG'] },
    { ...base, id: '3', list: 'SDN', source: 'SDN', name: 'ZHANG, Wei', altNames: [], countries: ['CN'], type: 'Individual' },
  ];
  const m = buildMatcher(entries);

  it('explains an alias match with its pieces', () => {
    const [top] = m.search({ name: 'Number Media Limited', country: 'TW' });
    expect(top).toEqual({
      entry: entries[0],
      matchedName: 'Number Media Ltd.',
      score: 1,
      match: true,
      explanation: {
        summary: "alias 'Number Media Ltd.' matched tokens number, media, limited; legal form limited weighed low; country TW agrees",
        pieces: [
          { name: 'query_coverage', value: 1, weight: 0.6, note: 'weighted share of the query tokens found in the name' },
          { name: 'name_coverage', value: 1, weight: 0.4, note: 'weighted share of the listed name tokens found in the query' },
          { name: 'country', value: 0.02, note: 'TW is a listed country' },
        ],
        matchedTokens: ['number', 'media', 'limited'],
      },
    });
  });

  it('a country mismatch never hides an exact name', () => {
    const [top] = m.search({ name: 'POWERAIR PTE LTD', country: 'US' });
    expect(top).toMatchObject({ match: true, entry: { id: '2' } });
    expect(top!.explanation.summary).toContain('country US differs');
  });

  it('a company query does not match a listed person by surname', () => {
    expect(m.search({ name: 'Zhang Trading Co., Ltd.' }).filter((c) => c.match)).toEqual([]);
  });

  it('honours the list filter, the limit and a per-query threshold', () => {
    expect(m.search({ name: 'PowerAir', lists: ['SDN'] })).toEqual([]);
    expect(m.search({ name: 'Power Air', threshold: 0.99 })[0]!.match).toBe(false);
    expect(m.search({ name: '' })).toEqual([]);
    expect(m.search({ name: '!!!' })).toEqual([]);
  });
});
