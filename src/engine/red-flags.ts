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
import { compileCondition, evidenceOf, type CompiledCondition, type Observed, type Scope } from './conditions.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';

interface RiskVerdict {
  inContext: boolean;
  /** what put the shipment in the risk context (the predicates that held) */
  because: Record<string, unknown>;
}

/** A rule with its conditions compiled (conditions.ts), once per loaded rule table. */
interface CompiledRule {
  rule: RedFlagRule;
  when: CompiledCondition;
  onlyWhen: CompiledCondition | null;
}

const compiledRules = new WeakMap<readonly RedFlagRule[], CompiledRule[]>();

function rulesOf(ctx: ScreenContext): CompiledRule[] {
  let rules = compiledRules.get(ctx.rs.redFlags);
  if (!rules) {
    rules = ctx.rs.redFlags.map((rule) => ({
      rule,
      when: compileCondition(rule.when as Condition),
      onlyWhen: rule.missingData?.onlyWhen === undefined ? null : compileCondition(rule.missingData.onlyWhen as Condition),
    }));
    compiledRules.set(ctx.rs.redFlags, rules);
  }
  return rules;
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
  const gaps: CompiledRule[] = [];
  for (const c of rulesOf(ctx)) {
    if (!inForce(c.rule, ctx.s.shipDate)) continue;
    evaluated++;
    if (c.rule.missingData) gaps.push(c);
    else runRule(ctx, c, base, flags, noVerdict);
  }
  let risk: RiskVerdict | undefined;
  const verdict = () => (risk ??= riskContext(ctx, [...prior, ...flags]));
  for (const c of gaps) runRule(ctx, c, base, flags, verdict);
  if (!flags.some((f) => f.category === 'red_flag')) flags.push(makeFlag(ctx.rs.redFlagSummary, 'red_flag', 'shipment', { count: evaluated }, { rulesEvaluated: evaluated }));
  return flags;
}

const noVerdict = (): RiskVerdict | undefined => undefined;

function riskContext(ctx: ScreenContext, prior: readonly Flag[]): RiskVerdict {
  const seen: Observed = [];
  const inContext = compileCondition(ctx.rs.riskContext.when as Condition)({ ctx, prior }, seen);
  return { inContext, because: evidenceOf(seen) };
}

// Scopes and the observed-value lists are made per evaluation and dropped at once: short-lived objects stay in
// the young generation (a per-screening object holding them all was pretenured by V8 and made every scavenge
// promote the screening's garbage).
function runRule(ctx: ScreenContext, c: CompiledRule, base: Record<string, unknown>, out: Flag[], verdict: () => RiskVerdict | undefined): void {
  const scope = c.rule.scope;
  if (scope === 'shipment') {
    const s: Scope = { ctx };
    const seen: Observed = [];
    if (c.when(s, seen)) fire(c, s, 'shipment', base, seen, out, verdict);
  } else if (scope === 'party') {
    for (let i = 0; i < ctx.parties.length; i++) {
      const s: Scope = { ctx, party: ctx.parties[i]! };
      const seen: Observed = [];
      if (c.when(s, seen)) fire(c, s, `parties[${i}]`, { ...base, party: ctx.parties[i] }, seen, out, verdict);
    }
  } else {
    for (let i = 0; i < ctx.items.length; i++) {
      const item = ctx.items[i]!;
      const s: Scope = { ctx, item };
      const seen: Observed = [];
      if (!c.when(s, seen)) continue;
      const vars = { ...base, item: { ...item.input, index: i, eccn: item.result.eccn ?? 'unclassified', declaredEccn: item.input.eccn, model: item.result.model ?? `item ${i}` } };
      fire(c, s, `items[${i}]`, vars, seen, out, verdict);
    }
  }
}

/** A rule that fired (most do not: the subject, template variables and evidence are built only for those). */
function fire(c: CompiledRule, scope: Scope, at: string, vars: Record<string, unknown>, seen: Observed, out: Flag[], verdict: () => RiskVerdict | undefined): void {
  const r = c.rule;
  const evidence = evidenceOf(seen);
  const category = r.category ?? 'red_flag';
  const v = r.missingData ? verdict() : undefined;
  if (!v || !r.missingData) return void out.push(makeFlag(r, category, at, vars, evidence));
  const demotable = !v.inContext && (c.onlyWhen === null || c.onlyWhen(scope, []));
  const riskEvidence = { riskContext: { id: scope.ctx.rs.riskContext.id, inContext: v.inContext, because: v.because } };
  if (!demotable) return void out.push(makeFlag(r, category, at, vars, { ...evidence, ...riskEvidence }));
  const asking = { ...r, message: `Missing data, outside the risk context: please provide ${r.missingData.ask} (${r.message})` };
  out.push(makeFlag(asking, 'data_quality', at, vars, { ...evidence, ...riskEvidence }, { severity: 'info', decision: 'CLEAR' }));
}
