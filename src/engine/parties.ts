/**
 * Party screening against the lists (15 CFR 744.11/744.16 Entity List, 764.3 Denied Persons, 744.21 MEU,
 * 744.15 UVL, OFAC SDN): each party is searched through the injected matcher; a `match` takes its list's
 * decision from rules/lists.yaml, a weaker candidate above the review threshold asks for REVIEW.
 */
import type { PartyCandidate, PartyMatcher } from '../lists/types.js';
import { inForce } from '../rules/ruleset.js';
import type { ListRule } from '../rules/schema.js';
import type { Flag, PartyResult } from '../schemas/screening-result.js';
import type { Party } from '../schemas/shipment.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';

export function partyChecks(ctx: ScreenContext): { parties: PartyResult[]; flags: Flag[] } {
  const { rs } = ctx;
  const rule = (id: string) => rs.lists.rules.find((r) => r.id === id) as ListRule;
  const flags: Flag[] = [];
  if (!rs.parties) {
    // Fail loud, never silently pass: without lists no party was screened.
    flags.push(makeFlag(rule('LIST-UNAVAILABLE'), 'data_quality', 'shipment', {}, { parties: ctx.parties.length }));
    return { parties: ctx.parties.map((p, i) => ({ index: i, role: p.role, matches: [] })), flags };
  }
  const matcher = rs.parties;
  const parties = ctx.parties.map((p, i): PartyResult => {
    const candidates = matcher
      .search({ name: p.name, country: p.country, address: p.address, limit: rs.lists.maxCandidatesPerParty })
      .filter((c) => c.match || c.score >= rs.lists.reviewThreshold)
      .sort((a, b) => b.score - a.score || a.entry.id.localeCompare(b.entry.id));
    for (const c of candidates) flags.push(candidateFlag(ctx, c, p.role, i, rule));
    if (candidates.length === 0)
      flags.push(makeFlag(rule('LIST-CLEAR'), 'party', `parties[${i}]`, { role: p.role, entries: matcher.size, threshold: rs.lists.reviewThreshold }, { entries: matcher.size, reviewThreshold: rs.lists.reviewThreshold, matchThreshold: matcher.threshold }));
    flags.push(...ownershipFlags(ctx, matcher, p, i));
    return {
      index: i,
      role: p.role,
      matches: candidates.map((c) => ({ list: c.entry.list, name: c.entry.name, matchedName: c.matchedName, score: round3(c.score), match: c.match, entryId: c.entry.id })),
    };
  });
  return { parties, flags };
}

function candidateFlag(ctx: ScreenContext, c: PartyCandidate, role: string, i: number, rule: (id: string) => ListRule): Flag {
  const lists = ctx.rs.lists.rules;
  const listRule = c.match ? (lists.find((r) => !r.possible && !r.affiliates && r.lists.includes(c.entry.list)) ?? rule('LIST-OTHER')) : rule('LIST-POSSIBLE');
  const e = c.entry;
  const vars = {
    role, entryName: e.name, list: e.list, source: e.source, score: round3(c.score), programs: e.programs.join(', ') || 'no program listed',
    frNotice: e.federalRegisterNotice ?? 'FR notice not given', licenceRequirement: e.licenseRequirement ?? 'licence for all items subject to the EAR',
    licencePolicy: e.licensePolicy ?? 'see the entry',
  };
  return makeFlag(listRule, 'party', `parties[${i}]`, vars, {
    list: e.list, entryId: e.id, entryName: e.name, matchedName: c.matchedName, score: round3(c.score), match: c.match,
    explanation: c.explanation.summary, scorePieces: c.explanation.pieces, entryCountries: e.countries, programs: e.programs,
    licenseRequirement: e.licenseRequirement, licensePolicy: e.licensePolicy, federalRegisterNotice: e.federalRegisterNotice, sourceListUrl: e.sourceListUrl,
  });
}

/**
 * Ownership: each owner is screened like a party; the ownership rules (lists.yaml `affiliates`, strongest first)
 * add up the shares of the owners found on their lists — a `match` for a licence rule, any candidate above the
 * review threshold for a review rule — and the first whose minimum share is reached fires (Affiliates Rule, 50 %).
 */
function ownershipFlags(ctx: ScreenContext, matcher: PartyMatcher, p: Party, i: number): Flag[] {
  if (!p.owners?.length) return [];
  const { rs } = ctx;
  const date = ctx.s.shipDate;
  const found = p.owners.map((o) => ({
    owner: o,
    hits: matcher.search({ name: o.name, country: o.country, limit: rs.lists.maxCandidatesPerParty }).filter((c) => c.match || c.score >= rs.lists.reviewThreshold),
  })).filter((f) => f.hits.length > 0);
  if (found.length === 0) return [];
  for (const r of rs.lists.rules) {
    const a = r.affiliates;
    if (!a || !inForce(r, date) || (a.suspended ?? []).some((w) => date >= w.from && date < w.to)) continue;
    const strict = r.decision === 'LICENSE_REQUIRED' || r.decision === 'BLOCK';
    const counted = found.filter((f) => f.hits.some((c) => (r.lists.includes('*') || r.lists.includes(c.entry.list)) && (!strict || c.match)));
    const share = Math.min(100, counted.reduce((n, f) => n + f.owner.share, 0));
    if (counted.length === 0 || share < a.minShare) continue;
    const owners = counted.map((f) => ({ name: f.owner.name, country: f.owner.country ?? null, share: f.owner.share, entries: f.hits.map((c) => ({ list: c.entry.list, entryId: c.entry.id, entryName: c.entry.name, score: round3(c.score), match: c.match })) }));
    return [makeFlag(r, 'party', `parties[${i}]`, { role: p.role, share, owners: owners.map((o) => `${o.name} ${o.share} %`) },
      { aggregateShare: share, minShare: a.minShare, owners, shipDate: date, suspended: a.suspended ?? [] })];
  }
  return [];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
