/** Building flags from rules: message templates filled from named values, evidence kept as given. */
import type { Decision, Flag, FlagCategory, Severity } from '../schemas/screening-result.js';

export interface FlagRule {
  id: string;
  severity: Severity;
  decision: Decision;
  citation: string;
  message: string;
}

/** A message template read once: literal text between `{path}` placeholders (path split on dots). */
interface CompiledTemplate {
  /** literals.length === paths.length + 1 */
  literals: string[];
  paths: string[][];
}

const PLACEHOLDER = /\{([A-Za-z0-9_.]+)\}/g;
/** Templates come from the rule table (a few hundred at most); the bound only guards against a caller-made template. */
const compiled = new Map<string, CompiledTemplate>();
const MAX_COMPILED = 4096;

function compileTemplate(template: string): CompiledTemplate {
  let t = compiled.get(template);
  if (t) return t;
  const literals: string[] = [];
  const paths: string[][] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, m.index));
    paths.push((m[1] as string).split('.'));
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  t = { literals, paths };
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(template, t);
  return t;
}

/** Replaces {name} and {a.b} with values from `vars`; missing values read "unknown". */
export function fillTemplate(template: string, vars: Readonly<Record<string, unknown>>): string {
  const { literals, paths } = compileTemplate(template);
  let out = literals[0] as string;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    let v: unknown = vars;
    for (let k = 0; k < path.length; k++) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[path[k]!] : undefined;
    out += v === undefined || v === null || v === '' ? 'unknown' : Array.isArray(v) ? v.join(', ') : String(v);
    out += literals[i + 1] as string;
  }
  return out;
}

export function makeFlag(
  rule: FlagRule,
  category: FlagCategory,
  subject: string,
  vars: Readonly<Record<string, unknown>>,
  evidence: Record<string, unknown>,
  override: { severity?: Severity; decision?: Decision } = {},
): Flag {
  return {
    ruleId: rule.id,
    category,
    severity: override.severity ?? rule.severity,
    decision: override.decision ?? rule.decision,
    message: fillTemplate(rule.message, vars),
    citation: rule.citation,
    subject,
    evidence,
  };
}
