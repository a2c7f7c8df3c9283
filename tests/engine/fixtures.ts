/**
 * TEST FIXTURE ONLY: a tiny PartyMatcher over hand-written ListEntry records with exact normalised-name
 * matching (score 1, match) and "every query token is in the entry name" possible matches (score 0.8).
 * The real matcher comes from src/matching; this exists so engine scenarios can exercise list effects.
 */
import { loadRuleset, type Ruleset } from '../../src/rules/index.js';
import type { ListEntry, PartyCandidate, PartyMatcher, PartyQuery } from '../../src/lists/types.js';

const entry = (id: string, list: string, name: string, countries: string[], extra: Partial<ListEntry> = {}): ListEntry => ({
  id, list, source: `${list} (fixture)`, name, altNames: [], type: 'Entity', countries, addresses: [], programs: [],
  licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null, ...extra,
});

export const FIXTURE_ENTRIES: ListEntry[] = [
  entry('el-1', 'EL', 'Sophgo Technologies Pte. Ltd.', ['SG'], { licenseRequirement: 'For all items subject to the EAR', licensePolicy: 'Presumption of denial', federalRegisterNotice: '90 FR 4621' }),
  entry('el-2', 'EL', 'Inspur Taiwan Co., Ltd.', ['TW'], { licenseRequirement: 'For all items subject to the EAR', licensePolicy: 'Presumption of denial', federalRegisterNotice: '90 FR 14046' }),
  entry('dpl-1', 'DPL', 'Denied Export Trading Co', ['AE']),
  entry('sdn-1', 'SDN', 'Sanctioned Shipping LLC', ['AE'], { programs: ['IRAN'] }),
  entry('meu-1', 'MEU', 'Northern Military Research Institute', ['CN']),
  entry('uvl-1', 'UVL', 'Unverified Electronics Co', ['MY']),
  entry('isn-1', 'ISN', 'Proliferation Supplies Ltd', ['PK']),
];

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

export function fixtureMatcher(entries: ListEntry[] = FIXTURE_ENTRIES): PartyMatcher {
  return {
    size: entries.length,
    threshold: 0.9,
    search(q: PartyQuery): PartyCandidate[] {
      const name = norm(q.name);
      const tokens = name.split(' ');
      const out: PartyCandidate[] = [];
      for (const e of entries) {
        const en = norm(e.name);
        const score = en === name ? 1 : tokens.length >= 2 && tokens.every((t) => en.split(' ').includes(t)) ? 0.8 : 0;
        if (score > 0) out.push({ entry: e, matchedName: e.name, score, match: score >= 0.9, explanation: { summary: score === 1 ? 'exact normalised name' : 'all query tokens in entry name', pieces: [{ name: 'name', value: score }] } });
      }
      return out;
    },
  };
}

const cache = new Map<string, Promise<Ruleset>>();
export function fixtureRuleset(kind: 'default' | 'ecfr_letter' | 'no_lists' = 'default'): Promise<Ruleset> {
  let p = cache.get(kind);
  if (!p) {
    const lists = kind === 'no_lists' ? undefined : { sources: [{ name: 'fixture', file: 'fixture', format: 'csl-json' as const, entryCount: FIXTURE_ENTRIES.length, sha256: 'fixture', generatedAt: null }], matcher: fixtureMatcher() };
    p = loadRuleset('rules', { ...(lists ? { lists } : {}), ...(kind === 'ecfr_letter' ? { mode: 'ecfr_letter' as const } : {}) });
    cache.set(kind, p);
  }
  return p;
}
