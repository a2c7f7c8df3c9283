/**
 * Licence determination: once the checks have said which licence requirements fire, decide whether the
 * shipment is authorised anyway — by a licence exception it claims (15 CFR 740.8 NAC/ACA, 740.25 HBM; the
 * AI Diffusion exceptions only in ecfr_letter mode) or by an export licence the exporter holds (15 CFR 750.7),
 * with enough left under its ceilings and the 750.11 shipping tolerance. A met requirement stays in the
 * result as an `info` flag that names what met it; an unmet one keeps its LICENSE_REQUIRED decision, and a
 * flag says why each candidate licence or claimed exception did not fit.
 *
 * Pure: the candidate licences and their balances come in with the shipment; storing the draw-down is the
 * service's job, in the same transaction as the screening.
 */
import { eccnCovers } from '../rules/eccn.js';
import { eccnMatches, inDestinationSet } from '../rules/ruleset.js';
import type { LicenceException } from '../rules/schema.js';
import type { Authorisation, LicenceCandidate } from '../schemas/licence.js';
import type { Flag } from '../schemas/screening-result.js';
import type { Party } from '../schemas/shipment.js';
import type { ScreenContext } from './context.js';
import { makeFlag } from './flag.js';
import type { ClassifiedItem } from './items.js';

/** The permit type a shipment uses to claim one of its export licences by number. */
export const LICENCE_PERMIT_TYPE = 'BIS_LICENCE';

interface Requirement {
  flag: Flag;
  /** Items the requirement concerns (indices). */
  items: number[];
  /** A party-list requirement (Entity List, MEU): met only by a licence that names this party. */
  party: number | null;
  /** Licence-scope rule kind (destination, headquarters, …) when it comes from licence-scope.yaml. */
  kind: string | null;
}

export interface LicenceOutcome {
  flags: Flag[];
  authorisation: Authorisation;
}

