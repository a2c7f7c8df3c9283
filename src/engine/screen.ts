/**
 * screen(): the pure, synchronous, deterministic screening of one normalised shipment against one ruleset.
 * No I/O, no clock (`now` comes in and is only echoed), no logger. Same input + same ruleset ⇒ same result.
 */
import type { Ruleset } from '../rules/ruleset.js';
import type { EngineResult } from '../schemas/screening-result.js';
import type { NormalisedShipment } from '../schemas/shipment.js';
import { combine } from './combine.js';
import { buildContext } from './context.js';
import { destinationFlags } from './destination.js';
import { embargoFlags } from './embargoes.js';
import { licenceDetermination } from './licences.js';
import type { LicenceCandidate } from '../schemas/licence.js';
import { classifyItem } from './items.js';
import { partyChecks } from './parties.js';
import { redFlags } from './red-flags.js';
import { routeFlags } from './route.js';
import { applySuppressions, type SuppressionRecord } from './suppressions.js';

export interface ScreenOptions {
  /** ISO date-time of the screening; the engine never reads the clock */
  now: string;
  /** Reviewed false positives that could apply (loaded by the service); see suppressions.ts */
  suppressions?: readonly SuppressionRecord[];
  /** The exporter's licences that could cover this shipment, with what has been drawn from each (the service loads them). */
  licences?: readonly LicenceCandidate[];
}

export function screen(shipment: NormalisedShipment, ruleset: Ruleset, opts: ScreenOptions): EngineResult {
  const classified = shipment.items.map((it, i) => classifyItem(it, i, ruleset, shipment.shipDate));
  const ctx = buildContext(ruleset, shipment, classified.map((c) => c.item));
  const embargo = embargoFlags(ctx);
  const destination = destinationFlags(ctx);
  const route = routeFlags(ctx);
  const parties = applySuppressions(ctx, partyChecks(ctx), opts.suppressions ?? [], opts.now);
  // Entity List / MEU hits need a licence for every item subject to the EAR (15 CFR 744.11, 744.21).
  if (parties.flags.some((f) => f.decision === 'LICENSE_REQUIRED')) for (const it of ctx.items) it.result.licenseRequired = true;
  const red = redFlags(ctx, [...embargo, ...destination, ...route, ...parties.flags]);
  const checked = [...classified.flatMap((c) => c.flags), ...embargo, ...destination, ...route, ...parties.flags, ...red];
  // A licence requirement may be met by a licence exception claimed or a licence held (15 CFR 740, 750.7).
  const authorised = licenceDetermination(ctx, checked, opts.licences ?? []);
  const { decision, riskScore, flags } = combine(authorised.flags);
  return {
    decision,
    riskScore,
    flags,
    items: ctx.items.map((it) => it.result),
    parties: parties.parties,
    ruleset: { version: ruleset.version, hash: ruleset.hash },
    ...(parties.suppressed.length ? { suppressed: parties.suppressed } : {}),
    authorisation: authorised.authorisation,
  };
}
