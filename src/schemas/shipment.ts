/**
 * The shipment record: the request body of POST /v1/screenings (API contract v1, ../shared/DESIGN.md).
 * TypeBox is the single source of validation, TypeScript types and OpenAPI. Countries are accepted as
 * alpha-2, alpha-3 or English names here and normalised to alpha-2 by the service before the engine
 * sees them (the engine only ever sees `NormalisedShipment`).
 */
import { Type, type Static } from 'typebox';
import { stringEnum } from './named.js';

export const PARTY_ROLES = [
  'buyer',
  'intermediate_consignee',
  'ultimate_consignee',
  'end_user',
  'freight_forwarder',
  'payer',
  'exporter',
] as const;


/** Free-text country as the caller sends it; normalised to ISO 3166-1 alpha-2 by the service. */
export const CountryInput = Type.String({ minLength: 2, maxLength: 64, description: 'ISO 3166-1 alpha-2 (alpha-3 and English names are normalised)', examples: ['SG'] });
const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2026-11-30'] });

export const ChipSpecs = Type.Object(
  {
    tops: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9_]{2,12}$' }), Type.Number({ minimum: 0, maximum: 1e7 }), {
        description: 'Dense (not sparse) peak TOPS/TFLOPS by precision, e.g. { "fp16": 989.5, "int8": 1979 }',
        maxProperties: 16,
        // A key the pattern does not match is refused, not let through with any value: `{ "a": {…5,000 levels…} }`
        // passed validation and overflowed the stack of every check after it (a 500).
        additionalProperties: false,
      }),
    ),
    dieAreaMm2: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100000 })),
    datacenter: Type.Optional(Type.Boolean({ description: 'Designed or marketed for datacenters' })),
    memoryBandwidthGBps: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6 })),
    tpp: Type.Optional(Type.Number({ minimum: 0, maximum: 1e8, description: 'Total processing performance if already known' })),
  },
  { additionalProperties: false },
);

export const ShipmentItem = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, examples: ['NVIDIA H800 SXM5 80GB'] })),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    unitPriceUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })),
    eccn: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
    hsCode: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    partNumber: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    specs: Type.Optional(ChipSpecs),
  },
  { additionalProperties: false },
);

/** One owner of a party; `share` in percent, aggregated per listed owner (15 CFR 744.11(a)(2)-style 50 % rule). */
export const Owner = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 300 }),
    country: Type.Optional(CountryInput),
    share: Type.Number({ minimum: 0, maximum: 100, description: 'Ownership share in percent, direct or indirect' }),
  },
  { additionalProperties: false },
);

export const Party = Type.Object(
  {
    role: stringEnum(PARTY_ROLES),
    name: Type.String({ minLength: 1, maxLength: 300 }),
    partyId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "The ERP's own id for this party (customer or vendor number); reviewed false positives can name a party by it", examples: ['C-100234'] })),
    country: Type.Optional(CountryInput),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    headquartersCountry: Type.Optional(CountryInput),
    incorporatedOn: Type.Optional(IsoDate),
    businessType: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. datacenter, cloud, oem, distributor, research, trading, logistics' })),
    website: Type.Optional(Type.String({ maxLength: 300 })),
    owners: Type.Optional(Type.Array(Owner, { maxItems: 20, description: 'Direct or indirect owners with their share: screened against the lists for the Affiliates Rule (50 %), and a controlling owner is the ultimate parent for the headquarters rule' })),
  },
  { additionalProperties: false },
);

export const Route = Type.Object(
  {
    origin: Type.Optional(CountryInput),
    via: Type.Optional(Type.Array(CountryInput, { maxItems: 20 })),
    destination: CountryInput,
  },
  { additionalProperties: false },
);

export const Permit = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 40, examples: ['MY_STP'] }),
    number: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const Payment = Type.Object(
  {
    method: Type.Optional(Type.String({ maxLength: 40, description: 'wire, letter_of_credit, cash, crypto, …' })),
    country: Type.Optional(CountryInput),
  },
  { additionalProperties: false },
);

/** Item and party counts are capped by config (LIMIT_MAX_ITEMS, LIMIT_MAX_PARTIES) in the service; these are hard ceilings. */
export const ShipmentInput = Type.Object(
  {
    reference: Type.String({ minLength: 1, maxLength: 100, examples: ['SO-10042'] }),
    shipDate: Type.Optional(IsoDate),
    items: Type.Array(ShipmentItem, { minItems: 1, maxItems: 1000 }),
    parties: Type.Optional(Type.Array(Party, { maxItems: 200 })),
    route: Route,
    endUse: Type.Optional(Type.String({ maxLength: 1000 })),
    permits: Type.Optional(Type.Array(Permit, { maxItems: 50 })),
    payment: Type.Optional(Payment),
    servicesDeclined: Type.Optional(Type.Boolean({ description: 'Customer declined installation, testing or maintenance (Supp. 3 to Part 732)' })),
    retrospective: Type.Optional(Type.Boolean({ description: 'Screen a past shipDate under the rules in force on that date (a look-back at a shipment already made). Without it a past shipDate is screened under the rules in force on the screening date, with a data_quality flag' })),
    newCustomer: Type.Optional(Type.Boolean({ description: 'First order from this customer (part of the risk context: missing data then escalates)' })),
  },
  { additionalProperties: false },
);

export type ShipmentInput = Static<typeof ShipmentInput>;
export type ShipmentItem = Static<typeof ShipmentItem>;
export type Party = Static<typeof Party>;
export type PartyRole = (typeof PARTY_ROLES)[number];
export type ChipSpecs = Static<typeof ChipSpecs>;
export type Owner = Static<typeof Owner>;

/**
 * What the engine screens: the same record with every country normalised to ISO alpha-2
 * and shipDate filled in (defaulting to the screening date).
 */
export type NormalisedShipment = Omit<ShipmentInput, 'shipDate'> & {
  shipDate: string;
  /** true when the caller sent no shipDate and the screening date was used (a "vague delivery date" red flag) */
  shipDateDefaulted?: boolean;
  /** the caller's shipDate when it lay in the past without `retrospective`: screened under today's rules instead */
  shipDatePast?: string;
};