export function licenceDetermination(ctx: ScreenContext, flags: Flag[], licences: readonly LicenceCandidate[]): LicenceOutcome {
  const claims = ctx.s.permits ?? [];
  const leClaims = claims.filter((p) => p.type.startsWith('LE_'));
  const licenceClaims = claims.filter((p) => p.type === LICENCE_PERMIT_TYPE);
  const requirements = findRequirements(ctx, flags);
  const rule = (id: string) => ctx.rs.licensing.rules.find((r) => r.id === id)!;

  if (requirements.length === 0) {
    const extra = claims
      .filter((p) => p.type.startsWith('LE_') || p.type === LICENCE_PERMIT_TYPE)
      .map((p) => makeFlag(rule('LIC-CLAIM-UNNEEDED'), 'destination', 'shipment', { claim: `${p.type}${p.number ? ` ${p.number}` : ''}` }, { claim: p }));
    const exceptions = leClaims.map((p) => ({ type: p.type, number: p.number ?? null, accepted: false, items: [] }));
    return { flags: [...flags, ...extra], authorisation: { status: 'not_required', exceptions } };
  }

  const met = new Map<Flag, { by: string; evidence: Record<string, unknown> }>();
  const added: Flag[] = [];
  const exceptions: Authorisation['exceptions'] = [];

  // 1. Licence exceptions: destination-based requirements only (never Entity List or §744.23 end use). Each
  // requirement is judged by its own trigger — the ultimate destination it names, or the headquarters — so an
  // ACA claim for a Vietnamese delivery cannot authorise the Chinese end user behind it (740.8: D:5/Macau and
  // D:5/Macau-headquartered parties are NAC's). A claim is accepted only when the exceptions claimed together
  // meet every requirement an exception can meet; otherwise each says which requirement it cannot.
  const verdicts = leClaims.map((claim) => {
    const le = ctx.rs.licensing.exceptions.find((e) => e.type === claim.type);
    const verdict = le ? exceptionVerdict(ctx, le, claim.number ?? null, requirements) : { reasons: [`${claim.type} is not a licence exception in the rule table`], items: [], meets: [] as Requirement[] };
    return { claim, le, verdict };
  });
  const coverable = requirements.filter(exceptionCan);
  const metByAny = new Set(verdicts.filter((v) => v.verdict.reasons.length === 0).flatMap((v) => v.verdict.meets));
  const unmet = coverable.filter((r) => !metByAny.has(r));
  for (const { claim, le, verdict } of verdicts) {
    const vars = { exception: claim.type, name: le?.name ?? claim.type, section: le?.section ?? 'Part 740' };
    const reasons = [...verdict.reasons];
    if (reasons.length === 0 && le) {
      const cannot = verdict.meets.length === 0 ? coverable : unmet.filter((r) => !verdict.meets.includes(r));
      const byTrigger = new Map<string, Set<string>>();
      for (const r of cannot) byTrigger.set(triggerOf(ctx, r), (byTrigger.get(triggerOf(ctx, r)) ?? new Set()).add(r.flag.ruleId));
      for (const [trigger, ids] of byTrigger) reasons.push(`${trigger} is not eligible for ${le.type} (${[...ids].join(', ')})`);
    }
    if (reasons.length === 0 && verdict.items.length > 0) {
      for (const r of verdict.meets) if (r.items.every((i) => verdict.items.includes(i))) met.set(r.flag, { by: `licence exception ${claim.type}`, evidence: { exception: claim.type, number: claim.number ?? null } });
      const conditions = [le!.requiresNotification ? `prior notification ${claim.number} (AES licence code ${le!.aesCode ?? 'as published'})` : 'no notification required', le!.note ?? ''].filter(Boolean).join('; ');
      added.push(withCitation(makeFlag(rule('LE-ACCEPTED'), 'destination', 'shipment', { ...vars, items: verdict.items.map((i) => `items[${i}]`), conditions },
        { exception: claim.type, number: claim.number ?? null, section: le!.section, items: verdict.items, requirements: verdict.meets.map((r) => ({ ruleId: r.flag.ruleId, trigger: triggerOf(ctx, r) })), destination: ctx.destination, ultimateDestinations: ctx.ultimate.map((u) => u.country), mode: ctx.rs.mode, sources: le!.source }), le!.section));
      exceptions.push({ type: claim.type, number: claim.number ?? null, accepted: true, items: verdict.items });
    } else {
      if (reasons.length === 0) reasons.push('no item of this shipment needs a licence the exception could authorise');
      added.push(withCitation(makeFlag(rule('LE-INELIGIBLE'), 'destination', 'shipment', { ...vars, reasons: reasons.join('; ') },
        { exception: claim.type, number: claim.number ?? null, reasons, destination: ctx.destination, ultimateDestinations: ctx.ultimate.map((u) => u.country), mode: ctx.rs.mode }), le?.section ?? 'Part 740'));
      exceptions.push({ type: claim.type, number: claim.number ?? null, accepted: false, items: [] });
    }
  }

  // 2. Export licences for what is still unmet.
  const open = requirements.filter((r) => !met.has(r.flag));
  let used: Authorisation['licence'];
  if (open.length > 0) {
    const claimed = new Set(licenceClaims.map((c) => (c.number ?? '').trim().toUpperCase()).filter(Boolean));
    for (const c of licenceClaims) {
      const n = (c.number ?? '').trim().toUpperCase();
      if (!licences.some((l) => l.number.toUpperCase() === n && l.status === 'active'))
        added.push(makeFlag(rule('LIC-CLAIM-UNKNOWN'), 'destination', 'shipment', { number: c.number ?? '(no number)' }, { claimed: c.number ?? null }));
    }
    // Claimed licences first, then the one that expires first (use it before it lapses).
    const ordered = [...licences].sort(
      (a, b) => Number(claimed.has(b.number.toUpperCase())) - Number(claimed.has(a.number.toUpperCase())) || a.validTo.localeCompare(b.validTo) || a.number.localeCompare(b.number),
    );
    const need = drawFor(ctx, open);
    const rejected: Array<{ l: LicenceCandidate; reasons: string[] }> = [];
    for (const l of ordered) {
      const reasons = licenceMisfit(ctx, l, open, need);
      if (reasons.length === 0) {
        used = { id: l.id, number: l.number, draw: { quantity: need.quantity, valueUsd: need.valueUsd } };
        for (const r of open) met.set(r.flag, { by: `licence ${l.number}`, evidence: { licenceId: l.id, licenceNumber: l.number } });
        const left = remaining(ctx, l);
        added.push(makeFlag(rule('LIC-COVERED'), 'destination', 'shipment', {
          number: l.number, eccns: [...new Set(need.eccns)], destination: ctx.destination, quantity: need.quantity, valueUsd: need.valueUsd,
          remainingQuantity: left.quantity === null ? 'no ceiling' : left.quantity - need.quantity,
          // The licence's own value left, as its page shows it; the room the 750.11 tolerance adds is said beside it.
          remainingValueUsd: left.valueUsd === null || l.valueUsd === null ? 'no ceiling'
            : left.tolerance.valuePercent > 0
              ? `${round2(l.valueUsd - l.valueDrawnUsd - need.valueUsd)} of the licence value (${round2(left.valueUsd - need.valueUsd)} with the ${left.tolerance.valuePercent} % shipping tolerance of ${left.tolerance.citation})`
              : round2(left.valueUsd - need.valueUsd),
        }, { licenceId: l.id, licenceNumber: l.number, draw: { quantity: need.quantity, valueUsd: need.valueUsd }, before: left, tolerance: left.tolerance, validTo: l.validTo }));
        break;
      }
      rejected.push({ l, reasons });
    }
    if (!used)
      for (const { l, reasons } of rejected.filter(({ l }) => l.destination === ctx.destination || claimed.has(l.number.toUpperCase())).slice(0, 10))
        added.push(makeFlag(rule('LIC-NOT-COVERED'), 'destination', 'shipment', { number: l.number, reasons: reasons.join('; ') }, { licenceId: l.id, licenceNumber: l.number, reasons }));
  }

  const out = flags.map((f) => {
    const m = met.get(f);
    if (!m) return f;
    // The requirement stays visible (its rule id, citation and evidence) inside the flag that says what met it.
    const metFlag = makeFlag(rule('LIC-REQUIREMENT-MET'), f.category, f.subject, { authority: m.by, requirement: f.message }, { requirement: { ruleId: f.ruleId, citation: f.citation, evidence: f.evidence }, metBy: m.evidence });
    return { ...metFlag, citation: `${metFlag.citation}; requirement: ${f.citation}` };
  });
  const allMet = requirements.every((r) => met.has(r.flag));
  const status: Authorisation['status'] = !allMet ? 'not_authorised' : used ? 'licence' : 'exception';
  return { flags: [...out, ...added], authorisation: { status, ...(used ? { licence: used } : {}), exceptions } };
}

