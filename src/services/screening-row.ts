/**
 * The audit record of one screening — input, result, ruleset version and hash, and the search columns
 * the flag log filters on — built from the engine's answer. Pure (no database, no HTTP): the screening
 * service builds its rows here, and so do the engine workers for the lines of a batch
 * (screenLinesWith in active-ruleset.ts), which hand back serialised rows instead of object trees.
 */
import { randomUUID } from 'node:crypto';
import type { EngineResult } from '../schemas/screening-result.js';
import type { NormalisedShipment, ShipmentInput } from '../schemas/shipment.js';
import type { ScreeningRow } from '../store/screenings-repo.js';

export function screeningRow(o: {
  input: ShipmentInput;
  shipment: NormalisedShipment;
  result: EngineResult;
  requestHash: string;
  /** canonicalJson(input), when the caller made it for the hash: stored as is, not serialised again. */
  requestJson?: string;
  apiKeyId: string | null;
  idempotencyScope: string;
  idempotencyKey: string | null;
  now: Date;
}): ScreeningRow {
  const { input, shipment, result } = o;
  const id = randomUUID();
  const screenedAt = o.now.toISOString();
  const stored = { ...result, id, reference: input.reference, screenedAt };
  return {
    id,
    reference: input.reference,
    createdAt: screenedAt,
    shipDate: shipment.shipDate,
    decision: result.decision,
    riskScore: result.riskScore,
    destination: shipment.route.destination,
    countries: shipmentCountries(shipment),
    ruleIds: [...new Set(result.flags.map((f) => f.ruleId))],
    flagCategories: [...new Set(result.flags.map((f) => f.category))],
    raisedCategories: raisedCategories(result.flags),
    partyNames: (shipment.parties ?? []).map((p) => normaliseForSearch(p.name)).join(' | '),
    chipModels: [...new Set(result.items.flatMap((i) => [i.catalogId, i.containedChip, i.model].filter((x): x is string => !!x)))],
    eccns: [...new Set(result.items.map((i) => i.eccn).filter((x): x is string => !!x))],
    rulesetVersion: result.ruleset.version,
    rulesetHash: result.ruleset.hash,
    request: input,
    result: stored,
    // Serialised once: these bytes are stored and sent (ScreenOutcome.body).
    resultJson: JSON.stringify(stored),
    ...(o.requestJson !== undefined ? { requestJson: o.requestJson } : {}),
    requestHash: o.requestHash,
    idempotencyScope: o.idempotencyScope,
    idempotencyKey: o.idempotencyKey,
    apiKeyId: o.apiKeyId,
  };
}

/**
 * A check is a flag that records what was looked at and asks for nothing: info severity, CLEAR (LIST-CLEAR,
 * DEST-NLR, ROUTE-CLEAR, LIC-COVERED…). Everything else was raised. The ruleset's checkRuleIds name the rules
 * that only ever make checks; this tells one flag, since a rule may downgrade a flag to a check.
 */
export const isCheckFlag = (f: { severity: string; decision: string }): boolean => f.severity === 'info' && f.decision === 'CLEAR';

/** The categories of the flags raised, each once, sorted: what the flag log's category filter matches. */
export const raisedCategories = (flags: readonly { severity: string; decision: string; category: string }[]): string[] =>
  [...new Set(flags.filter((f) => !isCheckFlag(f)).map((f) => f.category))].sort();

export function shipmentCountries(s: NormalisedShipment): string[] {
  const set = new Set<string>([s.route.destination]);
  if (s.route.origin) set.add(s.route.origin);
  for (const v of s.route.via ?? []) set.add(v);
  for (const p of s.parties ?? []) {
    if (p.country) set.add(p.country);
    if (p.headquartersCountry) set.add(p.headquartersCountry);
  }
  if (s.payment?.country) set.add(s.payment.country);
  return [...set].sort();
}

/** Lower-case, accents and punctuation folded: what the party-name filter compares against. */
export function normaliseForSearch(name: string): string {
  return name
    // Characters that show as nothing (zero-width space and joiners, soft hyphen, word joiner, BOM, Hangul
    // fillers…): "Bright\u200Bstar" is stored and searched as "brightstar". Kept, they split or hid the word, and
    // an auditor's search for the name as seen missed the screening (the list matcher already ignores them).
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9\u00C0-\uFFFF]+/g, ' ')
    .trim();
}

