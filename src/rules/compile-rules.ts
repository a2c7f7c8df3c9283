/** Cross-checks every flag-emitting rule (ids unique, countries/groups/chips known, regexes and conditions valid). */
import type { CompiledGeo } from './compile-countries.js';
import { RulesetError } from './errors.js';
import type { Hub } from './ruleset.js';
import type * as S from './schema.js';
import { checkCondition, checkCountry, checkGroup, compileRegex } from './validate.js';

export function compileRules(input: {
  thresholds: S.ThresholdsFile;
  licence: S.LicenceScopeFile;
  embargoes: S.EmbargoesFile;
  hubs: S.HubsFile;
  redFlags: S.RedFlagsFile;
  lists: S.ListsFile;
  licensing: S.LicensingFile;
  geo: CompiledGeo;
  chipIds: ReadonlyMap<string, unknown>;
  files: S.Manifest['files'];
}) {
  const { thresholds, licence, embargoes, hubs, redFlags, lists, licensing, geo, chipIds, files } = input;
  const seen = new Map<string, string>();
  const ruleIds: string[] = [];
  /** Rules that only record a check made ("no list match", "no licence required"): info and CLEAR as written. */
  const checkRuleIds = new Set<string>();
  const claim = (id: string, file: string, path: string, rule?: { severity?: string; decision?: string }) => {
    const prior = seen.get(id);
    if (prior) throw new RulesetError(file, path, `duplicate rule id "${id}" (also in ${prior})`);
    seen.set(id, file);
    ruleIds.push(id);
    if (rule?.severity === 'info' && rule.decision === 'CLEAR') checkRuleIds.add(id);
  };
  const checkDates = (r: { effectiveFrom?: string | undefined; effectiveTo?: string | undefined }, file: string, path: string) => {
    if (r.effectiveFrom && r.effectiveTo && r.effectiveTo <= r.effectiveFrom) throw new RulesetError(file, `${path}/effectiveTo`, 'effectiveTo must be after effectiveFrom');
  };
  const checkSet = (set: S.DestinationSet | undefined, file: string, path: string) => {
    if (!set) return;
    (set.groups ?? []).forEach((g, i) => checkGroup(file, `${path}/groups/${i}`, g, geo));
    (set.excludeGroups ?? []).forEach((g, i) => checkGroup(file, `${path}/excludeGroups/${i}`, g, geo));
    (set.countries ?? []).forEach((c, i) => checkCountry(file, `${path}/countries/${i}`, c, geo));
    (set.exceptCountries ?? []).forEach((c, i) => checkCountry(file, `${path}/exceptCountries/${i}`, c, geo));
  };
  const regexes = new Map<string, RegExp>();

  const itemRules = new Map<string, S.ItemRule>();
  thresholds.itemRules.forEach((r, i) => {
    claim(r.id, files.thresholds, `/itemRules/${i}/id`, r);
    itemRules.set(r.id, r);
  });
  for (const required of ['ITEM-CATALOG', 'ITEM-SYSTEM', 'ITEM-SPECS', 'ITEM-SPECS-INCOMPLETE', 'ITEM-DECLARED', 'ITEM-UNKNOWN', 'ITEM-CATALOG-UNCERTAIN', 'ITEM-DATACENTER-NOTE'])
    if (!itemRules.has(required)) throw new RulesetError(files.thresholds, '/itemRules', `missing item rule "${required}"`);
  const reading = thresholds.itemReading;
  if (reading) {
    for (const required of ['ITEM-DECLARED-BARE', 'ITEM-DESCRIPTION', 'ITEM-DESCRIPTION-AMBIGUOUS'])
      if (!itemRules.has(required)) throw new RulesetError(files.thresholds, '/itemRules', `missing item rule "${required}" (itemReading needs it)`);
    for (const [bare, paragraphs] of Object.entries(reading.bareEccns))
      paragraphs.forEach((p, i) => {
        if (!p.startsWith(`${bare}.`)) throw new RulesetError(files.thresholds, `/itemReading/bareEccns/${bare}/${i}`, `"${p}" is not a paragraph of ${bare}`);
      });
    regexes.set(reading.description.separators, compileRegex(files.thresholds, '/itemReading/description/separators', reading.description.separators));
  }

  licence.rules.forEach((r, i) => {
    const at = `/rules/${i}`;
    claim(r.id, files.licenceScope, `${at}/id`, r);
    checkDates(r, files.licenceScope, at);
    checkSet(r.destinations, files.licenceScope, `${at}/destinations`);
    checkSet(r.headquarters, files.licenceScope, `${at}/headquarters`);
    (r.severityIf?.groups ?? []).forEach((g, j) => checkGroup(files.licenceScope, `${at}/severityIf/groups/${j}`, g, geo));
    (r.chips ?? []).forEach((c, j) => {
      if (!chipIds.has(c)) throw new RulesetError(files.licenceScope, `${at}/chips/${j}`, `unknown chip id "${c}"`);
    });
    if (r.endUsePattern) regexes.set(r.endUsePattern, compileRegex(files.licenceScope, `${at}/endUsePattern`, r.endUsePattern));
    const needsEccns = r.kind === 'destination' || r.kind === 'headquarters' || r.kind === 'reviewPolicy';
    if (needsEccns && !r.eccns?.length) throw new RulesetError(files.licenceScope, `${at}/eccns`, `a ${r.kind} rule needs eccns`);
    if ((r.kind === 'destination' || r.kind === 'informed' || r.kind === 'reviewPolicy') && !r.destinations) throw new RulesetError(files.licenceScope, `${at}/destinations`, `a ${r.kind} rule needs destinations`);
    if (r.kind === 'headquarters' && !r.headquarters) throw new RulesetError(files.licenceScope, `${at}/headquarters`, 'a headquarters rule needs headquarters');
  });

  embargoes.rules.forEach((r, i) => {
    claim(r.id, files.embargoes, `/rules/${i}/id`, r);
    checkDates(r, files.embargoes, `/rules/${i}`);
    checkSet(r.countries, files.embargoes, `/rules/${i}/countries`);
  });

  const hubMap = new Map<string, Hub>();
  hubs.hubs.forEach((h, i) => {
    checkCountry(files.hubs, `/hubs/${i}/country`, h.country, geo);
    if (hubMap.has(h.country)) throw new RulesetError(files.hubs, `/hubs/${i}/country`, `duplicate hub ${h.country}`);
    hubMap.set(h.country, h);
  });
  hubs.rules.forEach((r, i) => {
    claim(r.id, files.hubs, `/rules/${i}/id`, r);
    checkDates(r, files.hubs, `/rules/${i}`);
    (r.countries ?? []).forEach((c, j) => checkCountry(files.hubs, `/rules/${i}/countries/${j}`, c, geo));
    if (r.kind !== 'routeSummary' && !r.eccnPrefixes?.length) throw new RulesetError(files.hubs, `/rules/${i}/eccnPrefixes`, `a ${r.kind} rule needs eccnPrefixes`);
    (r.vendorCountries ?? []).forEach((c, j) => checkCountry(files.hubs, `/rules/${i}/vendorCountries/${j}`, c, geo));
  });

  claim(redFlags.summary.id, files.redFlags, '/summary/id', redFlags.summary);
  checkCondition(files.redFlags, '/riskContext/when', redFlags.riskContext.when, 'shipment', geo, regexes);
  redFlags.rules.forEach((r, i) => {
    claim(r.id, files.redFlags, `/rules/${i}/id`, r);
    checkDates(r, files.redFlags, `/rules/${i}`);
    checkCondition(files.redFlags, `/rules/${i}/when`, r.when, r.scope, geo, regexes);
    if (r.missingData?.onlyWhen !== undefined) checkCondition(files.redFlags, `/rules/${i}/missingData/onlyWhen`, r.missingData.onlyWhen, r.scope, geo, regexes);
  });

  lists.rules.forEach((r, i) => claim(r.id, files.lists, `/rules/${i}/id`, r));
  for (const required of ['LIST-OTHER', 'LIST-POSSIBLE', 'LIST-UNAVAILABLE', 'LIST-CLEAR'])
    if (!lists.rules.some((r) => r.id === required)) throw new RulesetError(files.lists, '/rules', `missing list rule "${required}"`);

  licensing.rules.forEach((r, i) => claim(r.id, files.licensing, `/rules/${i}/id`, r));
  for (const required of ['LIC-COVERED', 'LIC-REQUIREMENT-MET', 'LIC-NOT-COVERED', 'LIC-CLAIM-UNKNOWN', 'LIC-CLAIM-UNNEEDED', 'LE-ACCEPTED', 'LE-INELIGIBLE'])
    if (!licensing.rules.some((r) => r.id === required)) throw new RulesetError(files.licensing, '/rules', `missing licensing rule "${required}"`);
  compileRegex(files.licensing, '/licenceNumber/pattern', licensing.licenceNumber.pattern);
  const leTypes = new Set<string>();
  licensing.exceptions.forEach((e, i) => {
    const at = `/exceptions/${i}`;
    if (leTypes.has(e.type)) throw new RulesetError(files.licensing, `${at}/type`, `duplicate licence exception "${e.type}"`);
    leTypes.add(e.type);
    checkSet(e.destinations, files.licensing, `${at}/destinations`);
    checkSet(e.headquarters, files.licensing, `${at}/headquarters`);
    (e.excludeCountries ?? []).forEach((c, j) => checkCountry(files.licensing, `${at}/excludeCountries/${j}`, c, geo));
  });

  return { itemRules, hubs: hubMap, regexes, ruleIds, checkRuleIds };
}
