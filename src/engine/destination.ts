/**
 * Licence determination by destination (15 CFR 742.6(a)(6)): ECCN x country group at shipDate, the
 * headquarters rule (D:5/Macau parents, anywhere), named-chip "is informed" letters (H20), the 744.23
 * supercomputer end use, the Jan-2026 China/Macau review policy, and info flags where no licence is needed.
 */
import { eccnMatches, groupsOf, inDestinationSet, inForce, inGroup } from '../rules/ruleset.js';
import type { LicenceRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import type { ScreenContext } from './context.js';
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
  return flags;
}

const eccnIn = (it: ClassifiedItem, r: LicenceRule) =>
  (r.eccns ? r.eccns.includes(it.result.eccn ?? '') : false) || eccnMatches(it.result.eccn, r.eccnPrefixes ?? []);

function severityFor(ctx: ScreenContext, r: LicenceRule, country: string) {
  const si = r.severityIf;
  if (si && ((si.countries ?? []).includes(country) || (si.groups ?? []).some((g) => inGroup(ctx.rs, country, g)))) return si.severity;
  return r.severity;
}

function byDestination(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const dest = ctx.destination;
  if (!r.destinations || !inDestinationSet(ctx.rs, dest, r.destinations)) return [];
  return ctx.items.filter((it) => eccnIn(it, r)).map((it) => {
    it.result.licenseRequired = true;
    const groups = groupsOf(ctx.rs, dest);
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn, country: dest, groups },
      { eccn: it.result.eccn, destination: dest, destinationGroups: groups, treatedAs: ctx.rs.treatedAs.get(dest) ?? null, scope: r.destinations, shipDate: ctx.s.shipDate, mode: ctx.rs.mode, effectiveFrom: r.effectiveFrom ?? null, effectiveTo: r.effectiveTo ?? null },
      { severity: severityFor(ctx, r, dest) });
  });
}

function byHeadquarters(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const flags: Flag[] = [];
  const covered = ctx.items.filter((it) => eccnIn(it, r));
  if (covered.length === 0 || !r.headquarters) return flags;
  ctx.parties.forEach((p, j) => {
    const hq = p.headquartersCountry;
    if (!hq || !(r.roles ?? []).includes(p.role) || !inDestinationSet(ctx.rs, hq, r.headquarters!)) return;
    for (const it of covered) it.result.licenseRequired = true;
    flags.push(makeFlag(r, 'destination', `parties[${j}]`, { role: p.role, hq, eccn: [...new Set(covered.map((i) => i.result.eccn))] },
      { role: p.role, headquartersCountry: hq, headquartersGroups: groupsOf(ctx.rs, hq), items: covered.map((i) => i.result.index), eccns: covered.map((i) => i.result.eccn), destination: ctx.destination, shipDate: ctx.s.shipDate }));
  });
  return flags;
}

function byInformedLetter(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const dest = ctx.destination;
  if (!r.destinations || !inDestinationSet(ctx.rs, dest, r.destinations)) return [];
  const named = (it: ClassifiedItem) => it.chipId !== null && (r.chips ?? []).includes(it.chipId);
  // "and any IC achieving its memory bandwidth": a below-3A090 item at or above the H20's bandwidth.
  const sameBandwidth = (it: ClassifiedItem) =>
    r.memoryBandwidthMin !== undefined && it.memoryBandwidthGBps !== null && it.memoryBandwidthGBps >= r.memoryBandwidthMin && !eccnMatches(it.result.eccn, ['3A090', '4A090']);
  return ctx.items.filter((it) => named(it) || sameBandwidth(it)).map((it) => {
    it.result.licenseRequired = true;
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { model: it.result.model, country: dest },
      { chip: it.chipId, memoryBandwidthGBps: it.memoryBandwidthGBps, memoryBandwidthMin: r.memoryBandwidthMin ?? null, reason: named(it) ? 'named in the notice' : 'memory bandwidth at or above the H20', destination: dest, shipDate: ctx.s.shipDate, effectiveFrom: r.effectiveFrom ?? null, effectiveTo: r.effectiveTo ?? null, note: r.note ?? null });
  });
}

function byEndUse(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const endUse = ctx.s.endUse;
  const re = r.endUsePattern ? ctx.rs.regexes.get(r.endUsePattern) : undefined;
  if (!endUse || !re || !re.test(endUse) || !r.destinations) return [];
  const set = r.destinations;
  const where = inDestinationSet(ctx.rs, ctx.destination, set)
    ? ctx.destination
    : r.alsoHeadquarters
      ? (ctx.parties.map((p) => p.headquartersCountry ?? p.country).find((c) => c !== undefined && inDestinationSet(ctx.rs, c, set)) ?? null)
      : null;
  if (!where) return [];
  return ctx.items.filter((it) => eccnIn(it, r)).map((it) => {
    it.result.licenseRequired = true;
    return makeFlag(r, 'end_use', `items[${it.result.index}]`, { endUse, country: where, eccn: it.result.eccn },
      { endUse, pattern: r.endUsePattern, country: where, eccn: it.result.eccn });
  });
}

/** Jan 2026: case-by-case (not denial) for US-origin exports to China/Macau with TPP < 21000 and DRAM bandwidth < 6500 GB/s. */
function reviewPolicy(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const dest = ctx.destination;
  const cb = r.caseByCase;
  if (!cb || !r.destinations || !inDestinationSet(ctx.rs, dest, r.destinations)) return [];
  const origin = ctx.s.route.origin ?? 'US';
  return ctx.items.filter((it) => it.result.licenseRequired && eccnIn(it, r)).map((it) => {
    const tpp = it.result.tpp;
    const bw = it.memoryBandwidthGBps;
    const caseByCase = tpp !== null && tpp < cb.tppBelow && bw !== null && bw < cb.memoryBandwidthBelow && cb.originIn.includes(origin);
    const policy = caseByCase
      ? `case-by-case review (TPP ${tpp} < ${cb.tppBelow}, DRAM bandwidth ${bw} GB/s < ${cb.memoryBandwidthBelow}), subject to the certifications in 742.6(b)(10)`
      : `presumption of denial (TPP ${tpp ?? 'unknown'}, DRAM bandwidth ${bw ?? 'unknown'} GB/s, origin ${origin})`;
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn, country: dest, policy },
      { tpp, memoryBandwidthGBps: bw, origin, originAssumed: ctx.s.route.origin === undefined, tppBelow: cb.tppBelow, memoryBandwidthBelow: cb.memoryBandwidthBelow, policy: caseByCase ? 'case-by-case' : 'presumption-of-denial' },
      { severity: caseByCase ? r.severity : 'critical' });
  });
}

function noLicence(ctx: ScreenContext, r: LicenceRule): Flag[] {
  const dest = ctx.destination;
  // "No licence needed" would mislead for an embargoed destination; the embargo flag says why instead.
  const embargoed = ctx.rs.embargoes.some((e) => e.decision === 'BLOCK' && e.appliesTo.includes('destination') && inForce(e, ctx.s.shipDate) && inDestinationSet(ctx.rs, dest, e.countries));
  if (embargoed) return [];
  return ctx.items.filter((it) => !it.result.licenseRequired && eccnIn(it, r)).map((it) =>
    makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn, country: dest, groups: groupsOf(ctx.rs, dest).join(', ') || 'no D group' },
      { eccn: it.result.eccn, destination: dest, destinationGroups: groupsOf(ctx.rs, dest), mode: ctx.rs.mode, shipDate: ctx.s.shipDate }));
}
