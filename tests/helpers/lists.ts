/**
 * A ruleset over the real rule table with a small party list of the test's own, which the test
 * can change between reloads (an agency amending an entry, a new Entity List addition).
 */
import { createHash } from 'node:crypto';
import { buildMatcher } from '../../src/matching/index.js';
import type { ListEntry } from '../../src/lists/types.js';
import { loadRuleset, type Ruleset } from '../../src/rules/index.js';
import { RULES_DIR } from './ruleset.js';

export function listEntry(id: string, name: string, over: Partial<ListEntry> = {}): ListEntry {
  return {
    id, list: 'EL', source: 'Entity List (EL) - Bureau of Industry and Security', name, altNames: [], type: 'Entity', countries: ['HK'], addresses: ['Hong Kong, HK'],
    programs: [], licenseRequirement: 'For all items subject to the EAR.', licensePolicy: 'Presumption of denial.', federalRegisterNotice: '89 FR 1', startDate: '2024-01-01',
    sourceListUrl: null, ...over,
  };
}

/** A loader whose list is whatever `entries` holds when it is called (the same entries give the same ruleset hash). */
export function mutableListLoader(initial: ListEntry[]) {
  const state = { entries: initial };
  const load = async (): Promise<Ruleset> => {
    const entries = state.entries;
    const matcher = buildMatcher(entries, { threshold: 0.85 });
    const sha256 = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
    return loadRuleset(RULES_DIR, {
      lists: { sources: [{ name: 'test list', file: `test-${sha256.slice(0, 8)}.csv`, format: 'csl-csv', entryCount: entries.length, sha256, generatedAt: null }], matcher },
    });
  };
  return { state, load };
}
