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
    /** first token of an alias → positions in `aliases` (ascending), so a model string is tested only against aliases that can match it */
    aliasesByFirstToken: ReadonlyMap<string, readonly number[]>;
    partNumbers: Array<{ re: RegExp; chipId: string }>;
    ignoreWords: Set<string>;
    /**
     * Joining a name typed with a space (chips.yaml aliasNormalisation.spacedNames): every token of a catalog alias
     * that mixes letters and digits ("h100", "mi300x", "l40s"), and the words that forbid a join — a unit after the
     * number ("H 100 mm"), a label before the letter ("Type A 100"), goods words anywhere ("bracket", "cable").
     * null: no spacedNames in the file, names are matched only as typed or glued.
     */
    spaced: { aliasTokens: ReadonlySet<string>; unitWords: ReadonlySet<string>; labelWords: ReadonlySet<string>; goodsWords: ReadonlySet<string> } | null;
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
  /** Rules that only record a check made (info, CLEAR as written): not counted as flags raised (dashboard, flag log). */
  checkRuleIds: ReadonlySet<string>;
  counts: Record<string, number>;
}

/** ISO alpha-2 for an alpha-2/alpha-3 code, English name or alias; null when unknown. */
/** What an unknown country's error tells the caller to send instead: whatever resolveCountry takes. */
export const COUNTRY_HINT = 'use an ISO 3166-1 code (SG or SGP) or an English name (Singapore)';

export function resolveCountry(ruleset: Pick<Ruleset, 'countries'>, input: string): string | null {
  return resolveCountryKey(ruleset.countries.lookup, input);
}

/**
 * Answers about a country that depend only on the loaded rule table are worked out once per (table, country):
 * keyed by the table's own group map, then by the rule-table object asked about (a country set, a list of refs).
 * Pure memoisation — the rule table is immutable once loaded, and a fresh array is returned where one escapes.
 */
const MEMO_MAX = 4096;
const groupsMemo = new WeakMap<object, Map<string, readonly string[]>>();
const setMemo = new WeakMap<object, WeakMap<object, Map<string, boolean>>>();

function memoFor(ruleset: Pick<Ruleset, 'groups'>, key: object): Map<string, boolean> {
  let byKey = setMemo.get(ruleset.groups);
  if (!byKey) setMemo.set(ruleset.groups, (byKey = new WeakMap()));
  let m = byKey.get(key);
  if (!m) byKey.set(key, (m = new Map()));
  else if (m.size >= MEMO_MAX) m.clear();
  return m;
}

export function groupsOf(ruleset: Ruleset, code: string): string[] {
  let byCode = groupsMemo.get(ruleset.groups);
  if (!byCode) groupsMemo.set(ruleset.groups, (byCode = new Map()));
  let out = byCode.get(code);
  if (!out) {
    const found: string[] = [];
    for (const [g, members] of ruleset.groups) if (members.has(code)) found.push(g);
    if (byCode.size >= MEMO_MAX) byCode.clear();
    byCode.set(code, (out = found));
  }
  return [...out];
}

export function inGroup(ruleset: Pick<Ruleset, 'groups'>, code: string, group: string): boolean {
  return ruleset.groups.get(group)?.has(code) ?? false;
}

/** Country-set references used by red flags: "CN", "group:D:5", "set:GECC". */
export function inCountryRefs(ruleset: Ruleset, code: string | undefined, refs: readonly string[]): boolean {
  if (!code) return false;
  const memo = memoFor(ruleset, refs);
  let v = memo.get(code);
  if (v === undefined) memo.set(code, (v = countryInRefs(ruleset, code, refs)));
  return v;
}

function countryInRefs(ruleset: Ruleset, code: string, refs: readonly string[]): boolean {
  for (const ref of refs) {
    if (ref.startsWith('group:')) {
      if (inGroup(ruleset, code, ref.slice(6))) return true;
    } else if (ref.startsWith('set:')) {
      const set = ruleset.countrySets.get(ref.slice(4));
      if (set && set.has(code)) return true;
      if (set) for (const inner of set) if (inner.includes(':') && countryInRefs(ruleset, code, [inner])) return true;
    } else if (ref === code || ruleset.treatedAs.get(code) === ref) {
      return true;
    }
  }
  return false;
}

/** Membership in a licence-scope destination set (explicit countries override group exclusions). */
export function inDestinationSet(ruleset: Pick<Ruleset, 'groups' | 'treatedAs'>, code: string, set: DestinationSet): boolean {
  const memo = memoFor(ruleset, set);
  let v = memo.get(code);
  if (v === undefined) memo.set(code, (v = countryInSet(ruleset, code, set)));
  return v;
}

function countryInSet(ruleset: Pick<Ruleset, 'groups' | 'treatedAs'>, code: string, set: DestinationSet): boolean {
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
