/**
 * The loaded, validated and indexed rule table the engine reads. Built once by `loadRuleset`; immutable after.
 * This module is pure (no I/O) so the engine may import it.
 */
import type { ListSource, PartyMatcher } from '../lists/types.js';
import type {
  Chip, CountriesFile, DestinationSet, EmbargoRule, HubRule, HubsFile, ItemRule, LicenceRule, ListsFile, Manifest,
  LicensingFile, NamedSystem, RedFlagRule, RedFlagsFile, ThresholdsFile,
} from './schema.js';
import { resolveCountryKey } from './country-key.js';

export type RulesetMode = Manifest['mode'];
export type Hub = HubsFile['hubs'][number];

export interface AliasEntry {
  /** normalised alias text, ignore words removed */
  text: string;
  kind: 'chip' | 'system';
  id: string;
}

export interface RulesetFileInfo {
  key: string;
  file: string;
  sha256: string;
}

export interface Ruleset {
  name: string;
  version: string;
  /** sha256:<hex> over the canonical content of every rule file and the list sources' sha256 */
  hash: string;
  mode: RulesetMode;
  asOf: string;
  files: RulesetFileInfo[];
  /** source id → description/URL */
  sources: Record<string, string>;
  listSources: ListSource[];
  /** null means no party lists were loaded: the engine then flags every screening for review */
  parties: PartyMatcher | null;
  countries: {
    entries: CountriesFile['countries'];
    byAlpha2: Map<string, CountriesFile['countries'][number]>;
    /** countryKey(name | alias | alpha-2 | alpha-3) → alpha-2 */
    lookup: Map<string, string>;
  };
  /** group → members, with treatedAs applied (Hong Kong is in every group China is in) */
  groups: Map<string, Set<string>>;
  treatedAs: Map<string, string>;
  /** Permit types a shipment may declare (permits.yaml): type → description. */
  permitTypes: ReadonlyMap<string, string>;
  countrySets: Map<string, Set<string>>;
  chips: {
    list: Chip[];
    byId: Map<string, Chip>;
    aliases: AliasEntry[];
    partNumbers: Array<{ re: RegExp; chipId: string }>;
    ignoreWords: Set<string>;
  };
  systems: {
    citation: string;
    eccnMap: Record<string, string>;
    byId: Map<string, NamedSystem>;
    countBefore: RegExp;
    countAfter: RegExp;
    countAnywhere: RegExp;
    systemWords: Set<string>;
  };
  thresholds: ThresholdsFile;
  itemRules: Map<string, ItemRule>;
  licence: LicenceRule[];
  embargoes: EmbargoRule[];
  hubs: Map<string, Hub>;
  hubTiers: HubsFile['tiers'];
  hubRules: HubRule[];
  redFlags: RedFlagRule[];
  redFlagSummary: RedFlagsFile['summary'];
  /** when missing optional data escalates (rules/red-flags.yaml riskContext) */
  riskContext: RedFlagsFile['riskContext'];
  lists: ListsFile;
  /** licence determination: shipping tolerances, licence-number check, licence exceptions (rules/licensing.yaml) */
  licensing: LicensingFile;
  /** regex source → compiled (case-insensitive), for red-flag predicates and end-use patterns */
  regexes: Map<string, RegExp>;
  /** every id a flag can carry */
  ruleIds: string[];
  counts: Record<string, number>;
}

/** ISO alpha-2 for an alpha-2/alpha-3 code, English name or alias; null when unknown. */
export function resolveCountry(ruleset: Pick<Ruleset, 'countries'>, input: string): string | null {
  return resolveCountryKey(ruleset.countries.lookup, input);
}

export function groupsOf(ruleset: Ruleset, code: string): string[] {
  const out: string[] = [];
  for (const [g, members] of ruleset.groups) if (members.has(code)) out.push(g);
  return out;
}

export function inGroup(ruleset: Ruleset, code: string, group: string): boolean {
  return ruleset.groups.get(group)?.has(code) ?? false;
}

/** Country-set references used by red flags: "CN", "group:D:5", "set:GECC". */
export function inCountryRefs(ruleset: Ruleset, code: string | undefined, refs: readonly string[]): boolean {
  if (!code) return false;
  for (const ref of refs) {
    if (ref.startsWith('group:')) {
      if (inGroup(ruleset, code, ref.slice(6))) return true;
    } else if (ref.startsWith('set:')) {
      const set = ruleset.countrySets.get(ref.slice(4));
      if (set && set.has(code)) return true;
      if (set) for (const inner of set) if (inner.includes(':') && inCountryRefs(ruleset, code, [inner])) return true;
    } else if (ref === code || ruleset.treatedAs.get(code) === ref) {
      return true;
    }
  }
  return false;
}

/** Membership in a licence-scope destination set (explicit countries override group exclusions). */
export function inDestinationSet(ruleset: Ruleset, code: string, set: DestinationSet): boolean {
  if (set.all) return !(set.exceptCountries ?? []).includes(code);
  if ((set.countries ?? []).includes(code)) return true;
  const viaTreated = ruleset.treatedAs.get(code);
  if (viaTreated && (set.countries ?? []).includes(viaTreated)) return true;
  const inAny = (set.groups ?? []).some((g) => inGroup(ruleset, code, g));
  if (!inAny) return false;
  return !(set.excludeGroups ?? []).some((g) => inGroup(ruleset, code, g));
}

/** True when a rule is in force on `date` (effectiveFrom inclusive, effectiveTo exclusive). */
export function inForce(rule: { effectiveFrom?: string | undefined; effectiveTo?: string | undefined }, date: string): boolean {
  if (rule.effectiveFrom && date < rule.effectiveFrom) return false;
  if (rule.effectiveTo && date >= rule.effectiveTo) return false;
  return true;
}

const DOT = 46;

/** ECCN prefix match: "3A090" matches 3A090.a; "3A991.p" matches only 3A991.p and its sub-paragraphs. */
export function eccnMatches(eccn: string | null | undefined, prefixes: readonly string[]): boolean {
  if (!eccn) return false;
  const e = eccn.trim();
  // Equal, or the prefix followed by a paragraph dot (no string is built: this runs for every rule x item).
  return prefixes.some((p) => e.startsWith(p) && (e.length === p.length || e.charCodeAt(p.length) === DOT || p.endsWith('.')));
}
