/**
 * Evaluator of the red-flag condition language (rules/red-flags.yaml; predicates declared in
 * src/rules/predicates.ts). Each satisfied predicate records the value it saw, so a flag shows why it fired.
 */
import type { Condition, PredicateName } from '../rules/predicates.js';
import { eccnMatches, inCountryRefs } from '../rules/ruleset.js';
import type { Flag } from '../schemas/screening-result.js';
import type { Party } from '../schemas/shipment.js';
import { matchCatalog } from './catalog-match.js';
import { eccnCovers } from '../rules/eccn.js';
import type { ScreenContext } from './context.js';
import type { ClassifiedItem } from './items.js';

export interface Scope {
  ctx: ScreenContext;
  party?: Party;
  item?: ClassifiedItem;
  /** flags of the other checks, for otherFlagRaised */
  prior?: readonly Flag[];
}

type Evidence = Record<string, unknown>;
/** Returns the observed value when the predicate holds, `undefined` when it does not. */
type Predicate = (arg: never, s: Scope) => unknown;

const normalise = (v: string | undefined | null) => (v ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
/** Business types and payment methods repeat: each distinct text is normalised once (bounded). */
const normMemo = new Map<string, string>();
const norm = (v: string | undefined | null): string => {
  if (!v) return normalise(v);
  let n = normMemo.get(v);
  if (n === undefined) {
    if (normMemo.size >= 4096) normMemo.clear();
    normMemo.set(v, (n = normalise(v)));
  }
  return n;
};
/** A rule's list of business types or payment methods, normalised once (the list is part of the immutable rule table). */
const normSets = new WeakMap<readonly string[], ReadonlySet<string>>();
const normSet = (a: readonly string[]): ReadonlySet<string> => {
  let set = normSets.get(a);
  if (!set) normSets.set(a, (set = new Set(a.map(norm))));
  return set;
};
const digits = (v: string | null | undefined) => (v ?? '').replace(/[^0-9]/g, '');
/** A rule's HS code prefixes as digits, once per rule (the list belongs to the immutable rule table). */
const digitPrefixes = new WeakMap<readonly string[], string[]>();
const digitsOf = (a: readonly string[]): string[] => {
  let d = digitPrefixes.get(a);
  if (!d) digitPrefixes.set(a, (d = a.map(digits)));
  return d;
};
const rx = (s: Scope, src: string) => s.ctx.rs.regexes.get(src) as RegExp;
const holdsIf = <T>(ok: boolean, value: T) => (ok ? (value ?? null) : undefined);
const roleCountries = (s: Scope, roles: readonly string[]) =>
  new Set(s.ctx.parties.filter((p) => roles.includes(p.role) && p.country).map((p) => p.country as string));

const monthsMemo = new Map<string, string>();
function monthsBefore(date: string, months: number): string {
  const key = `${date}/${months}`;
  let v = monthsMemo.get(key);
  if (v === undefined) {
    if (monthsMemo.size >= 4096) monthsMemo.clear();
    monthsMemo.set(key, (v = computeMonthsBefore(date, months)));
  }
  return v;
}

function computeMonthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) - months;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const PREDICATES: Record<PredicateName, Predicate> = {
  endUseMatches: (a: string, s) => holdsIf(!!s.ctx.s.endUse && rx(s, a).test(s.ctx.s.endUse), s.ctx.s.endUse),
  endUseMissing: (a: boolean, s) => holdsIf(!s.ctx.s.endUse?.trim() === a, s.ctx.s.endUse ?? null),
  paymentMethodIn: (a: string[], s) => holdsIf(normSet(a).has(norm(s.ctx.s.payment?.method)), s.ctx.s.payment?.method),
  paymentMethodMatches: (a: string, s) => holdsIf(!!s.ctx.s.payment?.method && rx(s, a).test(s.ctx.s.payment.method), s.ctx.s.payment?.method),
  paymentCountryNotInRoleCountries: (a: string[], s) => {
    const c = s.ctx.s.payment?.country;
    if (!c) return undefined;
    const known = roleCountries(s, a);
    return known.size > 0 && !known.has(c) ? { paymentCountry: c, roleCountries: [...known].sort() } : undefined;
  },
  servicesDeclined: (a: boolean, s) => holdsIf((s.ctx.s.servicesDeclined ?? false) === a, s.ctx.s.servicesDeclined ?? false),
  shipDateDefaulted: (a: boolean, s) => holdsIf((s.ctx.s.shipDateDefaulted ?? false) === a, s.ctx.s.shipDate),
  viaCountAtLeast: (a: number, s) => holdsIf((s.ctx.s.route.via?.length ?? 0) >= a, s.ctx.s.route.via ?? []),
  // Destinations are where the goods end up (context.ts `ultimate`); either test holds when SOME ultimate
  // destination passes it, the conservative reading for a red flag.
  destinationIn: (a: string[], s) => {
    for (const u of s.ctx.ultimate) if (inCountryRefs(s.ctx.rs, u.country, a)) return u.country;
    return undefined;
  },
  destinationNotIn: (a: string[], s) => {
    for (const u of s.ctx.ultimate) if (!inCountryRefs(s.ctx.rs, u.country, a)) return u.country;
    return undefined;
  },
  anyPartyHqIn: (a: string[], s) => {
    for (let j = 0; j < s.ctx.parties.length; j++) {
      const headquarters = hqIn(s, j, a);
      if (headquarters !== undefined) return { role: s.ctx.parties[j]!.role, headquarters };
    }
    return undefined;
  },
  anyPartyCountryIn: (a: string[], s) => {
    for (const p of s.ctx.parties) if (inCountryRefs(s.ctx.rs, p.country, a)) return { role: p.role, country: p.country };
    return undefined;
  },
  routeCountryIn: (a: string[], s) => {
    const { origin, via } = s.ctx.s.route;
    if (origin && inCountryRefs(s.ctx.rs, origin, a)) return { origin };
    for (let i = 0; i < (via?.length ?? 0); i++) if (inCountryRefs(s.ctx.rs, via![i], a)) return { via: via![i], at: `route.via[${i}]` };
    return undefined;
  },
  hasPartyRole: (a: string[], s) => (s.ctx.parties.some((p) => a.includes(p.role)) ? s.ctx.parties.map((p) => p.role) : undefined),
  anyItemEccnIn: (a: string[], s) => {
    let hits: Array<{ item: number; eccn: string | null }> | undefined;
    for (const it of s.ctx.items) if (eccnMatches(it.result.eccn, a)) (hits ??= []).push({ item: it.result.index, eccn: it.result.eccn });
    return hits;
  },
  advancedChipCountAtLeast: (a: number, s) => holdsIf(s.ctx.advancedChips >= a, s.ctx.advancedChips),
  advancedDatacenterChipCountAtLeast: (a: number, s) => holdsIf(s.ctx.advancedDatacenterChips >= a, s.ctx.advancedDatacenterChips),
  totalValueAtLeast: (a: number, s) => holdsIf(s.ctx.totalValueUsd >= a, s.ctx.totalValueUsd),
  anyInvolvedCountryIn: (a: string[], s) => {
    for (const c of involvedCountries(s.ctx)) if (inCountryRefs(s.ctx.rs, c, a)) return c;
    return undefined;
  },
  anyInvolvedCountryNotIn: (a: string[], s) => {
    for (const c of involvedCountries(s.ctx)) if (!inCountryRefs(s.ctx.rs, c, a)) return c;
    return undefined;
  },
  anyInvolvedCountryHubTierIn: (a: string[], s) => {
    const c = involvedCountries(s.ctx).find((x) => a.includes(s.ctx.rs.hubs.get(x)?.tier ?? ''));
    return holdsIf(c !== undefined, c && { country: c, tier: s.ctx.rs.hubs.get(c)?.tier });
  },
  otherFlagRaised: (a: boolean, s) => {
    const f = (s.prior ?? []).find((x) => x.decision !== 'CLEAR' && x.category !== 'item' && x.category !== 'data_quality');
    return holdsIf(!!f === a, f ? { ruleId: f.ruleId, subject: f.subject } : null);
  },
  newCustomer: (a: boolean, s) => holdsIf((s.ctx.s.newCustomer ?? false) === a, s.ctx.s.newCustomer ?? false),
  shipDatePast: (a: boolean, s) => ((s.ctx.s.shipDatePast !== undefined) === a ? { declared: s.ctx.s.shipDatePast ?? null, screenedAs: s.ctx.s.shipDate } : undefined),
  partyRoleIn: (a: string[], s) => holdsIf(!!s.party && a.includes(s.party.role), s.party?.role),
  partyCountryIn: (a: string[], s) => holdsIf(inCountryRefs(s.ctx.rs, s.party?.country, a), s.party?.country),
  partyCountryNotIn: (a: string[], s) => holdsIf(!!s.party?.country && !inCountryRefs(s.ctx.rs, s.party.country, a), s.party?.country),
  partyHqIn: (a: string[], s) => {
    const hq = s.party ? hqIn(s, s.ctx.parties.indexOf(s.party), a) : undefined;
    return holdsIf(hq !== undefined, hq);
  },
  partyCountryNotInRoleCountries: (a: string[], s) => {
    const c = s.party?.country;
    if (!c) return undefined;
    const known = roleCountries(s, a);
    return known.size > 0 && !known.has(c) ? { country: c, roleCountries: [...known].sort() } : undefined;
  },
  partyCountryDiffersFromDestination: (a: boolean, s) =>
    (!!s.party?.country && (s.party.country !== s.ctx.destination) === a ? { partyCountry: s.party.country, destination: s.ctx.destination } : undefined),
  incorporatedOnOrAfter: (a: string, s) => holdsIf(!!s.party?.incorporatedOn && s.party.incorporatedOn >= a, s.party?.incorporatedOn),
  incorporatedWithinMonths: (a: number, s) => {
    if (!s.party?.incorporatedOn) return undefined;
    const since = monthsBefore(s.ctx.s.shipDate, a);
    return s.party.incorporatedOn > since ? { incorporatedOn: s.party.incorporatedOn, after: since } : undefined;
  },
  partyBusinessTypeIn: (a: string[], s) => holdsIf(!!s.party?.businessType && normSet(a).has(norm(s.party.businessType)), s.party?.businessType),
  partyBusinessTypeMissing: (a: boolean, s) => holdsIf(!s.party?.businessType?.trim() === a, s.party?.businessType ?? null),
  partyNameMatches: (a: string, s) => holdsIf(!!s.party && rx(s, a).test(s.party.name), 'name matched'),
  partyAddressMatches: (a: string, s) => holdsIf(!!s.party?.address && rx(s, a).test(s.party.address), 'address matched'),
  partyWebsiteMissing: (a: boolean, s) => holdsIf(!s.party?.website?.trim() === a, s.party?.website ?? null),
  itemEccnIn: (a: string[], s) => holdsIf(eccnMatches(s.item?.result.eccn, a), s.item?.result.eccn),
  itemEccnDeclaredMismatch: (a: boolean, s) =>
    (declaredMismatch(s.item) === a ? { declared: s.item?.input.eccn ?? null, classified: s.item?.result.eccn ?? null, basis: s.item?.result.basis } : undefined),
  itemHsCodeIn: (a: string[], s) => {
    if (!s.item?.input.hsCode) return undefined;
    const hs = digits(s.item.input.hsCode);
    return holdsIf(hs.length > 0 && digitsOf(a).some((p) => hs.startsWith(p)), s.item.input.hsCode);
  },
  itemDescriptionMatches: (a: string, s) => holdsIf(!!s.item?.input.description && rx(s, a).test(s.item.input.description), s.item?.input.description),
  itemModelMatches: (a: string, s) => holdsIf(!!s.item?.input.model && rx(s, a).test(s.item.input.model), s.item?.input.model),
  itemQuantityAtLeast: (a: number, s) => holdsIf((s.item?.input.quantity ?? 0) >= a, s.item?.input.quantity),
  itemVendorCountryIn: (a: string[], s) => holdsIf(inCountryRefs(s.ctx.rs, s.item?.vendorCountry ?? undefined, a), s.item?.vendorCountry),
  itemDeclaredEccnNotIn: (a: string[], s) => {
    const declared = s.item?.input.eccn;
    return holdsIf(!!declared && !eccnMatches(declared, a), declared);
  },
  itemDescriptionNamesEccnIn: (a: string[], s) => {
    const description = s.item?.input.description;
    const m = description ? matchCatalog(s.ctx.rs, description, null) : null;
    const eccn = m ? (m.system ? (s.ctx.rs.systems.eccnMap[m.chip.eccn] ?? m.chip.eccn) : m.chip.eccn) : null;
    return holdsIf(!!m && eccnMatches(eccn, a), m && { named: m.chip.name, matchedText: m.matchedText, eccn });
  },
  itemUnitPriceAtLeast: (a: number, s) => holdsIf((s.item?.input.unitPriceUsd ?? 0) >= a, s.item?.input.unitPriceUsd),
};

