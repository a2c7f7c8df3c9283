/** Wires the rule table and the party lists from RULES_DIR into one ruleset (filled in when the engine lands). */
import type { Config } from '../config.js';
import type { RulesetLike, RulesetLoader } from './rules-service.js';

export async function createRulesetLoader(config: Config): Promise<RulesetLoader<RulesetLike>> {
  return async () => {
    throw new Error(`no ruleset loader for ${config.rulesDir} yet`);
  };
}
