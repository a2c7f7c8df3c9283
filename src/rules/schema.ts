/**
 * TypeBox schemas of the rule files in rules/. The loader checks every file against its schema before
 * anything else looks at it; `Static<>` gives the types the engine reads.
 */
import { Type, type Static } from 'typebox';
import { DECISIONS, SEVERITIES, literalUnion } from '../schemas/screening-result.js';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Code2 = Type.String({ pattern: '^[A-Z]{2}$' });
const Sources = Type.Array(Type.String({ minLength: 1 }));
const DecisionT = literalUnion(DECISIONS);
const SeverityT = literalUnion(SEVERITIES);
const Eccn = Type.String({ pattern: '^(EAR99|[0-9][A-E][0-9]{3}(\\.[a-z0-9]+)*)$' });
const Mode = Type.Union([Type.Literal('enforced_baseline'), Type.Literal('ecfr_letter')]);
const Open = { additionalProperties: false } as const;

/** Fields every flag-emitting rule carries. */
const RuleBase = {
  id: Type.String({ pattern: '^[A-Z][A-Z0-9-]+$' }),
  severity: SeverityT,
  decision: DecisionT,
  citation: Type.String({ minLength: 3 }),
  source: Sources,
  message: Type.String({ minLength: 3 }),
  note: Type.Optional(Type.String()),
  effectiveFrom: Type.Optional(IsoDate),
  effectiveTo: Type.Optional(IsoDate),
};

export const Manifest = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    mode: Mode,
    asOf: IsoDate,
    regulatorySnapshot: Type.Optional(Type.String()),
    disclaimer: Type.Optional(Type.String()),
    files: Type.Object(
      {
        countries: Type.String(), countryGroups: Type.String(), chips: Type.String(), thresholds: Type.String(),
        licenceScope: Type.String(), embargoes: Type.String(), hubs: Type.String(), redFlags: Type.String(),
        lists: Type.String(), licensing: Type.String(), sources: Type.String(), permits: Type.String(),
      },
      Open,
    ),
  },
  Open,
);

export const SourcesFile = Type.Object(
  { id: Type.Literal('sources'), note: Type.Optional(Type.String()), sources: Type.Record(Type.String(), Type.String()) },
  Open,
);

export const CountriesFile = Type.Object(
  {
    id: Type.Literal('countries'), source: Sources, citation: Type.String(), note: Type.Optional(Type.String()),
    countries: Type.Array(
      Type.Object(
        {
          alpha2: Code2, alpha3: Type.String({ pattern: '^[A-Z]{3}$' }), name: Type.String({ minLength: 2 }),
          aliases: Type.Optional(Type.Array(Type.String({ minLength: 2 }))), note: Type.Optional(Type.String()),
        },
        Open,
      ),
      { minItems: 200 },
    ),
  },
  Open,
);

export const CountryGroupsFile = Type.Object(
  {
    id: Type.Literal('country-groups'), citation: Type.String(), source: Sources,
    labels: Type.Record(Type.String(), Type.String()),
    treatedAs: Type.Array(Type.Object({ country: Code2, as: Code2, citation: Type.String(), source: Sources, note: Type.Optional(Type.String()) }, Open)),
    anomalies: Type.Array(Type.Object({ id: Type.String(), country: Code2, note: Type.String(), source: Sources }, Open)),
    groups: Type.Record(Type.String({ pattern: '^[A-E](:[0-9])?$' }), Type.Array(Code2)),
  },
  Open,
);

export const Chip = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }), name: Type.String(), vendor: Type.String(), vendorCountry: Code2,
    aliases: Type.Array(Type.String({ minLength: 2 }), { minItems: 1 }),
    partNumbers: Type.Optional(Type.Array(Type.String())),
    denseTops: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9_]+$' }), Type.Number({ exclusiveMinimum: 0 }))),
    dieAreaMm2: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    tpp: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    pd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    interconnectGBps: Type.Optional(Type.Number({ minimum: 0 })),
    memoryBandwidthGBps: Type.Optional(Type.Number({ minimum: 0 })),
    datacenter: Type.Boolean(), eccn: Eccn, uncertain: Type.Boolean(),
    uncertainEffect: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('review')])),
    note: Type.Optional(Type.String()), sources: Sources,
  },
  Open,
);

export const NamedSystem = Type.Object(
  { id: Type.String(), name: Type.String(), aliases: Type.Array(Type.String({ minLength: 2 }), { minItems: 1 }), chip: Type.String(), count: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) },
  Open,
);

