/**
 * What the services need from the rules + engine: normalise a shipment's countries and screen it
 * against the active ruleset, classify items, describe the ruleset. Implemented in
 * src/services/engine-adapter.ts over src/rules and src/engine.
 */
import type { ShipmentInput, NormalisedShipment, ShipmentItem } from '../schemas/shipment.js';
import type { EngineResult, ItemResult, Flag } from '../schemas/screening-result.js';

export type ScreenAttempt =
  | { ok: true; shipment: NormalisedShipment; result: EngineResult }
  | { ok: false; errors: Array<{ path: string; message: string }> };

export type ClassifyAttempt =
  | { ok: true; items: ItemResult[]; flags: Flag[]; ruleset: { version: string; hash: string } }
  | { ok: false; errors: Array<{ path: string; message: string }> };

export interface ScreeningEngine {
  screen(input: ShipmentInput, now: Date): ScreenAttempt;
  classify(items: ShipmentItem[], shipDate: string): ClassifyAttempt;
}