/** The LICENSE_REQUIRED flags an authorisation could meet: licence-scope rules and Entity List/MEU hits. */
function findRequirements(ctx: ScreenContext, flags: Flag[]): Requirement[] {
  const out: Requirement[] = [];
  const allItems = ctx.items.filter((it) => it.result.licenseRequired).map((it) => it.result.index);
  for (const f of flags) {
    if (f.decision !== 'LICENSE_REQUIRED') continue;
    const scopeRule = ctx.rs.licence.find((r) => r.id === f.ruleId);
    const party = f.category === 'party' ? subjectIndex(f.subject, 'parties') : null;
    if (!scopeRule && party === null) continue;
    const item = subjectIndex(f.subject, 'items');
    const evidenceItems = Array.isArray(f.evidence.items) ? (f.evidence.items as number[]) : null;
    out.push({ flag: f, items: item !== null ? [item] : (evidenceItems ?? allItems), party, kind: scopeRule?.kind ?? null });
  }
  return out;
}

/** Licence exceptions authorise what 742.6 requires by destination or headquarters — never list or end-use requirements. */
const exceptionCan = (r: Requirement) => r.party === null && (r.kind === 'destination' || r.kind === 'headquarters' || r.kind === 'reviewPolicy');

function exceptionVerdict(ctx: ScreenContext, le: LicenceException, number: string | null, requirements: Requirement[]): { reasons: string[]; items: number[]; meets: Requirement[] } {
  const reasons: string[] = [];
  const rs = ctx.rs;
  if (!le.modes.includes(rs.mode)) reasons.push(`${le.type} is not available in the ${rs.mode} rule set (${le.note ?? 'not in force as enforced'})`);
  if (le.requiresNotification && !(number ?? '').trim()) reasons.push(`${le.type} needs the BIS notification confirmation number in permits[].number`);
  if (requirements.some((r) => !exceptionCan(r))) {
    const other = requirements.filter((r) => !exceptionCan(r)).map((r) => r.flag.ruleId);
    reasons.push(`a licence exception does not overcome ${[...new Set(other)].join(', ')} (15 CFR 744.11 / 744.23); a licence is still needed`);
  }
  const meets = requirements.filter((r) => exceptionCan(r) && exceptionMeets(ctx, le, r));
  const needed = new Set(requirements.filter(exceptionCan).flatMap((r) => r.items));
  const items: number[] = [];
  for (const i of needed) {
    const it = ctx.items[i];
    if (!it) continue;
    const eccn = it.result.eccn;
    if (!eccnMatches(eccn, le.eccnPrefixes)) reasons.push(`items[${i}] ${eccn ?? 'unclassified'} is not eligible for ${le.type}`);
    // Covers, not prefix: a bare 4A005.z may be .z.1 (a-level), so a datacenter exclusion written for .z.1 reaches it.
    else if (le.notForDatacenter.some((e) => eccnCovers(e, eccn)) && datacenter(ctx, it) !== false)
      reasons.push(`items[${i}] ${eccn} is ${datacenter(ctx, it) === null ? 'not shown to be outside datacenter use (taken as datacenter)' : 'a datacenter item'}, which ${le.type} excludes`);
    else items.push(i);
  }
  return { reasons, items, meets };
}

