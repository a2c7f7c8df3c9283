/** The rule table: loading (I/O), validation, country resolution and shipment normalisation. */
export { loadRuleset, type LoadRulesetOptions, type LoadedListsLike } from './load.js';
export { RulesetError } from './errors.js';
export { resolveCountry, groupsOf, inForce, type Ruleset, type RulesetMode } from './ruleset.js';
export { normaliseShipment, normaliseItems, itemErrors, type FieldError, type NormaliseResult } from './normalise-shipment.js';
