/**
 * Party lists (Consolidated Screening List, OFAC SDN, BIS Denied Persons, …) as the engine sees them.
 * Importers turn each official format into `ListEntry`; the matcher indexes them once per ruleset.
 */

/** One listed party, with what the list says about its effect. */
export interface ListEntry {
  /** Stable id within its source (CSL `_id`, OFAC ent_num, or a content hash). */
  id: string;
  /** Short list code: EL, DPL, SDN, MEU, UVL, ISN, SSI, PLC, CAP, CMIC, NS-MBS, DTC, NONSDN … */
  list: string;
  /** The source's full name as published ("Entity List (EL) - Bureau of Industry and Security"). */
  source: string;
  name: string;
  altNames: string[];
  /** Entity | Individual | Vessel | Aircraft | null */
  type: string | null;
  /** ISO 3166-1 alpha-2 codes found in the entry's addresses/nationalities. */
  countries: string[];
  addresses: string[];
  programs: string[];
  licenseRequirement: string | null;
  licensePolicy: string | null;
  federalRegisterNotice: string | null;
  startDate: string | null;
  sourceListUrl: string | null;
}

/** One imported list file: recorded with the ruleset and in the audit log. */
export interface ListSource {
  name: string;
  file: string;
  format: 'csl-csv' | 'csl-json' | 'ofac-legacy-csv' | 'bis-dpl-tsv';
  entryCount: number;
  sha256: string;
  generatedAt: string | null;
  /**
   * The list's version, unique and ordered among the imports of its kind: its date (publication date, or for an
   * undated list the import date), then `.2`, `.3` … for a later import of the same date, and `-incomplete` when
   * an OFAC set was imported without some of its files (`--allow-incomplete-ofac`). Set by the loader from the
   * manifest; a parsed file has none.
   */
  version?: string | undefined;
  /** OFAC legacy set files that were missing when it was imported with `--allow-incomplete-ofac` (e.g. alt.csv). */
  incomplete?: string[] | undefined;
}

export interface PartyQuery {
  name: string;
  /** ISO alpha-2; agreement may raise confidence, a mismatch lowers it but never hides an exact name. */
  country?: string | undefined;
  address?: string | undefined;
  /** Restrict to these list codes. */
  lists?: string[] | undefined;
  limit?: number | undefined;
  /** Overrides the matcher's configured threshold for `match`. */
  threshold?: number | undefined;
}

export interface MatchExplanation {
  /** Human-readable one-liner, e.g. "alias 'NUMBER MEDIA LIMITED' matched tokens number, media; legal form ignored". */
  summary: string;
  /** Named score pieces (watchman style): name similarity, token coverage, country adjustment … */
  pieces: Array<{ name: string; value: number; weight?: number; note?: string }>;
  matchedTokens?: string[];
}

export interface PartyCandidate {
  entry: ListEntry;
  /** The name or alias of the entry that matched best. */
  matchedName: string;
  /** 0–1 */
  score: number;
  /** score ≥ threshold */
  match: boolean;
  explanation: MatchExplanation;
}

/** Built once per ruleset; search is synchronous, pure and fast (well under 1 ms per query). */
export interface PartyMatcher {
  readonly size: number;
  readonly threshold: number;
  search(query: PartyQuery): PartyCandidate[];
}