/**
 * Can this exception meet this requirement? A destination (or review-policy) requirement by the ultimate
 * destination it names — or, for an exception with a headquarters scope (NAC), because a consignee, end user or
 * buyer is headquartered (stated, assumed where located, or through a controlling owner) in that scope; a
 * headquarters requirement only through the exception's headquarters scope (ACA has none).
 */
function exceptionMeets(ctx: ScreenContext, le: LicenceException, r: Requirement): boolean {
  const rs = ctx.rs;
  const hqIn = (c: unknown) => typeof c === 'string' && le.headquarters !== undefined && inDestinationSet(rs, c, le.headquarters);
  if (r.kind === 'headquarters') return hqIn(r.flag.evidence.headquartersCountry);
  const country = typeof r.flag.evidence.destination === 'string' ? r.flag.evidence.destination : ctx.destination;
  if (inDestinationSet(rs, country, le.destinations) && !(le.excludeCountries ?? []).includes(country)) return true;
  return ctx.parties.some((p, j) => HQ_ROLES.has(p.role) && ctx.headquarters[j]!.some((h) => hqIn(h.country)));
}

/** What triggered a requirement, for the reasons an exception gives. */
function triggerOf(ctx: ScreenContext, r: Requirement): string {
  const e = r.flag.evidence;
  if (r.kind === 'headquarters') return `${r.flag.subject} headquartered in ${String(e.headquartersCountry)}`;
  const country = typeof e.destination === 'string' ? e.destination : ctx.destination;
  const from = typeof e.destinationFrom === 'string' && e.destinationFrom !== 'route.destination' ? ` (${e.destinationFrom})` : '';
  return `destination ${country}${from}`;
}

