/** What every check module reads: the shipment, its classified items and a few derived values. */
import type { Ruleset } from '../rules/ruleset.js';
import { eccnMatches } from '../rules/ruleset.js';
import type { NormalisedShipment, Party } from '../schemas/shipment.js';
import type { ClassifiedItem } from './items.js';

/** ECCN prefixes of the advanced-computing controls (counted by red flags such as quantity checks). */
export const ADVANCED = ['3A090', '4A090'] as const;

export interface ScreenContext {
  rs: Ruleset;
  s: NormalisedShipment;
  items: ClassifiedItem[];
  parties: Party[];
  destination: string;
  /** advanced ICs shipped, systems counted by their contained chips */
  advancedChips: number;
  totalValueUsd: number;
}

export function buildContext(rs: Ruleset, s: NormalisedShipment, items: ClassifiedItem[]): ScreenContext {
  let advancedChips = 0;
  let totalValueUsd = 0;
  for (const it of items) {
    if (eccnMatches(it.result.eccn, ADVANCED)) advancedChips += it.chipCount;
    totalValueUsd += (it.input.unitPriceUsd ?? 0) * it.input.quantity;
  }
  return { rs, s, items, parties: s.parties ?? [], destination: s.route.destination, advancedChips, totalValueUsd };
}
