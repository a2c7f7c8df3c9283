/**
 * Turns a validated request body into what the engine screens: countries resolved to ISO alpha-2, shipDate
 * filled in, spec precisions checked. Unknown values come back as errors with a JSON pointer to the field,
 * so the service can answer 400 naming it.
 */
import type { NormalisedShipment, ShipmentInput, ShipmentItem } from '../schemas/shipment.js';
import { parseEccn } from './eccn.js';
import { resolveCountry, type Ruleset, COUNTRY_HINT } from './ruleset.js';

export interface FieldError {
  /** JSON pointer, e.g. /parties/2/country */
  path: string;
  message: string;
}

export type NormaliseResult = { ok: true; shipment: NormalisedShipment } | { ok: false; errors: FieldError[] };

/** What the schema cannot check about items: known precision names, and something to classify by. */
export function itemErrors(items: readonly ShipmentItem[], ruleset: Pick<Ruleset, 'thresholds'>): FieldError[] {
  const errors: FieldError[] = [];
  const known = ruleset.thresholds.bitLengths;
  const excluded = ruleset.thresholds.excludedPrecisions;
  items.forEach((item, i) => {
    for (const p of Object.keys(item.specs?.tops ?? {})) {
      const k = p.toLowerCase();
      if (!Object.hasOwn(known, k) && !excluded.includes(k))
        errors.push({ path: `/items/${i}/specs/tops/${p}`, message: `unknown precision "${p}"; use one of ${Object.keys(known).join(', ')}` });
    }
    if (item.model === undefined && item.specs === undefined && item.partNumber == null)
      errors.push({ path: `/items/${i}/model`, message: 'each item needs a model, a part number or specs' });
  });
  return errors;
}

/**
 * Items as the engine reads them: itemErrors, and every declared ECCN in its canonical form (rules/eccn.ts), so
 * no rule compares a typing variant. Used by screening and by classification alike.
 */
export function normaliseItems(items: readonly ShipmentItem[], ruleset: Pick<Ruleset, 'thresholds'>): { items: ShipmentItem[]; errors: FieldError[] } {
  const errors = itemErrors(items, ruleset);
  const out = items.map((item, i) => {
    if (item.eccn === undefined || item.eccn === null) return item;
    const parsed = parseEccn(item.eccn);
    if (!parsed.ok) {
      errors.push({ path: `/items/${i}/eccn`, message: parsed.message });
      return item;
    }
    return { ...item, eccn: parsed.eccn };
  });
  return { items: out, errors };
}

export function normaliseShipment(input: ShipmentInput, ruleset: Pick<Ruleset, 'countries' | 'thresholds' | 'permitTypes'>, today: string): NormaliseResult {
  const errors: FieldError[] = [];
  const country = (value: string, path: string): string => {
    const code = resolveCountry(ruleset, value);
    if (code) return code;
    errors.push({ path, message: `unknown country "${value}"; ${COUNTRY_HINT}` });
    return value;
  };
  const normalisedItems = normaliseItems(input.items, ruleset);
  errors.push(...normalisedItems.errors);
  errors.push(...permitErrors(input.permits ?? [], ruleset.permitTypes));
  const items = normalisedItems.items;
  const parties = input.parties?.map((p, i) => ({
    ...p,
    ...(p.country !== undefined ? { country: country(p.country, `/parties/${i}/country`) } : {}),
    ...(p.headquartersCountry !== undefined ? { headquartersCountry: country(p.headquartersCountry, `/parties/${i}/headquartersCountry`) } : {}),
    ...(p.owners !== undefined
      ? { owners: p.owners.map((o, j) => (o.country !== undefined ? { ...o, country: country(o.country, `/parties/${i}/owners/${j}/country`) } : o)) }
      : {}),
  }));
  const route = {
    ...(input.route.origin !== undefined ? { origin: country(input.route.origin, '/route/origin') } : {}),
    ...(input.route.via !== undefined ? { via: input.route.via.map((v, i) => country(v, `/route/via/${i}`)) } : {}),
    destination: country(input.route.destination, '/route/destination'),
  };
  const payment = input.payment
    ? { ...input.payment, ...(input.payment.country !== undefined ? { country: country(input.payment.country, '/payment/country') } : {}) }
    : undefined;
  if (input.shipDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(input.shipDate)) errors.push({ path: '/shipDate', message: 'shipDate must be YYYY-MM-DD' });
  if (errors.length > 0) return { ok: false, errors };
  const { shipDate, ...rest } = input;
  // A past ship date is judged by that day's rules only when the caller asks for a look-back; otherwise
  // the rules in force today decide (the date may be a stale ERP default) and the engine says so.
  const past = shipDate !== undefined && shipDate < today && input.retrospective !== true;
  const shipment: NormalisedShipment = {
    ...rest,
    items,
    ...(parties ? { parties } : {}),
    route,
    ...(payment ? { payment } : {}),
    shipDate: shipDate === undefined || past ? today : shipDate,
    ...(shipDate === undefined ? { shipDateDefaulted: true } : {}),
    ...(past ? { shipDatePast: shipDate } : {}),
  };
  return { ok: true, shipment };
}

/** A permit type the rule table does not know is refused with the list, not silently ignored (the engine compares types case-insensitively). */
function permitErrors(permits: NonNullable<ShipmentInput['permits']>, known: ReadonlyMap<string, string>): FieldError[] {
  return permits.flatMap((p, i) =>
    known.has(p.type.toUpperCase()) ? [] : [{ path: `/permits/${i}/type`, message: `unknown permit type "${p.type}"; known types: ${[...known.keys()].join(', ')}` }],
  );
}
