/**
 * Route analysis: transshipment hubs in the route (BIS best practices), hub destinations without local
 * permits, and Malaysia's Strategic Trade Permit for US-origin AI chips (MITI Directive No. 1/2025).
 * Embargoed route countries are handled in embargoes.ts.
 */
import { eccnMatches, inForce } from '../rules/ruleset.js';
import type { HubRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';

export function routeFlags(ctx: ScreenContext): Flag[] {
  const flags: Flag[] = [];
  let summary: HubRule | null = null;
  for (const r of ctx.rs.hubRules) {
    if (!inForce(r, ctx.s.shipDate)) continue;
    if (r.kind === 'routeSummary') summary = r;
    else if (r.kind === 'hubInRoute') flags.push(...hubsInRoute(ctx, r));
    else if (r.kind === 'hubDestinationPermit') flags.push(...hubDestination(ctx, r));
    else if (r.kind === 'malaysiaStp') flags.push(...malaysiaPermit(ctx, r));
  }
  if (summary && flags.length === 0) {
    const route = [ctx.s.route.origin ?? '?', ...(ctx.s.route.via ?? []), ctx.destination].join(' → ');
    flags.push(makeFlag(summary, 'route', 'route', { route }, { origin: ctx.s.route.origin ?? null, via: ctx.s.route.via ?? [], destination: ctx.destination }));
  }
  return flags;
}

const relevant = (ctx: ScreenContext, r: HubRule) => ctx.items.filter((it) => eccnMatches(it.result.eccn, r.eccnPrefixes ?? []));

function hubsInRoute(ctx: ScreenContext, r: HubRule): Flag[] {
  const items = relevant(ctx, r);
  if (items.length === 0) return [];
  const flags: Flag[] = [];
  (ctx.s.route.via ?? []).forEach((c, k) => {
    const hub = ctx.rs.hubs.get(c);
    if (!hub) return;
    const tier = ctx.rs.hubTiers[hub.tier];
    flags.push(makeFlag(r, 'route', `route.via[${k}]`, { country: c, tier: hub.tier, reason: hub.reason },
      { country: c, tier: hub.tier, tierNote: tier.note, reason: hub.reason, sources: hub.source, items: items.map((i) => i.result.index) }, { severity: tier.severity }));
  });
  return flags;
}

function hubDestination(ctx: ScreenContext, r: HubRule): Flag[] {
  const hub = ctx.rs.hubs.get(ctx.destination);
  if (!hub || !(r.tiers ?? []).includes(hub.tier) || relevant(ctx, r).length === 0) return [];
  const permits = (ctx.s.permits ?? []).map((p) => p.type.toUpperCase());
  const accepted = (r.localPermitTypes ?? []).map((t) => t.toUpperCase());
  if (permits.some((p) => accepted.includes(p))) return [];
  return [makeFlag(r, 'route', 'route.destination', { country: ctx.destination }, { country: ctx.destination, tier: hub.tier, permitsOnFile: permits, acceptedPermitTypes: r.localPermitTypes ?? [] })];
}

/**
 * The permit concerns export, transshipment and transit OUT of Malaysia: goods delivered there stay unless an
 * end user or ultimate consignee elsewhere is named, or none is named at all (then nobody says they stay).
 */
function leavesDestination(ctx: ScreenContext): boolean {
  const named = ctx.parties.some((p) => p.role === 'end_user' || p.role === 'ultimate_consignee');
  return !named || ctx.ultimate.some((u) => u.country !== ctx.destination);
}

function malaysiaPermit(ctx: ScreenContext, r: HubRule): Flag[] {
  const countries = r.countries ?? [];
  const usOrigin = relevant(ctx, r).filter((it) => it.vendorCountry === null || (r.vendorCountries ?? []).includes(it.vendorCountry));
  if (usOrigin.length === 0) return [];
  if ((ctx.s.permits ?? []).some((p) => p.type.toUpperCase() === (r.permitType ?? '').toUpperCase())) return [];
  const viaIndex = (ctx.s.route.via ?? []).findIndex((c) => countries.includes(c));
  const partyIndex = ctx.parties.findIndex((p) => p.country !== undefined && countries.includes(p.country));
  const [subject, where] = viaIndex >= 0
    ? [`route.via[${viaIndex}]`, 'route']
    : countries.includes(ctx.destination)
      ? leavesDestination(ctx) ? ['route.destination', 'destination'] : [null, null]
      : partyIndex >= 0
        ? [`parties[${partyIndex}]`, 'parties']
        : [null, null];
  if (!subject) return [];
  return [makeFlag(r, 'route', subject, { where }, { where, permitType: r.permitType, permitsOnFile: (ctx.s.permits ?? []).map((p) => p.type), items: usOrigin.map((i) => i.result.index), effectiveFrom: r.effectiveFrom ?? null })];
}
