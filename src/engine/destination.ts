/**
 * Licence determination by destination (15 CFR 742.6(a)(6)): ECCN x country group at shipDate, the
 * headquarters rule (D:5/Macau parents, anywhere), named-chip "is informed" letters (H20), the 744.23
 * supercomputer end use, the Jan-2026 China/Macau review policy, and info flags where no licence is needed.
 * "Destination" is every country the goods end up in (context.ts `ultimate`): the route's last leg, and the
 * end user's and ultimate consignee's countries — 742.6(a)(6)(iii) is about the destination the exporter knows of.
 */
import { eccnCovers } from '../rules/eccn.js';
import { eccnMatches, groupsOf, inDestinationSet, inForce, inGroup } from '../rules/ruleset.js';
import type { LicenceRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import { ADVANCED, ultimateIn, type ScreenContext, type UltimateDestination } from './context.js';

/** AI-class ICs below 3A090 and the computers containing them (3A991.p, 4A994.l): what the H20 notice reaches by bandwidth. */
const AI_CLASS = ['3A991.p', '4A994.l'];
import { makeFlag } from './flag.js';
import type { ClassifiedItem } from './items.js';

export function destinationFlags(ctx: ScreenContext): Flag[] {
  const { rs, s } = ctx;
  const active = rs.licence.filter((r) => r.modes.includes(rs.mode) && inForce(r, s.shipDate));
  const flags: Flag[] = [];
  for (const r of active) {
    if (r.kind === 'destination') flags.push(...byDestination(ctx, r));
    else if (r.kind === 'headquarters') flags.push(...byHeadquarters(ctx, r));
    else if (r.kind === 'informed') flags.push(...byInformedLetter(ctx, r));
    else if (r.kind === 'endUse') flags.push(...byEndUse(ctx, r));
  }
  for (const r of active) if (r.kind === 'reviewPolicy') flags.push(...reviewPolicy(ctx, r));
  for (const r of active) if (r.kind === 'noLicence') flags.push(...noLicence(ctx, r));
  flags.push(...bareDeclared(ctx, active));
  return flags;
}

/** The AI paragraphs a declared ECCN without its paragraph may be (thresholds.yaml itemReading.bareEccns); none otherwise. */
function bareParagraphs(ctx: ScreenContext, it: ClassifiedItem): readonly string[] {
  const eccn = it.result.eccn;
  if (it.result.basis !== 'declared' || !eccn) return [];
  return ctx.rs.thresholds.itemReading?.bareEccns[eccn] ?? [];
}

/**
 * A declared bare 3A090/4A090/3A991/4A994 on an item nothing identified, where a 3A090 licence rule in force reaches
 * a destination or a headquarters of the shipment: REVIEW, naming the paragraphs it may be and where the licence
 * scope begins. (A bare 3A090/4A090 also needs the licence itself: eccnCovers reads it as every paragraph.)
 */
function bareDeclared(ctx: ScreenContext, active: LicenceRule[]): Flag[] {
  const reading = ctx.rs.thresholds.itemReading;
  const rule = ctx.rs.itemRules.get('ITEM-DECLARED-BARE');
  if (!reading || !rule) return [];
  const items = ctx.items.filter((it) => bareParagraphs(ctx, it).length > 0);
  if (items.length === 0) return [];
  const scoped = active.filter((r) => (r.eccns ?? []).some((e) => reading.reviewWhereLicensed.some((x) => eccnCovers(e, x))));
  let where: { text: string; evidence: Record<string, unknown> } | null = null;
  for (const r of scoped) {
    if (where) break;
    if (r.kind === 'destination') {
      const u = ultimateInSet(ctx, r)[0];
      if (u) where = { text: u.country, evidence: { ruleId: r.id, ...whereEvidence(ctx, u) } };
    } else if (r.kind === 'headquarters' && r.headquarters) {
      ctx.parties.forEach((p, j) => {
        const hq = (r.roles ?? []).includes(p.role) ? ctx.headquarters[j]!.find((h) => inDestinationSet(ctx.rs, h.country, r.headquarters!)) : undefined;
        if (hq && !where) where = { text: `the ${p.role.replace(/_/g, ' ')}'s headquarters (${hq.country})`, evidence: { ruleId: r.id, party: `parties[${j}]`, role: p.role, headquartersCountry: hq.country, headquartersBasis: hq.basis } };
      });
    }
  }
  if (!where) return [];
  const w = where as { text: string; evidence: Record<string, unknown> };
  return items.map((it) => {
    const paragraphs = bareParagraphs(ctx, it);
    return makeFlag(rule, 'item', `items[${it.result.index}]`, { model: it.result.model ?? `item ${it.result.index}`, eccn: it.result.eccn, paragraphs: paragraphs.join(' or '), where: w.text },
      { declaredEccn: it.input.eccn ?? null, readAs: paragraphs, scopeOf: reading.reviewWhereLicensed, ...w.evidence, shipDate: ctx.s.shipDate, mode: ctx.rs.mode });
  });
}

const eccnIn = (it: ClassifiedItem, r: LicenceRule) =>
  (r.eccns ?? []).some((e) => eccnCovers(e, it.result.eccn)) || eccnMatches(it.result.eccn, r.eccnPrefixes ?? []);

function severityFor(ctx: ScreenContext, r: LicenceRule, country: string) {
  const si = r.severityIf;
  if (si && ((si.countries ?? []).includes(country) || (si.groups ?? []).some((g) => inGroup(ctx.rs, country, g)))) return si.severity;
  return r.severity;
}

/** The ultimate destinations inside a rule's destination set. */
const ultimateInSet = (ctx: ScreenContext, r: LicenceRule): UltimateDestination[] =>
  r.destinations ? ctx.ultimate.filter((u) => inDestinationSet(ctx.rs, u.country, r.destinations!)) : [];

/** Evidence naming where a destination comes from, so "MY, end user in CN" reads as such. */
const whereEvidence = (ctx: ScreenContext, u: UltimateDestination) => ({
  destination: u.country, destinationFrom: u.subject, routeDestination: ctx.destination, ultimateDestinations: ctx.ultimate.map((x) => x.country),
});

function byDestination(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const flags: Flag[] = [];
  const covered = ctx.items.filter((it) => eccnIn(it, r));
  if (covered.length === 0) return flags;
  for (const u of ultimateInSet(ctx, r)) {
    const groups = groupsOf(ctx.rs, u.country);
    // Named in the scope (the UAE, Macau) rather than reached through its groups: say why, not a group list that contradicts it.
    const because = r.messageNamed ? (r.namedBecause?.[u.country] ?? r.namedBecause?.[ctx.rs.treatedAs.get(u.country) ?? '']) : undefined;
    const rule = because !== undefined ? { ...r, message: r.messageNamed! } : r;
    for (const it of covered) {
      it.result.licenseRequired = true;
      flags.push(makeFlag(rule, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn, country: u.country, groups, because },
        { eccn: it.result.eccn, ...whereEvidence(ctx, u), destinationGroups: groups, treatedAs: ctx.rs.treatedAs.get(u.country) ?? null, scope: r.destinations, ...(because !== undefined ? { namedInScope: true, note: r.note ?? null } : {}), shipDate: ctx.s.shipDate, mode: ctx.rs.mode, effectiveFrom: r.effectiveFrom ?? null, effectiveTo: r.effectiveTo ?? null },
        { severity: severityFor(ctx, r, u.country) }));
    }
  }
  return flags;
}

