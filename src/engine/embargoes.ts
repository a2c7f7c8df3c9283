/**
 * Comprehensive embargoes (E:1/E:2, 15 CFR 746) for every ultimate destination (the route's last leg, the end
 * user's and ultimate consignee's countries), every route country and every party's country; Russia/Belarus
 * country sanctions (15 CFR 746.8) for CCL items, also when an end user in Russia is reached through a third country.
 */
import { inDestinationSet, inForce } from '../rules/ruleset.js';
import type { EmbargoRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import type { ScreenContext, UltimateDestination } from './context.js';
import { makeFlag } from './flag.js';

export function embargoFlags(ctx: ScreenContext): Flag[] {
  const flags: Flag[] = [];
  for (const r of ctx.rs.embargoes) {
    if (!inForce(r, ctx.s.shipDate)) continue;
    if (r.appliesTo.includes('destination')) for (const u of ctx.ultimate) if (hit(ctx, r, u.country)) flags.push(...destinationHit(ctx, r, u));
    if (r.appliesTo.includes('route')) {
      (ctx.s.route.via ?? []).forEach((c, k) => {
        if (hit(ctx, r, c)) flags.push(makeFlag(r, 'route', `route.via[${k}]`, { where: 'Route country', country: c }, { country: c, position: k }));
      });
      if (hit(ctx, r, ctx.s.route.origin)) flags.push(makeFlag(r, 'route', 'route.origin', { where: 'Origin', country: ctx.s.route.origin }, { country: ctx.s.route.origin }));
    }
    if (r.appliesTo.includes('party')) {
      ctx.parties.forEach((p, j) => {
        for (const [field, c] of [['country', p.country], ['headquartersCountry', p.headquartersCountry]] as const)
          if (hit(ctx, r, c)) flags.push(makeFlag(r, 'party', `parties[${j}]`, { where: `The ${p.role}'s ${field === 'country' ? 'country' : 'headquarters'}`, country: c }, { role: p.role, field, country: c }));
      });
      if (hit(ctx, r, ctx.s.payment?.country)) flags.push(makeFlag(r, 'party', 'shipment', { where: 'Payment country', country: ctx.s.payment?.country }, { field: 'payment.country', country: ctx.s.payment?.country }));
    }
  }
  return flags;
}

const hit = (ctx: ScreenContext, r: EmbargoRule, c: string | undefined): c is string => c !== undefined && inDestinationSet(ctx.rs, c, r.countries);

function destinationHit(ctx: ScreenContext, r: EmbargoRule, u: UltimateDestination): Flag[] {
  const where = u.subject === 'route.destination' ? 'Destination' : 'Ultimate destination';
  const evidence = { country: u.country, destinationFrom: u.subject, routeDestination: ctx.destination, shipDate: ctx.s.shipDate };
  if (r.eccnScope !== 'ccl') return [makeFlag(r, 'destination', u.subject, { where, country: u.country }, evidence)];
  // 746.8(a)(1): every item on the CCL; an item we could not classify is treated as on the CCL (conservative).
  return ctx.items.filter((it) => it.result.eccn !== 'EAR99').map((it) => {
    it.result.licenseRequired = true;
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn ?? 'unclassified item', country: u.country }, { eccn: it.result.eccn, ...evidence });
  });
}
