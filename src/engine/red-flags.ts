/** Red flags (Supp. 3 to 15 CFR Part 732; BIS diversion guidance): the declarative rules, per scope. */
import type { Condition } from '../rules/predicates.js';
import { inForce } from '../rules/ruleset.js';
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
  const rules = ctx.rs.redFlags.filter((r) => inForce(r, ctx.s.shipDate));
  for (const r of rules) {
    const when = r.when as Condition;
    const fire = (scope: Scope, subject: string, vars: Record<string, unknown>) => {
      const evidence: Record<string, unknown> = {};
      if (evaluate(when, scope, evidence)) flags.push(makeFlag(r, 'red_flag', subject, { shipment: shipmentVars, chips: ctx.advancedChips, ...vars }, evidence));
    };
    if (r.scope === 'shipment') fire({ ctx }, 'shipment', {});
    else if (r.scope === 'party') ctx.parties.forEach((party, i) => fire({ ctx, party }, `parties[${i}]`, { party }));
    else
      ctx.items.forEach((item, i) =>
        fire({ ctx, item }, `items[${i}]`, { item: { ...item.input, index: i, eccn: item.result.eccn ?? 'unclassified', declaredEccn: item.input.eccn, model: item.result.model ?? `item ${i}` } }),
      );
  }
  if (flags.length === 0) flags.push(makeFlag(ctx.rs.redFlagSummary, 'red_flag', 'shipment', { count: rules.length }, { rulesEvaluated: rules.length }));
  return flags;
}
