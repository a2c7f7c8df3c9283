/**
 * The condition language of rules/red-flags.yaml: which predicates exist, where they may be used and what
 * argument each takes. The loader validates every condition against this table; src/engine/conditions.ts
 * implements each predicate (its evaluator table is typed by `PredicateName`, so none can be missing).
 */
export type PredicateScope = 'shipment' | 'party' | 'item';
export type ArgKind = 'boolean' | 'number' | 'date' | 'regex' | 'strings' | 'countries' | 'eccns' | 'roles';

export const PREDICATES = {
  // shipment-level: usable in every scope
  endUseMatches: { scope: 'shipment', arg: 'regex' },
  endUseMissing: { scope: 'shipment', arg: 'boolean' },
  paymentMethodIn: { scope: 'shipment', arg: 'strings' },
  /** the payment method as typed ("USDT stablecoin", "Bitcoin", "cash on delivery") matches the regex */
  paymentMethodMatches: { scope: 'shipment', arg: 'regex' },
  paymentCountryNotInRoleCountries: { scope: 'shipment', arg: 'roles' },
  servicesDeclined: { scope: 'shipment', arg: 'boolean' },
  shipDateDefaulted: { scope: 'shipment', arg: 'boolean' },
  viaCountAtLeast: { scope: 'shipment', arg: 'number' },
  destinationIn: { scope: 'shipment', arg: 'countries' },
  destinationNotIn: { scope: 'shipment', arg: 'countries' },
  anyPartyHqIn: { scope: 'shipment', arg: 'countries' },
  anyPartyCountryIn: { scope: 'shipment', arg: 'countries' },
  /** the route's origin or an intermediate country is in the set: where the goods are before they reach the destination */
  routeCountryIn: { scope: 'shipment', arg: 'countries' },
  hasPartyRole: { scope: 'shipment', arg: 'roles' },
  anyItemEccnIn: { scope: 'shipment', arg: 'eccns' },
  advancedChipCountAtLeast: { scope: 'shipment', arg: 'number' },
  /** advanced ICs not known to be consumer (non-datacenter) parts: catalog/specs datacenter items and undescribed ones */
  advancedDatacenterChipCountAtLeast: { scope: 'shipment', arg: 'number' },
  totalValueAtLeast: { scope: 'shipment', arg: 'number' },
  // every country the shipment involves: where the goods end up, the route, every party's country and
  // headquarters (stated, assumed or a controlling owner's), owners' countries and the payment country
  anyInvolvedCountryIn: { scope: 'shipment', arg: 'countries' },
  anyInvolvedCountryNotIn: { scope: 'shipment', arg: 'countries' },
  anyInvolvedCountryHubTierIn: { scope: 'shipment', arg: 'strings' },
  /** a flag asking for more than CLEAR from another check (destination, route, party, end use, red flag) */
  otherFlagRaised: { scope: 'shipment', arg: 'boolean' },
  newCustomer: { scope: 'shipment', arg: 'boolean' },
  shipDatePast: { scope: 'shipment', arg: 'boolean' },
  // party scope
  partyRoleIn: { scope: 'party', arg: 'roles' },
  partyCountryIn: { scope: 'party', arg: 'countries' },
  partyCountryNotIn: { scope: 'party', arg: 'countries' },
  partyHqIn: { scope: 'party', arg: 'countries' },
  partyCountryNotInRoleCountries: { scope: 'party', arg: 'roles' },
  partyCountryDiffersFromDestination: { scope: 'party', arg: 'boolean' },
  incorporatedOnOrAfter: { scope: 'party', arg: 'date' },
  incorporatedWithinMonths: { scope: 'party', arg: 'number' },
  partyBusinessTypeIn: { scope: 'party', arg: 'strings' },
  partyBusinessTypeMissing: { scope: 'party', arg: 'boolean' },
  partyNameMatches: { scope: 'party', arg: 'regex' },
  partyAddressMatches: { scope: 'party', arg: 'regex' },
  partyWebsiteMissing: { scope: 'party', arg: 'boolean' },
  // item scope
  itemEccnIn: { scope: 'item', arg: 'eccns' },
  itemEccnDeclaredMismatch: { scope: 'item', arg: 'boolean' },
  itemHsCodeIn: { scope: 'item', arg: 'strings' },
  itemDescriptionMatches: { scope: 'item', arg: 'regex' },
  itemModelMatches: { scope: 'item', arg: 'regex' },
  itemQuantityAtLeast: { scope: 'item', arg: 'number' },
  itemVendorCountryIn: { scope: 'item', arg: 'countries' },
  /** the declared ECCN (normalised) is present and none of these (prefix match) */
  itemDeclaredEccnNotIn: { scope: 'item', arg: 'eccns' },
  /** the description names a catalog chip or system whose ECCN is one of these */
  itemDescriptionNamesEccnIn: { scope: 'item', arg: 'eccns' },
  itemUnitPriceAtLeast: { scope: 'item', arg: 'number' },
} as const satisfies Record<string, { scope: PredicateScope; arg: ArgKind }>;

export type PredicateName = keyof typeof PREDICATES;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  /** holds when the party-scope condition inside holds for at least one party (each party in turn is its party) */
  | { someParty: Condition }
  | { [K in PredicateName]?: unknown };

export function isPredicateName(name: string): name is PredicateName {
  return Object.prototype.hasOwnProperty.call(PREDICATES, name);
}
