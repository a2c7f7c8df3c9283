import type { ListEntry, MatchExplanation } from '../lists/types.js';
import type { IndexedName } from './name-index.js';
import { NO_DISTINCTIVE_CAP, QUERY_SHARE, type WeightedToken } from './score.js';

/** The named pieces one name's score was made of. */
export interface ScoreParts {
  qCov: number;
  cCov: number;
  distinctive: boolean;
  allGeneric: boolean;
  countryAdj: number;
  typeAdj: number;
  querySim: number[];
  /** One short or common word in common, with the country differing or more in the query: capped below the threshold. */
  weak: boolean;
  /** The only identifying words in common are short listed words the query writes with a letter changed or missing ("Lite" / "LTTE"). */
  approximate: boolean;
  /** A listed individual: the query and the listed name each have a name the other lacks ("Mohammad Rahimi" / "RAHIMI, Hossein"). */
  conflict?: boolean;
  /** One identifying word in common and each name has an industry word the other lacks ("Pinky Logistics" / "Pinky Trading"). */
  swapped?: boolean;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Built only for the candidates returned: which name matched, on which tokens, with which adjustments. */
export function explain(q: readonly WeightedToken[], n: IndexedName, entry: ListEntry, p: ScoreParts, country: string | undefined): MatchExplanation {
  const matchedTokens = q.filter((_, i) => p.querySim[i]! > 0).map((t) => t.canon);
  const pieces: MatchExplanation['pieces'] = [
    { name: 'query_coverage', value: round(p.qCov), weight: QUERY_SHARE, note: 'weighted share of the query tokens found in the name' },
    { name: 'name_coverage', value: round(p.cCov), weight: round(1 - QUERY_SHARE), note: 'weighted share of the listed name tokens found in the query' },
  ];
  if (p.distinctive && p.allGeneric) pieces.push({ name: 'generic_name_whole', value: round(p.cCov), note: 'listed name has only generic words; all of them matched' });
  if (!p.distinctive) pieces.push({ name: 'no_distinctive_token', value: NO_DISTINCTIVE_CAP, note: 'only generic words, legal forms or common names in common: capped' });
  if (p.approximate) pieces.push({ name: 'approximate_short', value: 1, note: 'the only identifying words in common are short words with a letter changed or missing: below the match threshold, and below the possible-match level when nothing else agrees' });
  else if (p.weak) pieces.push({ name: 'weak_overlap', value: 1, note: 'only one short or common word in common, and the country differs, the listed party is a person or vessel, the query names more, or the legal forms are of two jurisdictions: below the match threshold' });
  if (p.conflict) pieces.push({ name: 'names_differ', value: 1, note: 'the query and the listed individual each have a name the other lacks: below the match threshold' });
  if (p.swapped) pieces.push({ name: 'industry_word_differs', value: 1, note: 'one identifying word in common, and each name has an industry word the other lacks: below the match threshold' });
  if (p.countryAdj !== 0) {
    pieces.push({ name: 'country', value: p.countryAdj, note: p.countryAdj > 0 ? `${country} is a listed country` : `${country} is not among ${entry.countries.join(', ')}` });
  }
  if (p.typeAdj !== 0) pieces.push({ name: 'entity_type', value: p.typeAdj, note: `query names a company, the entry is a listed ${(entry.type ?? '').toLowerCase()}` });
  const typos = q.filter((_, i) => p.querySim[i]! > 0 && p.querySim[i]! < 1).map((t) => t.text);
  const legal = q.filter((t) => t.kind === 'legal').map((t) => t.text);
  const what = n.origin === 'name' ? 'name' : n.origin === 'alias' ? 'alias' : 'derived name';
  let summary = `${what} '${n.display}' matched tokens ${matchedTokens.join(', ') || '(none)'}`;
  if (typos.length) summary += `; approximate: ${typos.join(', ')}`;
  if (legal.length) summary += `; legal form ${legal.join(' ')} weighed low`;
  if (!p.distinctive) summary += '; no distinctive word in common';
  if (p.approximate) summary += '; only a short word in common, approximately';
  else if (p.weak) summary += '; only one short or common word in common';
  if (p.conflict) summary += '; each name has a name the other lacks';
  if (p.swapped) summary += '; each name has an industry word the other lacks';
  if (p.countryAdj > 0) summary += `; country ${country} agrees`;
  if (p.countryAdj < 0) summary += `; country ${country} differs`;
  if (p.typeAdj < 0) summary += `; listed party is ${entry.type === 'Individual' ? 'an individual' : `a ${(entry.type ?? '').toLowerCase()}`}`;
  return { summary, pieces, matchedTokens };
}
