/**
 * Loads the rule table and the party lists from RULES_DIR into one ruleset: the lists' sha256
 * values enter the ruleset hash and their publication dates the version, so every screening
 * records exactly which list data it met. Any failure (invalid YAML, schema, hash mismatch,
 * empty list) throws: fail closed.
 */
import type { Config } from '../config.js';
import { loadLists } from '../lists/index.js';
import { loadRuleset, type Ruleset } from '../rules/index.js';
import type { RulesetLoader } from './rules-service.js';

export function createRulesetLoader(config: Pick<Config, 'rulesDir' | 'matchThreshold'>): RulesetLoader<Ruleset> {
  return async () => {
    const lists = await loadLists(config.rulesDir, { threshold: config.matchThreshold });
    const rs = await loadRuleset(config.rulesDir, { lists: { sources: lists.sources, matcher: lists.matcher } });
    const listTag = lists.sources.map((s) => `${s.format.split('-')[0]}.${s.generatedAt ?? s.sha256.slice(0, 8)}`).join('+');
    return listTag ? { ...rs, version: `${rs.version}+${listTag}` } : rs;
  };
}
