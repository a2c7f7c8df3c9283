/**
 * The decision: strongest flag wins (BLOCK > LICENSE_REQUIRED > REVIEW > CLEAR). The 0-100 risk score adds
 * severity weights and is floored by the decision, so a BLOCK never scores lower than a REVIEW.
 */
import type { Decision, Flag, Severity } from '../schemas/screening-result.js';

const RANK: Record<Decision, number> = { CLEAR: 0, REVIEW: 1, LICENSE_REQUIRED: 2, BLOCK: 3 };
const WEIGHT: Record<Severity, number> = { info: 0, low: 4, medium: 10, high: 20, critical: 35 };
const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const FLOOR: Record<Decision, number> = { CLEAR: 0, REVIEW: 25, LICENSE_REQUIRED: 60, BLOCK: 90 };

export function combine(flags: Flag[]): { decision: Decision; riskScore: number; flags: Flag[] } {
  let decision: Decision = 'CLEAR';
  let sum = 0;
  for (const f of flags) {
    if (RANK[f.decision] > RANK[decision]) decision = f.decision;
    sum += WEIGHT[f.severity];
  }
  const riskScore = Math.min(100, Math.max(FLOOR[decision], decision === 'CLEAR' ? Math.min(sum, 20) : sum));
  // Strongest first; Array.prototype.sort is stable, so equal flags keep the order the checks produced.
  const sorted = [...flags].sort((a, b) => RANK[b.decision] - RANK[a.decision] || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return { decision, riskScore, flags: sorted };
}