export const ChipsFile = Type.Object(
  {
    id: Type.Literal('chips'), citation: Type.String(), source: Sources,
    aliasNormalisation: Type.Object(
      {
        ignoreWords: Type.Array(Type.String()),
        /** When a name typed with a space ("H 100", "MI 300X", "L40 S") may be joined into a catalog alias token (src/engine/catalog-match.ts). */
        spacedNames: Type.Optional(Type.Object({ unitWords: Type.Array(Type.String()), labelWords: Type.Array(Type.String()), goodsWords: Type.Array(Type.String()) }, Open)),
      },
      Open,
    ),
    chips: Type.Array(Chip, { minItems: 30 }),
    systems: Type.Object(
      {
        citation: Type.String(), source: Sources, eccnMap: Type.Record(Type.String(), Eccn), named: Type.Array(NamedSystem),
        parser: Type.Object({ countBefore: Type.String(), countAfter: Type.String(), countAnywhere: Type.String(), systemWords: Type.Array(Type.String()) }, Open),
      },
      Open,
    ),
  },
  Open,
);

const Bound = Type.Object(
  {
    tppMin: Type.Optional(Type.Number()), tppBelow: Type.Optional(Type.Number()),
    pdMin: Type.Optional(Type.Number()), pdBelow: Type.Optional(Type.Number()), interconnectMin: Type.Optional(Type.Number()),
  },
  Open,
);
export type Bound = Static<typeof Bound>;

const ItemRule = Type.Object(RuleBase, Open);

export const ThresholdsFile = Type.Object(
  {
    id: Type.Literal('thresholds'), citation: Type.String(), source: Sources,
    bitLengths: Type.Record(Type.String({ pattern: '^[a-z0-9_]+$' }), Type.Integer({ minimum: 1, maximum: 128 })),
    excludedPrecisions: Type.Array(Type.String()),
    regimes: Type.Array(
      Type.Object(
        {
          id: Type.String(), effectiveFrom: IsoDate, effectiveTo: Type.Optional(IsoDate), citation: Type.String(), source: Sources, note: Type.Optional(Type.String()),
          tests: Type.Array(Type.Object({ eccn: Eccn, id: Type.String(), anyOf: Type.Array(Bound, { minItems: 1 }) }, Open), { minItems: 1 }),
          datacenterNote: Type.Union([Type.Null(), Type.Object({ tppBelow: Type.Number(), appliesTo: Type.Array(Eccn), assumeDatacenterWhenUnknown: Type.Boolean() }, Open)]),
        },
        Open,
      ),
      { minItems: 1 },
    ),
    atOnly: Type.Object({ id: Type.String(), eccn: Eccn, topsMin: Type.Number(), citation: Type.String(), source: Sources, belowEccn: Eccn }, Open),
    documented: Type.Array(Type.Object({ id: Type.String(), rule: Type.String(), citation: Type.String(), source: Sources }, Open)),
    itemRules: Type.Array(ItemRule),
    /** What the classifier reads beside an unknown model: bare declared ECCNs, chip names in the description (src/engine/items.ts). */
    itemReading: Type.Optional(
      Type.Object(
        {
          bareEccns: Type.Record(Type.String({ pattern: '^[0-9][A-E][0-9]{3}$' }), Type.Array(Eccn, { minItems: 1 })),
          reviewWhereLicensed: Type.Array(Eccn),
          description: Type.Object(
            {
              separators: Type.String(), negations: Type.Array(Type.String()), negationsAfter: Type.Optional(Type.Array(Type.String())), accessoryWords: Type.Array(Type.String()), alternativeWords: Type.Array(Type.String()),
            },
            Open,
          ),
        },
        Open,
      ),
    ),
  },
  Open,
);

/** Countries in = (in `groups` and not in `excludeGroups`) or in `countries`; `all` = every country but `exceptCountries`. */
export const DestinationSet = Type.Object(
  {
    all: Type.Optional(Type.Boolean()), exceptCountries: Type.Optional(Type.Array(Code2)),
    groups: Type.Optional(Type.Array(Type.String())), excludeGroups: Type.Optional(Type.Array(Type.String())), countries: Type.Optional(Type.Array(Code2)),
  },
  Open,
);
export type DestinationSet = Static<typeof DestinationSet>;

