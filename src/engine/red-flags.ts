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

/** Per screening: the scopes every rule is evaluated in (built once, not per rule) and the shared buffers. */
interface Run {
  ctx: ScreenContext;
  base: Record<string, unknown>;
  shipment: Scope;
  parties: Scope[];
  items: Scope[];
  seen: Observed;
  out: Flag[];
  verdict: () => RiskVerdict | undefined;
}

export function redFlags(ctx: ScreenContext, prior: readonly Flag[]): Flag[] {
  const flags: Flag[] = [];
  const shipmentVars = {
    destination: ctx.destination, endUse: ctx.s.endUse, paymentMethod: ctx.s.payment?.method, paymentCountry: ctx.s.payment?.country,
    viaCount: ctx.s.route.via?.length ?? 0, shipDate: ctx.s.shipDate, declaredShipDate: ctx.s.shipDatePast, totalValue: ctx.totalValueUsd,
  };
  let risk: RiskVerdict | undefined;
  const run: Run = {
    ctx,
    base: { shipment: shipmentVars, chips: ctx.advancedChips },
    shipment: { ctx },
    parties: ctx.parties.map((party) => ({ ctx, party })),
    items: ctx.items.map((item) => ({ ctx, item })),
    seen: [],
    out: flags,
    verdict: () => undefined,
  };
  let evaluated = 0;
  // Behaviour first, gaps second: the risk context counts the red flags the behaviour rules raised.
  const gaps: CompiledRule[] = [];
  for (const c of rulesOf(ctx)) {
    if (!inForce(c.rule, ctx.s.shipDate)) continue;
    evaluated++;
    if (c.rule.missingData) gaps.push(c);
    else runRule(run, c);
  }
  run.verdict = () => (risk ??= riskContext(ctx, [...prior, ...flags]));
  for (const c of gaps) runRule(run, c);
  if (!flags.some((f) => f.category === 'red_flag')) flags.push(makeFlag(ctx.rs.redFlagSummary, 'red_flag', 'shipment', { count: evaluated }, { rulesEvaluated: evaluated }));
  return flags;
}

function riskContext(ctx: ScreenContext, prior: readonly Flag[]): RiskVerdict {
  const seen: Observed = [];
  const inContext = compileCondition(ctx.rs.riskContext.when as Condition)({ ctx, prior }, seen);
  return { inContext, because: evidenceOf(seen) };
}

function runRule(run: Run, c: CompiledRule): void {
  const { ctx, seen } = run;
  const scope = c.rule.scope;
  if (scope === 'shipment') {
    seen.length = 0;
    if (c.when(run.shipment, seen)) fire(run, c, run.shipment, 'shipment', run.base);
  } else if (scope === 'party') {
    for (let i = 0; i < run.parties.length; i++) {
      seen.length = 0;
      if (c.when(run.parties[i]!, seen)) fire(run, c, run.parties[i]!, `parties[${i}]`, { ...run.base, party: ctx.parties[i] });
    }
  } else {
    for (let i = 0; i < run.items.length; i++) {
      seen.length = 0;
      if (!c.when(run.items[i]!, seen)) continue;
      const item = ctx.items[i]!;
      const vars = { ...run.base, item: { ...item.input, index: i, eccn: item.result.eccn ?? 'unclassified', declaredEccn: item.input.eccn, model: item.result.model ?? `item ${i}` } };
      fire(run, c, run.items[i]!, `items[${i}]`, vars);
    }
  }
}

/** A rule that fired (most do not: the subject, template variables and evidence are built only for those). */
function fire(run: Run, c: CompiledRule, scope: Scope, at: string, vars: Record<string, unknown>): void {
  const r = c.rule;
  const evidence = evidenceOf(run.seen);
  const category = r.category ?? 'red_flag';
  const v = r.missingData ? run.verdict() : undefined;
  if (!v || !r.missingData) return void run.out.push(makeFlag(r, category, at, vars, evidence));
  const demotable = !v.inContext && (c.onlyWhen === null || c.onlyWhen(scope, []));
  const riskEvidence = { riskContext: { id: run.ctx.rs.riskContext.id, inContext: v.inContext, because: v.because } };
  if (!demotable) return void run.out.push(makeFlag(r, category, at, vars, { ...evidence, ...riskEvidence }));
  const asking = { ...r, message: `Missing data, outside the risk context: please provide ${r.missingData.ask} (${r.message})` };
  run.out.push(makeFlag(asking, 'data_quality', at, vars, { ...evidence, ...riskEvidence }, { severity: 'info', decision: 'CLEAR' }));
}
