/**
 * Reviewed false positives (issue #9): a reviewer has recorded that a party is NOT a given list
 * entry. The service loads the suppressions that could apply and passes them in; this module,
 * pure like the rest of the engine, decides which of the party checks' candidates they cover.
 *
 * A suppression covers a candidate only while (a) it names the same party — the ERP's party id, or
 * the same normalised name in the same country —, (b) it has not expired on the screening date-time,
 * and (c) the list entry is still the one reviewed: same entry id AND same content hash. An entry
 * amended by the agency (new alias, address, programme, licence policy) is a new fact that a human
 * must look at again (15 CFR 744.11: the Entity List entry as published governs), so the candidate
 * is flagged again and the suppression is reported as lapsed.
 *
 * An entry id is unique only within its list: the Consolidated Screening List gives the same id to an SDN
 * entry and its PLC/SSI/NS-MBS twin. A record names its entry by id AND list code (`entryList`), and what it
 * covers — flags and matches alike — is keyed by party, list and entry id, so a review of the SSI entry never
 * takes away the SDN entry's BLOCK. A record without the list (kept in screenings stored before it was carried)
 * names the candidate whose content it reviewed (the content hash covers the list code); if none of the
 * candidates with that id has that content, it covers none of them (see `namesEntry`).
 */
import { createHash } from 'node:crypto';
import type { ListEntry, PartyCandidate } from '../lists/types.js';
import { normalizeText, stripBoilerplate } from '../matching/normalize.js';
import { canonicalJson } from '../canonical-json.js';
import type { Flag, PartyResult, SuppressedCandidate, SuppressionRecord } from '../schemas/screening-result.js';
import type { ScreenContext } from './context.js';

export type { SuppressionRecord };

const hashes = new WeakMap<ListEntry, string>();

/** sha256 over the entry's canonical JSON: what a reviewer saw when recording the suppression. */
export function entryContentHash(entry: ListEntry): string {
  let h = hashes.get(entry);
  if (!h) {
    h = `sha256:${createHash('sha256').update(canonicalJson(entry)).digest('hex')}`;
    hashes.set(entry, h);
  }
  return h;
}

/** The party name as suppressions compare it: the matcher's own normalisation, so "ACME Co., Ltd" = "Acme Co Ltd". */
export function partyNameKey(name: string): string {
  return normalizeText(stripBoilerplate(name));
}

interface PartyChecks {
  parties: PartyResult[];
  flags: Flag[];
}

export interface SuppressionOutcome extends PartyChecks {
  /** Candidates not flagged because of a suppression, and suppressions that lapsed (entry changed). */
  suppressed: SuppressedCandidate[];
}

function namesParty(s: SuppressionRecord, p: { name: string; country?: string | undefined; partyId?: string | undefined }): boolean {
  if (s.partyId !== null) return p.partyId === s.partyId;
  return s.partyNameKey !== null && s.partyNameKey === partyNameKey(p.name) && (s.partyCountry ?? null) === (p.country ?? null);
}

/** The reason given when a record without a list code meets entries of several lists with its id, none as reviewed. */
export const AMBIGUOUS_ENTRY_REASON = 'the record does not name the list, and entries of several lists have this id; none is as it was reviewed';

/**
 * Whether record `s` is about candidate `c` (one of the party's `candidates`). With a list code: the same id on
 * the same list. Without one (a record from before it was carried): the same id and, when the reviewed content
 * is among the candidates, that candidate only — the hash names exactly one entry, list included. When it is not
 * (amended, or another list's entry with that id), every candidate with the id is named, and none is covered
 * (their content differs from the review): the conservative reading of a record that cannot say which it meant.
 */
function namesEntry(s: SuppressionRecord, c: PartyCandidate, candidates: readonly PartyCandidate[]): boolean {
  if (s.entryId !== c.entry.id) return false;
  if (typeof s.entryList === 'string') return s.entryList === c.entry.list;
  if (entryContentHash(c.entry) === s.entryHash) return true;
  return !candidates.some((o) => o !== c && o.entry.id === s.entryId && entryContentHash(o.entry) === s.entryHash);
}

/** Party index, list code and entry id: what a suppression covers (an entry id alone is not unique across lists). */
const coverKey = (party: number | string, list: string, entryId: string) => `${party}\u0000${list}\u0000${entryId}`;

/** Removes covered party flags; marks the covered matches; reports lapsed suppressions. */
export function applySuppressions(ctx: ScreenContext, checks: PartyChecks, suppressions: readonly SuppressionRecord[], now: string): SuppressionOutcome {
  const matcher = ctx.rs.parties;
  if (suppressions.length === 0 || !matcher) return { ...checks, suppressed: [] };
  const nowMs = Date.parse(now);
  const suppressed: SuppressedCandidate[] = [];
  /** coverKey → the id of the record that covers it. */
  const covered = new Map<string, string>();
  ctx.parties.forEach((party, i) => {
    const mine = suppressions.filter((s) => Date.parse(s.expiresAt) > nowMs && namesParty(s, party));
    if (mine.length === 0) return;
    // The same query parties.ts made: the matcher answers it from its cache, with the entries.
    const candidates = matcher.search({ name: party.name, country: party.country, address: party.address, limit: ctx.rs.lists.maxCandidatesPerParty });
    for (const c of candidates) {
      const s = mine.find((x) => namesEntry(x, c, candidates));
      if (!s) continue;
      const applied = entryContentHash(c.entry) === s.entryHash;
      if (applied) covered.set(coverKey(i, c.entry.list, c.entry.id), s.id);
      const ambiguous = !applied && typeof s.entryList !== 'string' && candidates.some((o) => o !== c && o.entry.id === c.entry.id && o.entry.list !== c.entry.list);
      const reason = ambiguous ? AMBIGUOUS_ENTRY_REASON : 'the list entry changed since it was reviewed';
      suppressed.push({ subject: `parties[${i}]`, entryId: c.entry.id, list: c.entry.list, applied, ...(applied ? {} : { reason }), suppression: s });
    }
  });
  if (covered.size === 0) return { ...checks, suppressed };
  // A flag is covered only when its evidence names the same list and entry: a flag that does not say which (no
  // list code in its evidence) stays, as does every flag that is not about one candidate (ownership, LIST-CLEAR).
  const isCovered = (subject: string, list: unknown, entryId: unknown) => {
    const m = /^parties\[(\d+)\]$/.exec(subject);
    return !!m && typeof list === 'string' && typeof entryId === 'string' && covered.has(coverKey(m[1]!, list, entryId));
  };
  const flags = checks.flags.filter((f) => !(f.category === 'party' && isCovered(f.subject, f.evidence.list, f.evidence.entryId)));
  const parties = checks.parties.map((p) => ({
    ...p,
    matches: p.matches.map((m) => {
      const id = covered.get(coverKey(p.index, m.list, m.entryId));
      return id ? { ...m, suppressedBy: id } : m;
    }),
  }));
  return { parties, flags, suppressed };
}
