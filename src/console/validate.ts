/**
 * The console validates form input against the same TypeBox schemas as the API, and reports
 * failures as the API does: one { field: JSON pointer, message } per failing field.
 */
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { AppError } from '../errors.js';
import { normaliseItems } from '../rules/normalise-shipment.js';
import { resolveCountry, type Ruleset, COUNTRY_HINT } from '../rules/ruleset.js';
import type { ShipmentItem } from '../schemas/shipment.js';

export type FieldErrors = Array<{ field: string; message: string }>;

const compiled = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/** The value at a JSON pointer of the validated value (undefined when absent). */
function at(value: unknown, pointer: string): unknown {
  let node = value;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * A form's input left empty is reported as required (people do not read "must not have fewer than 8 characters"
 * or "must be string" as "fill this in"); every other failure keeps the schema's message.
 */
export function validate(schema: TSchema, value: unknown): FieldErrors {
  let c = compiled.get(schema);
  if (!c) {
    c = Compile(schema);
    compiled.set(schema, c);
  }
  if (c.Check(value)) return [];
  const out: FieldErrors = [];
  const seen = new Set<string>();
  for (const e of c.Errors(value)) {
    const params = (e.params ?? {}) as Record<string, unknown>;
    const fields: Array<[string, string]> =
      e.keyword === 'required' && Array.isArray(params.requiredProperties)
        ? (params.requiredProperties as string[]).map((p) => [`${e.instancePath}/${p}`, 'is required'])
        : e.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)
          ? (params.additionalProperties as string[]).map((p) => [`${e.instancePath}/${p}`, 'is not a known field'])
          : e.keyword === 'boolean'
            ? []
            : [[e.instancePath || '/', e.message]];
    for (const [field, schemaMessage] of fields) {
      if (seen.has(field)) continue;
      const v = field === '/' ? value : at(value, field);
      const message = field !== '/' && (v === '' || (typeof v === 'string' && v.trim() === '')) ? 'is required' : schemaMessage;
      seen.add(field);
      out.push({ field, message });
    }
  }
  return out.slice(0, 50);
}

/** Field errors of a 400 from a service (engine normalisation: unknown country, limits …), else rethrow. */
export function fieldErrorsOf(err: unknown): FieldErrors {
  if (err instanceof AppError && err.status === 400) {
    return err.errors?.length ? err.errors.map((e) => ({ field: e.field, message: e.message })) : [{ field: '/', message: err.message }];
  }
  throw err;
}

type ShipmentRules = Pick<Ruleset, 'countries' | 'thresholds' | 'permitTypes'>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * What the screening service checks after the schema — countries known to the ruleset, permit types, items
 * with something to classify by and well-formed ECCNs (the engine's normalisation, rules/normalise-shipment.ts,
 * with its messages), and the service's own checks (`serviceErrors`: limits, control characters, formulas,
 * dates; ScreeningService.inputErrors) — run on a shipment the schema may refuse, so a form is answered with
 * every field error at once instead of in rounds. Tolerant: a part of the wrong shape is skipped (the schema
 * names it); nothing here throws on what a sender can type.
 */
export function shipmentCheckErrors(
  input: unknown,
  rules: ShipmentRules,
  serviceErrors: (shipment: Obj & { items: unknown[] }) => FieldErrors,
): FieldErrors {
  if (!isObj(input)) return [];
  const out: FieldErrors = [];
  const country = (v: unknown, field: string) => {
    if (typeof v === 'string' && v.trim() !== '' && resolveCountry(rules, v) === null) out.push({ field, message: `unknown country "${v}"; ${COUNTRY_HINT}` });
  };
  const items = Array.isArray(input.items) ? input.items : [];
  items.forEach((item, i) => {
    if (!isObj(item)) return;
    const specs = item.specs === undefined ? undefined : isObj(item.specs) ? { ...item.specs, tops: isObj(item.specs.tops) ? item.specs.tops : undefined } : {};
    const eccn = typeof item.eccn === 'string' ? item.eccn : undefined;
    // Only whether a model or part number was given counts here (the schema judges what was given).
    const one = { model: item.model === undefined ? undefined : 'given', partNumber: item.partNumber == null ? item.partNumber : 'given', eccn, specs, quantity: 1 } as ShipmentItem;
    for (const e of normaliseItems([one], rules).errors) out.push({ field: e.path.replace(/^\/items\/0(?=\/|$)/, `/items/${i}`), message: e.message });
  });
  if (Array.isArray(input.permits)) {
    input.permits.forEach((p, i) => {
      const type = isObj(p) ? str(p.type) : undefined;
      if (type !== undefined && type.trim() !== '' && !rules.permitTypes.has(type.toUpperCase()))
        out.push({ field: `/permits/${i}/type`, message: `unknown permit type "${type}"; known types: ${[...rules.permitTypes.keys()].join(', ')}` });
    });
  }
  const parties = Array.isArray(input.parties) ? input.parties : undefined;
  parties?.forEach((p, i) => {
    if (!isObj(p)) return;
    country(p.country, `/parties/${i}/country`);
    country(p.headquartersCountry, `/parties/${i}/headquartersCountry`);
    if (Array.isArray(p.owners)) p.owners.forEach((o, j) => isObj(o) && country(o.country, `/parties/${i}/owners/${j}/country`));
  });
  if (isObj(input.route)) {
    country(input.route.origin, '/route/origin');
    if (Array.isArray(input.route.via)) input.route.via.forEach((v, i) => country(v, `/route/via/${i}`));
    country(input.route.destination, '/route/destination');
  }
  if (isObj(input.payment)) country(input.payment.country, '/payment/country');
  // The service's checks read fields by their types: give them only what has the type they read.
  const shaped = {
    ...input,
    reference: str(input.reference),
    shipDate: str(input.shipDate),
    items,
    parties: parties?.map((p) => (isObj(p) ? { ...p, name: str(p.name), address: str(p.address), incorporatedOn: str(p.incorporatedOn) } : {})),
  };
  out.push(...serviceErrors(shaped));
  return out;
}

/** Schema errors first, then each other error at a field the schema did not already refuse (at most 50). */
export function mergeFieldErrors(first: FieldErrors, then: FieldErrors): FieldErrors {
  const seen = new Set(first.map((e) => e.field));
  const out = [...first];
  for (const e of then) {
    if (seen.has(e.field)) continue;
    seen.add(e.field);
    out.push(e);
  }
  return out.slice(0, 50);
}
