/**
 * The risk score: each rule counts once per subject at its strongest, and the score stays in its decision's
 * band (CLEAR 0–20, REVIEW 25–59, LICENSE_REQUIRED 60–89, BLOCK 90–100) — ten possible list matches of one
 * party must not outrank a licence case, nor reach a BLOCK's score (QA: a REVIEW scored 100).
 */
import { describe, expect, it } from 'vitest';
import { combine } from '../../src/engine/combine.js';
import type { Flag } from '../../src/schemas/screening-result.js';

const flag = (ruleId: string, subject: string, severity: Flag['severity'], decision: Flag['decision']): Flag =>
  ({ ruleId, subject, severity, decision, category: 'party', message: 'm', citation: 'c', evidence: {} }) as Flag;

describe('risk score', () => {
  it('counts one rule once per subject, at its strongest', () => {
    const tenPossible = Array.from({ length: 10 }, () => flag('LIST-POSSIBLE', 'parties[0]', 'medium', 'REVIEW'));
    expect(combine(tenPossible)).toMatchObject({ decision: 'REVIEW', riskScore: 25 });
    // Two parties are two findings; a high one of the same rule counts at its severity.
    const two = [flag('LIST-POSSIBLE', 'parties[0]', 'medium', 'REVIEW'), flag('LIST-POSSIBLE', 'parties[1]', 'high', 'REVIEW'), flag('LIST-POSSIBLE', 'parties[1]', 'medium', 'REVIEW')];
    expect(combine(two).riskScore).toBe(30);
  });

  it('stays within the decision band', () => {
    const many = Array.from({ length: 12 }, (_, i) => flag(`RF-${i}`, 'shipment', 'high', 'REVIEW'));
    expect(combine(many)).toMatchObject({ decision: 'REVIEW', riskScore: 59 });
    const licence = [flag('LIC-AC-A', 'items[0]', 'high', 'LICENSE_REQUIRED')];
    expect(combine(licence).riskScore).toBe(60);
    expect(combine([...licence, ...many]).riskScore).toBe(89);
    expect(combine([flag('EMB-E1', 'route', 'critical', 'BLOCK')]).riskScore).toBe(90);
    expect(combine([flag('DEST-NLR', 'items[0]', 'info', 'CLEAR'), flag('RF-X', 'shipment', 'high', 'CLEAR'), flag('RF-Y', 'shipment', 'high', 'CLEAR')]).riskScore).toBe(20);
  });
});
