/** What every check module reads: the shipment, its classified items and a few derived values. */
import type { Ruleset } from '../rules/ruleset.js';
import { eccnMatches } from '../rules/ruleset.js';
import type { NormalisedShipment, Party } from '../schemas/shipment.js';
import type { ClassifiedItem } from './items.js';

/**
 * ECCN prefixes of the advanced-computing controls (counted by red flags such as quantity checks): 3A090/4A090
 * and the .z paragraphs of other entries for items meeting their parameters (15 CFR 774 Supp. 1; facts.yaml z_paragraphs).
 */
export const ADVANCED = ['3A090', '4A090', '3A001.z', '4A003.z', '4A004.z', '4A005.z', '5A002.z', '5A004.z', '5A992.z'] as const;

/** Roles whose country is where the goods end up (15 CFR 748.5(d)-(e); 742.6(a)(6)(iii) "destination" the exporter knows of). */
const ULTIMATE_ROLES: ReadonlySet<string> = new Set(['end_user', 'ultimate_consignee']);
/** An owner holding this share or more is taken as the ultimate parent (742.6(a)(6)(iii) "ultimate parent"; conservative at 50 %). */
const CONTROLLING_SHARE = 50;

/** A country the goods end up in, and where the shipment says so. */
export interface UltimateDestination {
  country: string;
  /** `route.destination` or `parties[i]` */
  subject: string;
}

/** A party's headquarters as the D:5/Macau rules read it. */
export interface Headquarters {
  country: string;
  /** `stated`: headquartersCountry; `located`: no headquarters given, taken to be where the party is; `parent`: a controlling owner's country */
  basis: 'stated' | 'located' | 'parent';
}

export interface ScreenContext {
  rs: Ruleset;
  s: NormalisedShipment;
  items: ClassifiedItem[];
  parties: Party[];
  /** route.destination: the last leg */
  destination: string;
  /** where the goods end up: route.destination plus every end user's and ultimate consignee's country, distinct, route first */
  ultimate: UltimateDestination[];
  /** per party (same index): every headquarters the D:5/Macau rules must consider */
  headquarters: Headquarters[][];
  /** advanced ICs shipped, systems counted by their contained chips */
  advancedChips: number;
  /** of those, the ones not known to be consumer parts: a catalog or specs datacenter item, or one nobody described */
  advancedDatacenterChips: number;
  totalValueUsd: number;
  /** every country the shipment involves (conditions.ts), worked out on first use */
  involved?: string[];
}

export function buildContext(rs: Ruleset, s: NormalisedShipment, items: ClassifiedItem[]): ScreenContext {
  let advancedChips = 0;
  let advancedDatacenterChips = 0;
  let totalValueUsd = 0;
  for (const it of items) {
    if (eccnMatches(it.result.eccn, ADVANCED)) {
      advancedChips += it.chipCount;
      if (it.datacenter !== false) advancedDatacenterChips += it.chipCount;
    }
    totalValueUsd += (it.input.unitPriceUsd ?? 0) * it.input.quantity;
  }
  const parties = s.parties ?? [];
  const destination = s.route.destination;
  const ultimate: UltimateDestination[] = [{ country: destination, subject: 'route.destination' }];
  parties.forEach((p, i) => {
    if (p.country && ULTIMATE_ROLES.has(p.role) && !ultimate.some((u) => u.country === p.country)) ultimate.push({ country: p.country, subject: `parties[${i}]` });
  });
  return { rs, s, items, parties, destination, ultimate, headquarters: parties.map(headquartersOf), advancedChips, advancedDatacenterChips, totalValueUsd };
}

function headquartersOf(p: Party): Headquarters[] {
  const out: Headquarters[] = [];
  if (p.headquartersCountry) out.push({ country: p.headquartersCountry, basis: 'stated' });
  else if (p.country) out.push({ country: p.country, basis: 'located' });
  for (const o of p.owners ?? [])
    if (o.country && o.share >= CONTROLLING_SHARE && !out.some((h) => h.country === o.country)) out.push({ country: o.country, basis: 'parent' });
  return out;
}

/** True when any ultimate destination is in the set `test` accepts; the first such destination. */
export function ultimateIn(ctx: ScreenContext, test: (country: string) => boolean): UltimateDestination | undefined {
  return ctx.ultimate.find((u) => test(u.country));
}
