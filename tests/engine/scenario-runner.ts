/** Loads the scenario corpus (tests/scenarios/*.yaml) and screens one scenario; shared by the scenario and coverage tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import type { LicenceCandidate } from '../../src/schemas/licence.js';
import { fixtureRuleset } from './fixtures.js';

export interface Scenario {
  name: string;
  ruleset?: 'default' | 'ecfr_letter' | 'no_lists';
  /** adds a cloud buyer and end user in the destination country (with a website) and a plain end use, so only the rule under test fires */
  cleanParties?: boolean;
  /** leave shipDate out (otherwise 2026-11-30 when not given) */
  noShipDate?: boolean;
  shipment: Omit<ShipmentInput, 'reference'> & { reference?: string };
  /** the exporter's licences passed to the engine (ids, status, chips, drawn amounts default) */
  licences?: Array<Partial<LicenceCandidate> & Pick<LicenceCandidate, 'number' | 'eccns' | 'destination' | 'parties' | 'validFrom' | 'validTo'>>;
  /** asks: rules that must appear only as info data_quality flags asking for data (missing data outside the risk context) */
  expect: { decision: string; flags?: string[]; notFlags?: string[]; asks?: string[]; eccns?: Array<string | null>; subjects?: Record<string, string>; message?: Record<string, string>; notMessage?: Record<string, string> };
}

export const SCENARIO_DIR = 'tests/scenarios';
export const TODAY = '2026-11-28';

export function loadScenarios(): Array<Scenario & { file: string }> {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => (parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as Scenario[]).map((s) => ({ ...s, file })));
}

export async function runScenario(s: Scenario) {
  const rs = await fixtureRuleset(s.ruleset ?? 'default');
  const dest = s.shipment.route.destination;
  const clean = [
    { role: 'buyer', name: 'Example Cloud Buyer', country: dest, businessType: 'cloud', website: 'example.com' },
    { role: 'end_user', name: 'Example Cloud Operator', country: dest, businessType: 'cloud', website: 'example.com' },
  ] as const;
  const input = {
    reference: s.name,
    ...(s.noShipDate ? {} : { shipDate: '2026-11-30' }),
    ...s.shipment,
    ...(s.cleanParties ? { parties: [...clean, ...(s.shipment.parties ?? [])], endUse: s.shipment.endUse ?? 'Cloud compute service' } : {}),
  } as ShipmentInput;
  const n = normaliseShipment(input, rs, TODAY);
  if (!n.ok) throw new Error(`${s.name}: ${JSON.stringify(n.errors)}`);
  const licences = (s.licences ?? []).map((l, i): LicenceCandidate => ({
    id: `lic-${i}`, status: 'active', chips: [], quantity: null, valueUsd: null, quantityDrawn: 0, valueDrawnUsd: 0, ...l,
  }));
  return screen(n.shipment, rs, { now: `${TODAY}T12:00:00.000Z`, licences });
}