/**
 * Every country the shipment involves, distinct: ultimate destinations, route (origin and via), parties, their
 * headquarters and owners, payment. The origin counts: H100s leaving Hong Kong or China for Germany are a reexport
 * from a highest-risk hub / D:5 country, and their missing end use or end user must escalate as any other hub's.
 */
function involvedCountries(ctx: ScreenContext): string[] {
  return (ctx.involved ??= collectInvolved(ctx));
}

function collectInvolved(ctx: ScreenContext): string[] {
  const out = new Set<string>(ctx.ultimate.map((u) => u.country));
  if (ctx.s.route.origin) out.add(ctx.s.route.origin);
  for (const c of ctx.s.route.via ?? []) out.add(c);
  ctx.parties.forEach((p, i) => {
    if (p.country) out.add(p.country);
    for (const h of ctx.headquarters[i] ?? []) out.add(h.country);
    for (const o of p.owners ?? []) if (o.country) out.add(o.country);
  });
  if (ctx.s.payment?.country) out.add(ctx.s.payment.country);
  return [...out];
}

/** A party's headquarters (stated, assumed where located, or a controlling owner's) in the set; undefined when none. */
function hqIn(s: Scope, i: number, refs: readonly string[]) {
  return s.ctx.headquarters[i]?.find((h) => inCountryRefs(s.ctx.rs, h.country, refs));
}

