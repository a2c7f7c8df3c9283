/** Building flags from rules: message templates filled from named values, evidence kept as given. */
import type { Decision, Flag, FlagCategory, Severity } from '../schemas/screening-result.js';

export interface FlagRule {
  id: string;
  severity: Severity;
  decision: Decision;
  citation: string;
  message: string;
}

/** Replaces {name} and {a.b} with values from `vars`; missing values read "unknown". */
export function fillTemplate(template: string, vars: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (_, path: string) => {
    let v: unknown = vars;
    for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (v === undefined || v === null || v === '') return 'unknown';
    return Array.isArray(v) ? v.join(', ') : String(v);
  });
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
