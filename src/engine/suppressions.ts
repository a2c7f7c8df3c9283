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
 */
import { createHash } from 'node:crypto';
import type { ListEntry } from '../lists/types.js';
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

/** Removes covered party flags; marks the covered matches; reports lapsed suppressions. */
export function applySuppressions(ctx: ScreenContext, checks: PartyChecks, suppressions: readonly SuppressionRecord[], now: string): SuppressionOutcome {
  const matcher = ctx.rs.parties;
  if (suppressions.length === 0 || !matcher) return { ...checks, suppressed: [] };
  const nowMs = Date.parse(now);
  const suppressed: SuppressedCandidate[] = [];
  const covered = new Set<string>();
  ctx.parties.forEach((party, i) => {
    const mine = suppressions.filter((s) => Date.parse(s.expiresAt) > nowMs && namesParty(s, party));
    if (mine.length === 0) return;
    // The same query parties.ts made: the matcher answers it from its cache, with the entries.
    const candidates = matcher.search({ name: party.name, country: party.country, address: party.address, limit: ctx.rs.lists.maxCandidatesPerParty });
    for (const c of candidates) {
      const s = mine.find((x) => x.entryId === c.entry.id);
      if (!s) continue;
      const current = entryContentHash(c.entry);
      if (current === s.entryHash) covered.add(`${i}\u0000${c.entry.id}`);
      suppressed.push({ subject: `parties[${i}]`, entryId: c.entry.id, list: c.entry.list, applied: current === s.entryHash, ...(current === s.entryHash ? {} : { reason: 'the list entry changed since it was reviewed' }), suppression: s });
    }
  });
  if (covered.size === 0) return { ...checks, suppressed };
  const isCovered = (subject: string, entryId: unknown) => {
    const m = /^parties\[(\d+)\]$/.exec(subject);
    return !!m && typeof entryId === 'string' && covered.has(`${m[1]}\u0000${entryId}`);
  };
  const flags = checks.flags.filter((f) => !(f.category === 'party' && isCovered(f.subject, f.evidence.entryId)));
  const bySubject = new Map(suppressed.filter((x) => x.applied).map((x) => [`${x.subject}\u0000${x.entryId}`, x.suppression.id]));
  const parties = checks.parties.map((p) => ({
    ...p,
    matches: p.matches.map((m) => {
      const id = bySubject.get(`parties[${p.index}]\u0000${m.entryId}`);
      return id ? { ...m, suppressedBy: id } : m;
    }),
  }));
  return { parties, flags, suppressed };
}
