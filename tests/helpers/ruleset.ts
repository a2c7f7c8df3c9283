/**
 * Rulesets for tests, loaded from the real rules/ folder once per test file.
 * `rulesOnly()` skips the party lists (fast; screenings then carry a data-quality flag);
 * `withLists()` loads the shipped Consolidated Screening List too (a few seconds) — pinned through
 * tests/fixtures/shipped-rules, not rules/lists/manifest.yaml, so a user's `lists import` of a newer
 * list does not change what the tests expect.
 */
import path from 'node:path';
import { createRulesetLoader } from '../../src/services/active-ruleset.js';
import { loadRuleset, type Ruleset } from '../../src/rules/index.js';

export const RULES_DIR = path.resolve(import.meta.dirname, '../../rules');
/** Holds lists/manifest.yaml naming the shipped list the tests are written against. */
export const PINNED_LISTS_DIR = path.resolve(import.meta.dirname, '../fixtures/shipped-rules');

let rulesOnlyP: Promise<Ruleset> | undefined;
let withListsP: Promise<Ruleset> | undefined;

export function rulesOnly(): Promise<Ruleset> {
  rulesOnlyP ??= loadRuleset(RULES_DIR);
  return rulesOnlyP;
}

export function withLists(): Promise<Ruleset> {
  withListsP ??= createRulesetLoader({ rulesDir: RULES_DIR, matchThreshold: 0.85 }, { listsDir: PINNED_LISTS_DIR })();
  return withListsP;
}