export const LicenceRule = Type.Object(
  {
    ...RuleBase,
    kind: literalUnion(['destination', 'headquarters', 'informed', 'endUse', 'reviewPolicy', 'noLicence'] as const),
    modes: Type.Array(Mode, { minItems: 1 }),
    eccns: Type.Optional(Type.Array(Eccn)),
    eccnPrefixes: Type.Optional(Type.Array(Type.String())),
    destinations: Type.Optional(DestinationSet),
    headquarters: Type.Optional(DestinationSet),
    roles: Type.Optional(Type.Array(Type.String())),
    severityIf: Type.Optional(Type.Object({ groups: Type.Optional(Type.Array(Type.String())), countries: Type.Optional(Type.Array(Code2)), severity: SeverityT }, Open)),
    chips: Type.Optional(Type.Array(Type.String())),
    memoryBandwidthMin: Type.Optional(Type.Number()),
    /**
     * A destination in `destinations.countries` by name rather than by its groups (the UAE, Macau): the flag then
     * says why, with this message and the country's reason ({because}) instead of a group list that contradicts it.
     */
    messageNamed: Type.Optional(Type.String()),
    namedBecause: Type.Optional(Type.Record(Type.String(), Type.String())),
    endUsePattern: Type.Optional(Type.String()),
    caseByCase: Type.Optional(Type.Object({ tppBelow: Type.Number(), memoryBandwidthBelow: Type.Number(), originIn: Type.Array(Code2) }, Open)),
  },
  Open,
);
export type LicenceRule = Static<typeof LicenceRule>;

export const LicenceScopeFile = Type.Object(
  {
    id: Type.Literal('licence-scope'), citation: Type.String(), source: Sources, defaultMode: Mode,
    modes: Type.Record(Type.String(), Type.String()), rules: Type.Array(LicenceRule, { minItems: 1 }),
  },
  Open,
);

export const EmbargoRule = Type.Object(
  {
    ...RuleBase,
    countries: DestinationSet,
    appliesTo: Type.Array(Type.Union([Type.Literal('destination'), Type.Literal('route'), Type.Literal('party')]), { minItems: 1 }),
    eccnScope: Type.Optional(Type.Literal('ccl')),
  },
  Open,
);
export type EmbargoRule = Static<typeof EmbargoRule>;
export const EmbargoesFile = Type.Object({ id: Type.Literal('embargoes'), citation: Type.String(), source: Sources, rules: Type.Array(EmbargoRule, { minItems: 1 }) }, Open);

const Tier = Type.Union([Type.Literal('highest'), Type.Literal('high'), Type.Literal('elevated')]);
export const HubRule = Type.Object(
  {
    ...RuleBase,
    kind: Type.Union([Type.Literal('hubInRoute'), Type.Literal('hubDestinationPermit'), Type.Literal('malaysiaStp'), Type.Literal('routeSummary')]),
    eccnPrefixes: Type.Optional(Type.Array(Type.String())),
    tiers: Type.Optional(Type.Array(Tier)),
    localPermitTypes: Type.Optional(Type.Array(Type.String())),
    countries: Type.Optional(Type.Array(Code2)),
    vendorCountries: Type.Optional(Type.Array(Code2)),
    permitType: Type.Optional(Type.String()),
  },
  Open,
);
export type HubRule = Static<typeof HubRule>;
export const HubsFile = Type.Object(
  {
    id: Type.Literal('hubs'), citation: Type.String(), source: Sources,
    tiers: Type.Object({ highest: Type.Object({ severity: SeverityT, note: Type.String() }, Open), high: Type.Object({ severity: SeverityT, note: Type.String() }, Open), elevated: Type.Object({ severity: SeverityT, note: Type.String() }, Open) }, Open),
    hubs: Type.Array(Type.Object({ country: Code2, tier: Tier, reason: Type.String(), source: Sources }, Open)),
    rules: Type.Array(HubRule),
  },
  Open,
);

export const PermitsFile = Type.Object(
  {
    id: Type.Literal('permits'),
    permitTypes: Type.Array(
      Type.Object(
        { type: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,39}$' }), description: Type.String({ minLength: 1 }), source: Sources, note: Type.Optional(Type.String()) },
        Open,
      ),
      { minItems: 1 },
    ),
  },
  Open,
);

/**
 * A red flag that fires on MISSING optional data: inside the risk context it escalates as written; outside it
 * it is an info data_quality flag asking for `ask` (issue #14, Supp. 3 to Part 732 describes behaviour, not empty fields).
 * `onlyWhen` (a condition, same scope) limits the demotion, e.g. to shipments that name at least a buyer.
 */
export const MissingData = Type.Object({ ask: Type.String({ minLength: 3 }), onlyWhen: Type.Optional(Type.Unknown()) }, { additionalProperties: false });
export const RedFlagRule = Type.Object(
  {
    ...RuleBase,
    scope: Type.Union([Type.Literal('shipment'), Type.Literal('party'), Type.Literal('item')]),
    when: Type.Unknown(),
    category: Type.Optional(Type.Union([Type.Literal('red_flag'), Type.Literal('data_quality')])),
    missingData: Type.Optional(MissingData),
  },
  Open,
);
export type RedFlagRule = Static<typeof RedFlagRule>;
/** When missing data escalates: a shipment-scope condition over the whole shipment (rules/red-flags.yaml riskContext). */
export const RiskContext = Type.Object(
  { id: Type.String({ pattern: '^[A-Z][A-Z0-9-]+$' }), citation: Type.String({ minLength: 3 }), source: Sources, note: Type.Optional(Type.String()), when: Type.Unknown() },
  { additionalProperties: false },
);
export type RiskContext = Static<typeof RiskContext>;
export const RedFlagsFile = Type.Object(
  {
    id: Type.Literal('red-flags'), citation: Type.String(), source: Sources, countrySets: Type.Record(Type.String(), Type.Array(Type.String())),
    summary: Type.Object(RuleBase, Open), riskContext: RiskContext, rules: Type.Array(RedFlagRule, { minItems: 20 }),
  },
  Open,
);