function byHeadquarters(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const flags: Flag[] = [];
  const covered = ctx.items.filter((it) => eccnIn(it, r));
  if (covered.length === 0 || !r.headquarters) return flags;
  ctx.parties.forEach((p, j) => {
    if (!(r.roles ?? []).includes(p.role)) return;
    const hq = ctx.headquarters[j]!.find((h) => inDestinationSet(ctx.rs, h.country, r.headquarters!));
    if (!hq) return;
    for (const it of covered) it.result.licenseRequired = true;
    const basis = hq.basis === 'stated' ? '' : hq.basis === 'located' ? ' (assumed: no headquarters given, taken to be where it is located)' : ' (its controlling owner is there: ultimate parent)';
    flags.push(makeFlag(r, 'destination', `parties[${j}]`, { role: p.role, hq: `${hq.country}${basis}`, eccn: [...new Set(covered.map((i) => i.result.eccn))] },
      { role: p.role, headquartersCountry: hq.country, headquartersBasis: hq.basis, headquartersAssumed: hq.basis === 'located', headquartersGroups: groupsOf(ctx.rs, hq.country), items: covered.map((i) => i.result.index), eccns: covered.map((i) => i.result.eccn), destination: ctx.destination, shipDate: ctx.s.shipDate }));
  });
  return flags;
}

function byInformedLetter(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const u = ultimateInSet(ctx, r)[0];
  if (!u) return [];
  const named = (it: ClassifiedItem) => it.chipId !== null && (r.chips ?? []).includes(it.chipId);
  // "and any IC achieving its memory bandwidth": a below-3A090 item at or above the H20's bandwidth. An AI-class
  // IC (3A991.p/4A994.l) whose bandwidth is unknown is taken to reach it: an unknown number must never leave a
  // chip better off than a stronger one whose number is known.
  const below = (it: ClassifiedItem) => !eccnMatches(it.result.eccn, ADVANCED);
  const sameBandwidth = (it: ClassifiedItem) =>
    r.memoryBandwidthMin !== undefined && it.memoryBandwidthGBps !== null && it.memoryBandwidthGBps >= r.memoryBandwidthMin && below(it);
  // A bare declared 3A991/4A994 is not taken to be its AI paragraph here: most 3A991/4A994 items (CPUs, servers) are
  // not, so asserting the notice's licence would cry wolf; ITEM-DECLARED-BARE asks for the paragraph instead (REVIEW).
  const unknownBandwidth = (it: ClassifiedItem) =>
    r.memoryBandwidthMin !== undefined && it.memoryBandwidthGBps === null && below(it) && eccnMatches(it.result.eccn, AI_CLASS);
  const reason = (it: ClassifiedItem) =>
    named(it) ? 'named in the notice' : sameBandwidth(it) ? 'memory bandwidth at or above the H20' : 'memory bandwidth unknown: taken to reach the H20 (conservative)';
  return ctx.items.filter((it) => named(it) || sameBandwidth(it) || unknownBandwidth(it)).map((it) => {
    it.result.licenseRequired = true;
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { model: it.result.model, country: u.country },
      { chip: it.chipId, memoryBandwidthGBps: it.memoryBandwidthGBps, memoryBandwidthMin: r.memoryBandwidthMin ?? null, reason: reason(it), ...whereEvidence(ctx, u), shipDate: ctx.s.shipDate, effectiveFrom: r.effectiveFrom ?? null, effectiveTo: r.effectiveTo ?? null, note: r.note ?? null });
  });
}

