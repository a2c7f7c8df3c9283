/**
 * The decision: strongest flag wins (BLOCK > LICENSE_REQUIRED > REVIEW > CLEAR). The 0-100 risk score adds
 * severity weights — each rule once per subject, at its strongest (ten possible matches of one party are one
 * finding, not ten) — and stays in its decision's band: CLEAR 0–20, REVIEW 25–59, LICENSE_REQUIRED 60–89,
 * BLOCK 90–100. So a BLOCK never scores lower than a REVIEW, and no pile of weak flags outranks a licence case.
 */
import type { Decision, Flag, Severity } from '../schemas/screening-result.js';

const RANK: Record<Decision, number> = { CLEAR: 0, REVIEW: 1, LICENSE_REQUIRED: 2, BLOCK: 3 };
const WEIGHT: Record<Severity, number> = { info: 0, low: 4, medium: 10, high: 20, critical: 35 };
const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const FLOOR: Record<Decision, number> = { CLEAR: 0, REVIEW: 25, LICENSE_REQUIRED: 60, BLOCK: 90 };
const CEILING: Record<Decision, number> = { CLEAR: 20, REVIEW: 59, LICENSE_REQUIRED: 89, BLOCK: 100 };

export function combine(flags: Flag[]): { decision: Decision; riskScore: number; flags: Flag[] } {
  let decision: Decision = 'CLEAR';
  const strongest = new Map<string, number>();
  for (const f of flags) {
    if (RANK[f.decision] > RANK[decision]) decision = f.decision;
    const key = `${f.ruleId}\u0000${f.subject}`;
    strongest.set(key, Math.max(strongest.get(key) ?? 0, WEIGHT[f.severity]));
  }
  let sum = 0;
  for (const w of strongest.values()) sum += w;
  const riskScore = Math.min(CEILING[decision], Math.max(FLOOR[decision], sum));
  // Strongest first; Array.prototype.sort is stable, so equal flags keep the order the checks produced.
  const sorted = [...flags].sort((a, b) => RANK[b.decision] - RANK[a.decision] || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return { decision, riskScore, flags: sorted };
}