/** Designed or marketed for datacenters: the catalog's word, else the declared specs; unknown is null. */
function datacenter(ctx: ScreenContext, it: ClassifiedItem): boolean | null {
  if (it.chipId) {
    const chip = ctx.rs.chips.byId.get(it.chipId);
    if (chip) return chip.datacenter;
  }
  return it.input.specs?.datacenter ?? null;
}

/** Parties whose headquarters make an export NAC-eligible (740.8(a): exports to entities headquartered in Macau/D:5). */
const HQ_ROLES: ReadonlySet<string> = new Set(['ultimate_consignee', 'end_user', 'buyer', 'intermediate_consignee']);

interface Need {
  quantity: number;
  valueUsd: number;
  valueKnown: boolean;
  eccns: string[];
  items: number[];
}

/** What the shipment would draw: the units and value of every item a requirement concerns. */
function drawFor(ctx: ScreenContext, reqs: Requirement[]): Need {
  const items = [...new Set(reqs.flatMap((r) => (r.party !== null ? ctx.items.map((it) => it.result.index) : r.items)))].sort((a, b) => a - b);
  let quantity = 0;
  let valueUsd = 0;
  let valueKnown = true;
  const eccns: string[] = [];
  for (const i of items) {
    const it = ctx.items[i]!;
    quantity += it.input.quantity;
    if (it.input.unitPriceUsd === undefined) valueKnown = false;
    else valueUsd += it.input.unitPriceUsd * it.input.quantity;
    eccns.push(it.result.eccn ?? 'unclassified');
  }
  return { quantity, valueUsd: round2(valueUsd), valueKnown, eccns, items };
}

/**
 * The 15 CFR 750.11 shipping tolerance of a licence's ECCNs (by their CCL unit; the smallest when mixed),
 * in percent of the quantity and of the value ceiling. The licence's view uses it too, to tell a licence
 * drawn into its tolerance from one drawn past it (overdrawn, after an amendment cut it).
 */
export function shippingTolerance(rs: Pick<ScreenContext['rs'], 'licensing'>, eccns: readonly string[]): { quantityPercent: number; valuePercent: number; citation: string } {
  const t = rs.licensing.shippingTolerances;
  const unitOf = (eccn: string) => t.eccnUnits.find((u) => eccnMatches(eccn, [u.eccnPrefix]) || u.eccnPrefix.startsWith(eccn))?.unit ?? t.defaultUnit;
  const units = eccns.length ? eccns.map((e) => t.units[unitOf(e)]) : [t.units[t.defaultUnit]];
  const tol = units.reduce((a, b) => ({ quantityPercent: Math.min(a.quantityPercent, b.quantityPercent), valuePercent: Math.min(a.valuePercent, b.valuePercent) }));
  return { ...tol, citation: t.citation };
}

/** Remaining room, with the 15 CFR 750.11 tolerance of the licence's ECCN units (the smallest when mixed). */
function remaining(ctx: ScreenContext, l: LicenceCandidate): { quantity: number | null; valueUsd: number | null; tolerance: { quantityPercent: number; valuePercent: number; citation: string } } {
  const tol = shippingTolerance(ctx.rs, l.eccns);
  return {
    quantity: l.quantity === null ? null : Math.floor(l.quantity * (1 + tol.quantityPercent / 100)) - l.quantityDrawn,
    valueUsd: l.valueUsd === null ? null : round2(l.valueUsd * (1 + tol.valuePercent / 100) - l.valueDrawnUsd),
    tolerance: tol,
  };
}