/** A declared ECCN (normalised, rules/eccn.ts) contradicts a catalog/specs classification unless one is a paragraph of the other. */
function declaredMismatch(item: ClassifiedItem | undefined): boolean {
  const declared = item?.input.eccn;
  const eccn = item?.result.eccn;
  if (!item || !declared || !eccn || (item.result.basis !== 'catalog' && item.result.basis !== 'specs')) return false;
  return !(eccnCovers(declared, eccn) || eccnCovers(eccn, declared));
}

/**
 * What the satisfied predicates saw, in evaluation order, as name/value pairs: the evidence object is built
 * only for a rule that fires (evidenceOf), with the same keys, order and values the predicates recorded.
 */
export type Observed = unknown[];

/** A condition read once into a plain function: (scope, observed) → holds, recording what each satisfied predicate saw. */
export type CompiledCondition = (s: Scope, seen: Observed) => boolean;

export function evidenceOf(seen: Observed): Evidence {
  const evidence: Evidence = {};
  for (let i = 0; i < seen.length; i += 2) evidence[seen[i] as string] = seen[i + 1];
  return evidence;
}

/** Conditions are objects of the loaded rule table (immutable), so each is compiled once and kept beside it. */
const compiled = new WeakMap<object, CompiledCondition>();

export function compileCondition(cond: Condition): CompiledCondition {
  let f = compiled.get(cond);
  if (f) return f;
  const c = cond as Record<string, unknown>;
  if ('all' in c) {
    const parts = (c.all as Condition[]).map(compileCondition);
    f = (s, seen) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i]!(s, seen)) return false;
      return true;
    };
  } else if ('any' in c) {
    const parts = (c.any as Condition[]).map(compileCondition);
    f = (s, seen) => {
      for (let i = 0; i < parts.length; i++) if (parts[i]!(s, seen)) return true;
      return false;
    };
  } else if ('someParty' in c) {
    const inner = compileCondition(c.someParty as Condition);
    f = (s, seen) => {
      const parties = s.ctx.parties;
      for (let j = 0; j < parties.length; j++) {
        const partySeen: Observed = [];
        if (inner({ ...s, party: parties[j]! }, partySeen)) {
          seen.push('someParty', { party: `parties[${j}]`, role: parties[j]!.role, ...evidenceOf(partySeen) });
          return true;
        }
      }
      return false;
    };
  } else if ('not' in c) {
    const inner = compileCondition(c.not as Condition);
    f = (s) => {
      return !inner(s, []);
    };
  } else {
    const [name, arg] = Object.entries(c)[0] as [PredicateName, unknown];
    const predicate = PREDICATES[name] as (a: unknown, s: Scope) => unknown;
    f = (s, seen) => {
      const observed = predicate(arg, s);
      if (observed === undefined) return false;
      seen.push(name, observed);
      return true;
    };
  }
  compiled.set(cond, f);
  return f;
}
