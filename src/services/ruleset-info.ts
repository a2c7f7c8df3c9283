/** The public description of a ruleset (GET /v1/rules, audit events on activation). */
import type { Ruleset } from '../rules/index.js';

interface Dated {
  id: string;
  effectiveFrom?: string | undefined;
  effectiveTo?: string | undefined;
}

export function describeRuleset(rs: Ruleset) {
  const dated: Dated[] = [
    ...rs.thresholds.regimes,
    ...rs.licence,
    ...rs.embargoes,
    ...rs.hubRules,
    ...rs.redFlags,
    ...rs.itemRules.values(),
  ];
  return {
    name: rs.name,
    version: rs.version,
    hash: rs.hash,
    mode: rs.mode,
    asOf: rs.asOf,
    counts: rs.counts,
    files: rs.files,
    lists: rs.listSources.map((l) => ({ ...l, generatedAt: l.generatedAt ?? null })),
    sources: rs.sources,
    effectiveDates: dated
      .filter((d) => d.effectiveFrom || d.effectiveTo)
      .map((d) => ({ ruleId: d.id, effectiveFrom: d.effectiveFrom ?? null, effectiveTo: d.effectiveTo ?? null })),
  };
}
