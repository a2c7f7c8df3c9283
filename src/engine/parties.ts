/**
 * Party screening against the lists (15 CFR 744.11/744.16 Entity List, 764.3 Denied Persons, 744.21 MEU,
 * 744.15 UVL, OFAC SDN): each party is searched through the injected matcher; a `match` takes its list's
 * decision from rules/lists.yaml, a weaker candidate above the review threshold asks for REVIEW.
 */
import type { PartyCandidate } from '../lists/types.js';
import type { ListRule } from '../rules/schema.js';
import type { Flag, PartyResult } from '../schemas/screening-result.js';
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
  const listRule = c.match ? (lists.find((r) => !r.possible && r.lists.includes(c.entry.list)) ?? rule('LIST-OTHER')) : rule('LIST-POSSIBLE');
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

const round3 = (x: number) => Math.round(x * 1000) / 1000;
