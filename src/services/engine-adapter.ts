/** The screening engine port over the active ruleset: normalise countries, then run the pure engine. */
import { classifyItems, screen } from '../engine/index.js';
import { itemErrors, normaliseShipment, type Ruleset } from '../rules/index.js';
import type { ShipmentInput, ShipmentItem } from '../schemas/shipment.js';
import type { RulesService } from './rules-service.js';
import type { ClassifyAttempt, ScreenAttempt, ScreeningEngine } from './engine-port.js';

export function createEngine(rules: RulesService<Ruleset>): ScreeningEngine {
  return {
    screen(input: ShipmentInput, now: Date): ScreenAttempt {
      const ruleset = rules.get();
      const normalised = normaliseShipment(input, ruleset, now.toISOString().slice(0, 10));
      if (!normalised.ok) return { ok: false, errors: normalised.errors };
      const result = screen(normalised.shipment, ruleset, { now: now.toISOString() });
      return { ok: true, shipment: normalised.shipment, result };
    },
    classify(items: ShipmentItem[], shipDate: string): ClassifyAttempt {
      const ruleset = rules.get();
      const errors = itemErrors(items, ruleset);
      if (errors.length) return { ok: false, errors };
      return { ok: true, ...classifyItems(items, ruleset, { shipDate }), ruleset: { version: ruleset.version, hash: ruleset.hash } };
    },
  };
}
