/** Red flags (Supp. 3 to 15 CFR Part 732; BIS diversion guidance): the declarative rules, per scope. */
import type { Condition } from '../rules/predicates.js';
import { inForce } from '../rules/ruleset.js';
import type { RedFlagRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import { evaluate, type Scope } from './conditions.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';

export function redFlags(ctx: ScreenContext): Flag[] {
  const flags: Flag[] = [];
  const shipmentVars = {
    destination: ctx.destination, endUse: ctx.s.endUse, paymentMethod: ctx.s.payment?.method, paymentCountry: ctx.s.payment?.country,
    viaCount: ctx.s.route.via?.length ?? 0, shipDate: ctx.s.shipDate, totalValue: ctx.totalValueUsd,
  };
  const base = { shipment: shipmentVars, chips: ctx.advancedChips };
  let evaluated = 0;
  for (const r of ctx.rs.redFlags) {
    if (!inForce(r, ctx.s.shipDate)) continue;
    evaluated++;
    if (r.scope === 'shipment') fire(r, { ctx }, 'shipment', () => base, flags);
    else if (r.scope === 'party')
      for (let i = 0; i < ctx.parties.length; i++) fire(r, { ctx, party: ctx.parties[i]! }, () => `parties[${i}]`, () => ({ ...base, party: ctx.parties[i] }), flags);
    else
      for (let i = 0; i < ctx.items.length; i++) {
        const item = ctx.items[i]!;
        const vars = () => ({ ...base, item: { ...item.input, index: i, eccn: item.result.eccn ?? 'unclassified', declaredEccn: item.input.eccn, model: item.result.model ?? `item ${i}` } });
        fire(r, { ctx, item }, () => `items[${i}]`, vars, flags);
      }
  }
  if (flags.length === 0) flags.push(makeFlag(ctx.rs.redFlagSummary, 'red_flag', 'shipment', { count: evaluated }, { rulesEvaluated: evaluated }));
  return flags;
}

/** Most rules do not fire: the subject and template variables are built only for those that do. */
function fire(r: RedFlagRule, scope: Scope, subject: string | (() => string), vars: () => Record<string, unknown>, out: Flag[]): void {
  const evidence: Record<string, unknown> = {};
  if (evaluate(r.when as Condition, scope, evidence)) out.push(makeFlag(r, 'red_flag', typeof subject === 'string' ? subject : subject(), vars(), evidence));
}
