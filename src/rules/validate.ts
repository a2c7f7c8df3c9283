/**
 * Checks a parsed rule file against its schema and the cross-file references (country codes, chip ids,
 * source ids, duplicate rule ids, condition predicates). Every failure is a RulesetError naming file and path.
 */
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { PARTY_ROLES } from '../schemas/shipment.js';
import { RulesetError } from './errors.js';
import { PREDICATES, isPredicateName } from './predicates.js';

export function checkSchema<T>(file: string, schema: TSchema, value: unknown): T {
  if (Value.Check(schema, value)) return value as T;
  const first = [...Value.Errors(schema, value)][0];
  // A field the schema does not know (a typo such as `severty:`) is reported by TypeBox as "schema is false" at its path.
  if (first && first.keyword === 'boolean' && first.schemaPath.endsWith('/additionalProperties')) {
    const field = first.instancePath.split('/').pop()!.replace(/~1/g, '/').replace(/~0/g, '~');
    throw new RulesetError(file, first.instancePath, `unknown field "${field}" (not in the schema, or a key of the wrong form; misspelt?)`);
  }
  throw new RulesetError(file, first?.instancePath || '/', first ? `${first.message}${paramsText(first.params)}` : 'does not match its schema');
}

function paramsText(params: unknown): string {
  if (!params || typeof params !== 'object' || Object.keys(params).length === 0) return '';
  return ` (${JSON.stringify(params)})`;
}

export function compileRegex(file: string, path: string, source: string): RegExp {
  try {
    return new RegExp(source, 'iu');
  } catch (err) {
    throw new RulesetError(file, path, `invalid regular expression: ${(err as Error).message}`);
  }
}

export interface RefContext {
  countryCodes: ReadonlySet<string>;
  groupNames: ReadonlySet<string>;
  countrySetNames: ReadonlySet<string>;
}

export function checkCountry(file: string, path: string, code: string, ctx: RefContext): void {
  if (!ctx.countryCodes.has(code)) throw new RulesetError(file, path, `unknown country code "${code}"`);
}

export function checkCountryRef(file: string, path: string, ref: string, ctx: RefContext): void {
  if (ref.startsWith('group:')) {
    if (!ctx.groupNames.has(ref.slice(6))) throw new RulesetError(file, path, `unknown country group "${ref.slice(6)}"`);
  } else if (ref.startsWith('set:')) {
    if (!ctx.countrySetNames.has(ref.slice(4))) throw new RulesetError(file, path, `unknown country set "${ref.slice(4)}"`);
  } else checkCountry(file, path, ref, ctx);
}

export function checkGroup(file: string, path: string, group: string, ctx: RefContext): void {
  if (!ctx.groupNames.has(group)) throw new RulesetError(file, path, `unknown country group "${group}"`);
}

/** Validates a red-flag condition tree for `scope`, compiling regex arguments into `regexes`. */
export function checkCondition(
  file: string,
  path: string,
  cond: unknown,
  scope: 'shipment' | 'party' | 'item',
  ctx: RefContext,
  regexes: Map<string, RegExp>,
): void {
  if (!cond || typeof cond !== 'object' || Array.isArray(cond)) throw new RulesetError(file, path, 'a condition must be an object');
  const keys = Object.keys(cond);
  if (keys.length !== 1) throw new RulesetError(file, path, `a condition must have exactly one key, got ${keys.join(', ') || 'none'}`);
  const key = keys[0] as string;
  const arg = (cond as Record<string, unknown>)[key];
  const at = `${path}/${key}`;
  if (key === 'all' || key === 'any') {
    if (!Array.isArray(arg) || arg.length === 0) throw new RulesetError(file, at, `"${key}" takes a non-empty list of conditions`);
    arg.forEach((c, i) => checkCondition(file, `${at}/${i}`, c, scope, ctx, regexes));
    return;
  }
  if (key === 'not') return checkCondition(file, at, arg, scope, ctx, regexes);
  // someParty: a party-scope condition that holds for at least one party of the shipment ("the end user, consignee or
  // buyer is headquartered in D:5"), usable in any rule scope; the condition inside sees that party as its party.
  if (key === 'someParty') return checkCondition(file, at, arg, 'party', ctx, regexes);
  if (!isPredicateName(key)) throw new RulesetError(file, at, `unknown predicate "${key}"`);
  const spec = PREDICATES[key];
  if (spec.scope !== 'shipment' && spec.scope !== scope) throw new RulesetError(file, at, `predicate "${key}" needs scope ${spec.scope}, rule scope is ${scope}`);
  const bad = (what: string) => new RulesetError(file, at, `predicate "${key}" takes ${what}`);
  switch (spec.arg) {
    case 'boolean':
      if (typeof arg !== 'boolean') throw bad('true or false');
      return;
    case 'number':
      if (typeof arg !== 'number' || !Number.isFinite(arg)) throw bad('a number');
      return;
    case 'date':
      if (typeof arg !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(arg)) throw bad('a YYYY-MM-DD date');
      return;
    case 'regex':
      if (typeof arg !== 'string') throw bad('a regular expression string');
      regexes.set(arg, compileRegex(file, at, arg));
      return;
    default: {
      if (!Array.isArray(arg) || arg.length === 0 || arg.some((a) => typeof a !== 'string')) throw bad('a non-empty list of strings');
      const list = arg as string[];
      if (spec.arg === 'countries') list.forEach((c, i) => checkCountryRef(file, `${at}/${i}`, c, ctx));
      if (spec.arg === 'roles') list.forEach((r, i) => {
        if (!(PARTY_ROLES as readonly string[]).includes(r)) throw new RulesetError(file, `${at}/${i}`, `unknown party role "${r}"`);
      });
    }
  }
}