/**
 * 744.23(a)(2): a "supercomputer" end use in or destined to Macau or D:5 — the law names the end use and
 * where the supercomputer is, so the rule looks at where the goods end up, never at a party's headquarters alone.
 */
function byEndUse(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const endUse = ctx.s.endUse;
  const re = r.endUsePattern ? ctx.rs.regexes.get(r.endUsePattern) : undefined;
  if (!endUse || !re || !re.test(endUse)) return [];
  const u = ultimateInSet(ctx, r)[0];
  if (!u) return [];
  return ctx.items.filter((it) => eccnIn(it, r)).map((it) => {
    it.result.licenseRequired = true;
    return makeFlag(r, 'end_use', `items[${it.result.index}]`, { endUse, country: u.country, eccn: it.result.eccn },
      { endUse, pattern: r.endUsePattern, country: u.country, countryFrom: u.subject, eccn: it.result.eccn });
  });
}

/**
 * Jan 2026: case-by-case (not denial) for exports FROM THE US to China/Macau with TPP < 21000 and DRAM bandwidth
 * < 6500 GB/s; reexports and in-country transfers stay presumption of denial. Unknown inputs take the
 * conservative side: an unknown bandwidth or origin, or goods that reach China through a third country
 * (the route's last leg is elsewhere: a reexport from there), are outside the window.
 */
function reviewPolicy(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const cb = r.caseByCase;
  const u = ultimateInSet(ctx, r)[0];
  if (!cb || !u) return [];
  const origin = ctx.s.route.origin ?? null;
  const direct = r.destinations !== undefined && inDestinationSet(ctx.rs, ctx.destination, r.destinations);
  return ctx.items.filter((it) => it.result.licenseRequired && eccnIn(it, r)).map((it) => {
    const tpp = it.result.tpp;
    const bw = it.memoryBandwidthGBps;
    const caseByCase = tpp !== null && tpp < cb.tppBelow && bw !== null && bw < cb.memoryBandwidthBelow && origin !== null && cb.originIn.includes(origin) && direct;
    const policy = caseByCase
      ? `case-by-case review (TPP ${tpp} < ${cb.tppBelow}, DRAM bandwidth ${bw} GB/s < ${cb.memoryBandwidthBelow}), subject to the certifications in 742.6(b)(10)`
      : `presumption of denial (TPP ${tpp ?? 'unknown'}, DRAM bandwidth ${bw ?? 'unknown'} GB/s, origin ${origin ?? 'unknown'}${direct ? '' : `, reaching ${u.country} through ${ctx.destination}`})`;
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn, country: u.country, policy },
      { tpp, memoryBandwidthGBps: bw, origin, originUnknown: origin === null, directExport: direct, ...whereEvidence(ctx, u), tppBelow: cb.tppBelow, memoryBandwidthBelow: cb.memoryBandwidthBelow, policy: caseByCase ? 'case-by-case' : 'presumption-of-denial' },
      { severity: caseByCase ? r.severity : 'critical' });
  });
}

function noLicence(ctx: ScreenContext, r: LicenceRule): Flag[] {
  // "No licence needed" would mislead for an embargoed destination; the embargo flag says why instead.
  const unlicensed = ctx.items.filter((it) => !it.result.licenseRequired && eccnIn(it, r));
  if (unlicensed.length === 0) return [];
  const embargoed = ultimateIn(ctx, (c) => ctx.rs.embargoes.some((e) => e.decision === 'BLOCK' && e.appliesTo.includes('destination') && inForce(e, ctx.s.shipDate) && inDestinationSet(ctx.rs, c, e.countries)));
  if (embargoed) return [];
  const countries = ctx.ultimate.map((u) => u.country);
  const groups = [...new Set(countries.flatMap((c) => groupsOf(ctx.rs, c)))];
  return unlicensed.map((it) =>
    makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn, country: countries.join(', '), groups: groups.join(', ') || 'no D group' },
      { eccn: it.result.eccn, destination: ctx.destination, ultimateDestinations: countries, destinationGroups: groups, mode: ctx.rs.mode, shipDate: ctx.s.shipDate }));
}