/**
 * An ownership rule: it looks at a party's `owners` screened against `lists` and fires when the listed owners'
 * aggregate share reaches `minShare` percent (`0`: any listed owner). `suspended` windows take it out of force.
 */
export const Affiliates = Type.Object(
  { minShare: Type.Number({ minimum: 0, maximum: 100 }), suspended: Type.Optional(Type.Array(Type.Object({ from: IsoDate, to: IsoDate }, { additionalProperties: false }))) },
  { additionalProperties: false },
);
export const ListRule = Type.Object({ ...RuleBase, lists: Type.Array(Type.String()), possible: Type.Optional(Type.Boolean()), affiliates: Type.Optional(Affiliates) }, Open);
export type ListRule = Static<typeof ListRule>;
export const ListsFile = Type.Object(
  {
    id: Type.Literal('lists'), citation: Type.String(), source: Sources,
    reviewThreshold: Type.Number({ minimum: 0, maximum: 1 }), maxCandidatesPerParty: Type.Integer({ minimum: 1 }), rules: Type.Array(ListRule, { minItems: 1 }),
  },
  Open,
);

const Percent = Type.Number({ minimum: 0, maximum: 100 });
const ToleranceUnit = Type.Union([Type.Literal('number'), Type.Literal('dollarValue')]);
export const LicenceException = Type.Object(
  {
    /** The `permits[].type` a shipment claims it with, e.g. LE_NAC. */
    type: Type.String({ pattern: '^LE_[A-Z]{2,10}$' }),
    name: Type.String({ minLength: 3 }),
    section: Type.String({ minLength: 3 }),
    modes: Type.Array(Mode, { minItems: 1 }),
    destinations: DestinationSet,
    headquarters: Type.Optional(DestinationSet),
    excludeCountries: Type.Optional(Type.Array(Code2)),
    eccnPrefixes: Type.Array(Type.String({ minLength: 5 }), { minItems: 1 }),
    notForDatacenter: Type.Array(Type.String()),
    requiresNotification: Type.Boolean(),
    aesCode: Type.Optional(Type.String()),
    source: Sources,
    note: Type.Optional(Type.String()),
  },
  Open,
);
export type LicenceException = Static<typeof LicenceException>;
export const LicensingFile = Type.Object(
  {
    id: Type.Literal('licensing'), citation: Type.String(), source: Sources,
    shippingTolerances: Type.Object(
      {
        citation: Type.String(), source: Sources,
        units: Type.Object({ number: Type.Object({ quantityPercent: Percent, valuePercent: Percent }, Open), dollarValue: Type.Object({ quantityPercent: Percent, valuePercent: Percent }, Open) }, Open),
        eccnUnits: Type.Array(Type.Object({ eccnPrefix: Type.String({ minLength: 5 }), unit: ToleranceUnit }, Open)),
        defaultUnit: ToleranceUnit,
      },
      Open,
    ),
    licenceNumber: Type.Object({ pattern: Type.String({ minLength: 1 }), note: Type.Optional(Type.String()) }, Open),
    rules: Type.Array(Type.Object(RuleBase, Open), { minItems: 1 }),
    exceptions: Type.Array(LicenceException, { minItems: 1 }),
  },
  Open,
);
export type LicensingFile = Static<typeof LicensingFile>;

export type Manifest = Static<typeof Manifest>;
export type CountriesFile = Static<typeof CountriesFile>;
export type CountryGroupsFile = Static<typeof CountryGroupsFile>;
export type Chip = Static<typeof Chip>;
export type NamedSystem = Static<typeof NamedSystem>;
export type ChipsFile = Static<typeof ChipsFile>;
export type ThresholdsFile = Static<typeof ThresholdsFile>;
export type LicenceScopeFile = Static<typeof LicenceScopeFile>;
export type EmbargoesFile = Static<typeof EmbargoesFile>;
export type HubsFile = Static<typeof HubsFile>;
export type PermitsFile = Static<typeof PermitsFile>;
export type RedFlagsFile = Static<typeof RedFlagsFile>;
export type ListsFile = Static<typeof ListsFile>;
export type SourcesFile = Static<typeof SourcesFile>;
export type ItemRule = ThresholdsFile['itemRules'][number];