function licenceMisfit(ctx: ScreenContext, l: LicenceCandidate, reqs: Requirement[], need: Need): string[] {
  const reasons: string[] = [];
  const ship = ctx.s.shipDate;
  if (l.status !== 'active') reasons.push('revoked');
  if (ship < l.validFrom) reasons.push(`not valid until ${l.validFrom}`);
  if (ship > l.validTo) reasons.push(`expired on ${l.validTo}`);
  if (l.destination !== ctx.destination) reasons.push(`issued for destination ${l.destination}, not ${ctx.destination}`);
  for (const i of need.items) {
    const it = ctx.items[i]!;
    if (!eccnMatches(it.result.eccn, l.eccns)) reasons.push(`does not cover items[${i}] (${it.result.eccn ?? 'unclassified'}; licence: ${l.eccns.join(', ')})`);
    else if (l.chips.length > 0 && !(it.chipId && l.chips.includes(it.chipId))) reasons.push(`does not cover items[${i}] (${it.chipId ?? it.result.model ?? 'unidentified chip'}; licence: ${l.chips.join(', ')})`);
  }
  for (const role of ['ultimate_consignee', 'end_user', 'intermediate_consignee'] as const) {
    const named = l.parties.filter((p) => p.role === role);
    const shipped = ctx.parties.map((p, j) => ({ p, j })).filter(({ p }) => p.role === role);
    if (named.length === 0) {
      if (role === 'intermediate_consignee') for (const { p, j } of shipped) reasons.push(`names no intermediate consignee, but parties[${j}] ${p.name} is one`);
      continue;
    }
    // A lone buyer is the ultimate consignee when no consignee is named.
    const candidates = shipped.length === 0 && role === 'ultimate_consignee' ? ctx.parties.map((p, j) => ({ p, j })).filter(({ p }) => p.role === 'buyer') : shipped;
    if (candidates.length === 0 && role !== 'intermediate_consignee') reasons.push(`names ${role.replace('_', ' ')} ${named.map((n) => n.name).join(', ')}, and the shipment names none`);
    for (const { p, j } of candidates) if (!named.some((n) => sameParty(n, p))) reasons.push(`other ${role.replace('_', ' ')}: parties[${j}] ${p.name} (${p.country ?? '??'}) is not named on the licence`);
  }
  for (const r of reqs) {
    if (r.party === null) continue;
    const p = ctx.parties[r.party];
    if (p && !l.parties.some((n) => sameParty(n, p))) reasons.push(`does not name the listed party parties[${r.party}] ${p.name}`);
  }
  const left = remaining(ctx, l);
  if (left.quantity !== null && need.quantity > left.quantity) reasons.push(`exhausted: ${Math.max(0, left.quantity)} units left, the shipment needs ${need.quantity}`);
  if (left.valueUsd !== null) {
    if (!need.valueKnown) reasons.push('the licence has a value ceiling and an item has no unitPriceUsd');
    else if (need.valueUsd > left.valueUsd) reasons.push(`exhausted: USD ${Math.max(0, left.valueUsd)} left (with the ${left.tolerance.valuePercent} % tolerance of ${left.tolerance.citation}), the shipment is worth USD ${need.valueUsd}`);
  }
  return reasons;
}

/** The same party: names equal once case, accents, punctuation and spacing are ignored, and the same country. */
function sameParty(named: { name: string; country: string }, p: Party): boolean {
  return nameKey(named.name) === nameKey(p.name) && (p.country === undefined || named.country === p.country);
}

const nameKey = (s: string) =>
  s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

const SUBJECT = { items: /^items\[(\d+)\]/, parties: /^parties\[(\d+)\]/ } as const;

function subjectIndex(subject: string, kind: 'items' | 'parties'): number | null {
  const m = SUBJECT[kind].exec(subject);
  return m ? Number(m[1]) : null;
}

function withCitation(f: Flag, citation: string): Flag {
  return { ...f, citation };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
