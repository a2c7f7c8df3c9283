/**
 * Red flags (Supp. 3 to 15 CFR Part 732; BIS diversion guidance): the declarative rules, per scope.
 * Rules marked `missingData` fire on an empty optional field. Supp. 3 describes customer behaviour, and an empty
 * field in an API record is not reluctance: outside the risk context (rules/red-flags.yaml `riskContext`) such a
 * rule gives an info data_quality flag asking for the data; inside it, it escalates as written.
 */
import type { Condition } from '../rules/predicates.js';
import { inForce } from '../rules/ruleset.js';
import type { RedFlagRule } from '../rules/schema.js';
import type { Flag } from '../schemas/screening-result.js';
import { evaluate, type Scope } from './conditions.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';

interface RiskVerdict {
  inContext: boolean;
  /** what put the shipment in the risk context (the predicates that held) */
  because: Record<string, unknown>;
}

export function redFlags(ctx: ScreenContext, prior: readonly Flag[]): Flag[] {
  const flags: Flag[] = [];
  const shipmentVars = {
    destination: ctx.destination, endUse: ctx.s.endUse, paymentMethod: ctx.s.payment?.method, paymentCountry: ctx.s.payment?.country,
    viaCount: ctx.s.route.via?.length ?? 0, shipDate: ctx.s.shipDate, declaredShipDate: ctx.s.shipDatePast, totalValue: ctx.totalValueUsd,
  };
  const base = { shipment: shipmentVars, chips: ctx.advancedChips };
  let evaluated = 0;
  // Behaviour first, gaps second: the risk context counts the red flags the behaviour rules raised.
  const gaps: RedFlagRule[] = [];
  for (const r of ctx.rs.redFlags) {
    if (!inForce(r, ctx.s.shipDate)) continue;
    evaluated++;
    if (r.missingData) gaps.push(r);
    else run(ctx, r, base, flags, () => undefined);
  }
  let risk: RiskVerdict | undefined;
  const verdict = () => (risk ??= riskContext(ctx, [...prior, ...flags]));
  for (const r of gaps) run(ctx, r, base, flags, verdict);
  if (!flags.some((f) => f.category === 'red_flag')) flags.push(makeFlag(ctx.rs.redFlagSummary, 'red_flag', 'shipment', { count: evaluated }, { rulesEvaluated: evaluated }));
  return flags;
}

function riskContext(ctx: ScreenContext, prior: readonly Flag[]): RiskVerdict {
  const because: Record<string, unknown> = {};
  const inContext = evaluate(ctx.rs.riskContext.when as Condition, { ctx, prior }, because);
  return { inContext, because };
}

function run(ctx: ScreenContext, r: RedFlagRule, base: Record<string, unknown>, out: Flag[], verdict: () => RiskVerdict | undefined): void {
  if (r.scope === 'shipment') fire(r, { ctx }, 'shipment', () => base, out, verdict);
  else if (r.scope === 'party')
    for (let i = 0; i < ctx.parties.length; i++) fire(r, { ctx, party: ctx.parties[i]! }, () => `parties[${i}]`, () => ({ ...base, party: ctx.parties[i] }), out, verdict);
  else
    for (let i = 0; i < ctx.items.length; i++) {
      const item = ctx.items[i]!;
      const vars = () => ({ ...base, item: { ...item.input, index: i, eccn: item.result.eccn ?? 'unclassified', declaredEccn: item.input.eccn, model: item.result.model ?? `item ${i}` } });
      fire(r, { ctx, item }, () => `items[${i}]`, vars, out, verdict);
    }
}

/** Most rules do not fire: the subject and template variables are built only for those that do. */
function fire(r: RedFlagRule, scope: Scope, subject: string | (() => string), vars: () => Record<string, unknown>, out: Flag[], verdict: () => RiskVerdict | undefined): void {
  const evidence: Record<string, unknown> = {};
  if (!evaluate(r.when as Condition, scope, evidence)) return;
  const at = typeof subject === 'string' ? subject : subject();
  const category = r.category ?? 'red_flag';
  const v = r.missingData ? verdict() : undefined;
  if (!v || !r.missingData) return void out.push(makeFlag(r, category, at, vars(), evidence));
  const demotable = !v.inContext && (r.missingData.onlyWhen === undefined || evaluate(r.missingData.onlyWhen as Condition, scope, {}));
  const riskEvidence = { riskContext: { id: scope.ctx.rs.riskContext.id, inContext: v.inContext, because: v.because } };
  if (!demotable) return void out.push(makeFlag(r, category, at, vars(), { ...evidence, ...riskEvidence }));
  const asking = { ...r, message: `Missing data, outside the risk context: please provide ${r.missingData.ask} (${r.message})` };
  out.push(makeFlag(asking, 'data_quality', at, vars(), { ...evidence, ...riskEvidence }, { severity: 'info', decision: 'CLEAR' }));
}
