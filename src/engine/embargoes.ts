/**
 * Comprehensive embargoes (E:1/E:2, 15 CFR 746) for the destination, every route country and every party's
 * country; Russia/Belarus country sanctions (15 CFR 746.8) for CCL items.
 */
import { inDestinationSet, inForce } from '../rules/ruleset.js';
import type { EmbargoRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';

export function embargoFlags(ctx: ScreenContext): Flag[] {
  const flags: Flag[] = [];
  for (const r of ctx.rs.embargoes) {
    if (!inForce(r, ctx.s.shipDate)) continue;
    const hit = (c: string | undefined): c is string => c !== undefined && inDestinationSet(ctx.rs, c, r.countries);
    if (r.appliesTo.includes('destination') && hit(ctx.destination)) flags.push(...destinationHit(ctx, r));
    if (r.appliesTo.includes('route')) {
      (ctx.s.route.via ?? []).forEach((c, k) => {
        if (hit(c)) flags.push(makeFlag(r, 'route', `route.via[${k}]`, { where: 'Route country', country: c }, { country: c, position: k }));
      });
      if (hit(ctx.s.route.origin)) flags.push(makeFlag(r, 'route', 'route.origin', { where: 'Origin', country: ctx.s.route.origin }, { country: ctx.s.route.origin }));
    }
    if (r.appliesTo.includes('party')) {
      ctx.parties.forEach((p, j) => {
        for (const [field, c] of [['country', p.country], ['headquartersCountry', p.headquartersCountry]] as const)
          if (hit(c)) flags.push(makeFlag(r, 'party', `parties[${j}]`, { where: `The ${p.role}'s ${field === 'country' ? 'country' : 'headquarters'}`, country: c }, { role: p.role, field, country: c }));
      });
      if (hit(ctx.s.payment?.country)) flags.push(makeFlag(r, 'party', 'shipment', { where: 'Payment country', country: ctx.s.payment?.country }, { field: 'payment.country', country: ctx.s.payment?.country }));
    }
  }
  return flags;
}

function destinationHit(ctx: ScreenContext, r: EmbargoRule): Flag[] {
  if (r.eccnScope !== 'ccl') return [makeFlag(r, 'destination', 'route.destination', { where: 'Destination', country: ctx.destination }, { country: ctx.destination, shipDate: ctx.s.shipDate })];
  // 746.8(a)(1): every item on the CCL; an item we could not classify is treated as on the CCL (conservative).
  return ctx.items.filter((it) => it.result.eccn !== 'EAR99').map((it) => {
    it.result.licenseRequired = true;
    return makeFlag(r, 'destination', `items[${it.result.index}]`, { eccn: it.result.eccn ?? 'unclassified item', country: ctx.destination }, { eccn: it.result.eccn, country: ctx.destination, shipDate: ctx.s.shipDate });
  });
}
