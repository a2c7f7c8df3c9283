/**
 * Export licences: the list with balances, one licence (terms, versions, draw-down history with the
 * screenings that drew), and the issue / amend / revoke forms. Form inputs are named by the JSON
 * pointer of the licence field they fill, so the service's field errors land at their inputs.
 */
import { LICENCE_PARTY_ROLES } from '../../schemas/licence.js';
import type { Licence } from '../../schemas/licence.js';
import { html, query, type Html } from '../html.js';
import { csrfField, decisionBadge, errorList, onceField, onceToken, utcTime, type PageContext } from '../layout.js';

export type FieldErrors = Array<{ field: string; message: string }>;
export type LicenceDetailView = Licence & {
  history: Array<{ version: number; action: string; at: string; by: string | null; byName: string | null; reason: string | null }>;
  draws: Array<{ id: string; kind: 'reserve' | 'release'; screeningId: string; quantity: number; valueUsd: number; at: string; by: string | null; byName: string | null }>;
};
/** What the draw table shows of each screening that drew (the reader may see it; else just its id). */
export type DrawScreening = { reference: string; decision: string };

export const FORM_LICENCE_PARTIES = 4;

const usd = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `$${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}`);
const num = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));
/** An instant to the minute, with its zone (utcTime). */
const day = (iso: string) => utcTime(iso);

/** active + within validity → valid; otherwise why it would not cover a shipment shipped today. */
export function licenceState(l: Pick<Licence, 'status' | 'validFrom' | 'validTo'>, today: string): 'revoked' | 'expired' | 'not yet valid' | 'valid' {
  if (l.status === 'revoked') return 'revoked';
  if (l.validTo < today) return 'expired';
  if (l.validFrom > today) return 'not yet valid';
  return 'valid';
}

const stateBadge = (state: string) => html`<span class="badge l-${state.replace(/ /g, '-')}">${state}</span>`;

/** What is drawn past the licence's ceilings (after an amendment cut it below its draws), in words; '' when nothing is. */
export function overdrawnText(l: Pick<Licence, 'balance'>): string {
  const o = l.balance.overdrawn;
  if (!o) return '';
  return [o.quantity > 0 ? `${num(o.quantity)} unit${o.quantity === 1 ? '' : 's'}` : '', o.valueUsd > 0 ? `${usd(o.valueUsd)} (beyond the 15 CFR 750.11 tolerance)` : '']
    .filter(Boolean)
    .join(' and ');
}

const overdrawnBadge = (l: Licence) => (l.balance.overdrawn ? html` <span class="badge l-overdrawn" title="drawn past its ceiling by ${overdrawnText(l)}">overdrawn</span>` : '');

function remaining(l: Licence): Html {
  const b = l.balance;
  return html`${l.quantity !== undefined ? html`<span class="nowrap">${num(b.quantityRemaining)} of ${num(l.quantity)} units</span>` : ''}${l.quantity !== undefined && l.valueUsd !== undefined ? html`<br>` : ''}${l.valueUsd !== undefined ? html`<span class="nowrap">${usd(b.valueRemainingUsd)} of ${usd(l.valueUsd)}</span>` : ''}${b.overdrawn ? html`<br><strong class="overdrawn">overdrawn by ${overdrawnText(l)}</strong>` : ''}`;
}

export interface LicenceListFilter {
  status?: string;
  destination?: string;
  number?: string;
  state?: string;
}

export function licenceListPage(v: { items: Licence[]; filter: LicenceListFilter; errors: FieldErrors; canWrite: boolean; today: string }): Html {
  const f = v.filter;
  const errs = new Map(v.errors.map((e) => [e.field, e.message]));
  const text = (name: 'destination' | 'number', label: string) =>
    html`<div class="field"><label for="lf-${name}">${label}</label><input id="lf-${name}" name="${name}" value="${f[name] ?? ''}"${errs.has(`/${name}`) ? html` aria-invalid="true" aria-describedby="lf-${name}-error"` : ''}>${errs.has(`/${name}`) ? html`<p class="field-error" id="lf-${name}-error">${errs.get(`/${name}`)}</p>` : ''}</div>`;
  const select = (name: 'status' | 'state', label: string, options: readonly string[]) =>
    html`<div class="field"><label for="lf-${name}">${label}</label><select id="lf-${name}" name="${name}"><option value="">any</option>${options.map((o) => html`<option${f[name] === o ? html` selected` : ''}>${o}</option>`)}</select></div>`;
  return html`${v.canWrite ? html`<p><a class="button" href="/licences/new">Record a licence</a></p>` : ''}
<form method="get" action="/licences" class="filters card inline-form" aria-label="Filter licences">${errorList(v.errors, { '/number': { label: 'Licence number', id: 'lf-number' }, '/destination': { label: 'Destination', id: 'lf-destination' }, '/status': { label: 'Record status', id: 'lf-status' }, '/state': { label: 'Covers today', id: 'lf-state' } })}
${text('number', 'Licence number')}${text('destination', 'Destination (code or name)')}${select('status', 'Record status', ['active', 'revoked'])}${select('state', 'Covers today', ['valid', 'expired', 'not yet valid', 'revoked'])}
<button type="submit">Apply filter</button> <a href="/licences">Clear</a></form>
${v.items.length
  ? html`<div class="scroll"><table class="list licences"><thead><tr><th>Number</th><th>Destination</th><th>ECCNs</th><th>Valid</th><th>Remaining</th><th>State</th><th>Ultimate consignee</th></tr></thead><tbody>
${v.items.map((l) => {
  const uc = l.parties.find((p) => p.role === 'ultimate_consignee');
  return html`<tr><td><a href="/licences/${l.id}">${l.number}</a>${l.version > 1 ? html` <small>v${l.version}</small>` : ''}</td><td>${l.destination}</td><td>${l.eccns.join(', ')}</td>
<td class="nowrap">${l.validFrom} – ${l.validTo}</td><td>${remaining(l)}</td><td>${stateBadge(licenceState(l, v.today))}${overdrawnBadge(l)}</td><td>${uc ? `${uc.name} (${uc.country})` : '—'}</td></tr>`;
})}</tbody></table></div><p class="hint">${v.items.length} licence${v.items.length === 1 ? '' : 's'}.</p>`
  : v.errors.length
    ? // Not looked up: "No licence on record matches this filter" read as an answer to a filter that was refused.
      html`<p class="empty">Nothing is listed while the filter is refused: correct it above, or <a href="/licences">clear the filter</a>.</p>`
    : html`<p class="empty">No licence on record${Object.values(f).some(Boolean) ? ' matches this filter' : ''}.</p>`}`;
}

/**
 * A change to the licence refused because of its state (409: it is revoked — a second revoke, or an amendment
 * from a page opened before the revocation): said at the top of the page, with what to do instead. Nothing was
 * recorded. The service's detail names the API route; a person is offered the console's form.
 */
export function stateRefusal(what: 'revoked' | 'amended', message: string): Html {
  const detail = message.replace(/ \(POST \/v1\/licences\)/, '');
  return html`<div class="errors refusal" role="alert" id="refusal"><p><strong>Not ${what}: nothing was recorded.</strong> ${detail}</p>
<p><a href="/licences/new">Record a new licence</a></p></div>`;
}

/** Where the screenings that drew on the licence and still wait for someone are listed: the flag log (anyone who reads licences), the queue (who may act). */
function openDrawsLinks(l: Licence, canQueue: boolean): Html {
  return html`<a href="/log${query({ licence: l.number, open: 'true' })}">the open screenings that drew on it</a>${canQueue ? html` (also in <a href="/queue">the work queue</a>)` : ''}`;
}

export function licencePage(
  v: {
    licence: LicenceDetailView;
    screenings: Map<string, DrawScreening>;
    canWrite: boolean;
    today: string;
    revokeErrors?: FieldErrors;
    revokeReason?: string;
    /** Whether the viewer may open the work queue (reviewer, admin): an auditor is linked to the flag log only. */
    canQueue?: boolean;
    /** A change refused because of the licence's state, said at the top. */
    refusal?: Html;
  },
  ctx: PageContext,
): Html {
  const l = v.licence;
  const b = l.balance;
  const state = licenceState(l, v.today);
  const recorded = (by: string | null, byName: string | null) => (byName ?? (by ? 'an unnamed key' : 'the system (CLI)'));
  const revokeErr = v.revokeErrors?.find((e) => e.field === '/reason' || e.field === '/')?.message;
  // A revoked licence never covers again, whatever is given back: the overdrawn notice says so instead of "until draws are given back".
  return html`${v.refusal ?? ''}<section class="summary card" aria-label="Licence"><p class="decision"><strong>${l.number}</strong> ${stateBadge(state)}${overdrawnBadge(l)} <small>version ${l.version}</small></p>
${b.overdrawn
  ? l.status === 'revoked'
    ? html`<div class="errors overdrawn"><p><strong>Overdrawn: more is drawn than this licence allowed when it was revoked — by ${overdrawnText(l)}.</strong>
It is revoked and covers no shipment again, whatever is given back. The screenings that drew on it were re-screened — see ${openDrawsLinks(l, v.canQueue ?? false)}.</p></div>`
    : html`<div class="errors overdrawn"><p><strong>Overdrawn: more is drawn than this licence now allows — by ${overdrawnText(l)}.</strong>
It was amended below what its screenings had already drawn. It covers no new shipment until draws are given back (a drawing order cancelled or blocked);
the screenings that drew on it were re-screened against the new terms — see ${openDrawsLinks(l, v.canQueue ?? false)} for those it no longer covers.</p></div>`
  : ''}
<dl class="kv"><dt>Destination</dt><dd>${l.destination}</dd><dt>ECCNs</dt><dd>${l.eccns.join(', ')}</dd>
${l.chips?.length ? html`<dt>Catalog chips</dt><dd>${l.chips.join(', ')}</dd>` : ''}
<dt>Valid</dt><dd>${l.validFrom} – ${l.validTo} (inclusive)</dd>
<dt>Recorded</dt><dd>${day(l.recordedAt)} by ${recorded(l.recordedBy, l.recordedByName ?? null)}</dd></dl>
<p><a href="/log${query({ licence: l.number })}">Screenings that drew on it in the flag log</a></p></section>
<section aria-labelledby="bal-h"><h2 id="bal-h">Balance</h2><div class="scroll"><table class="balance"><thead><tr><th></th><th>Ceiling</th><th>Drawn</th><th>Remaining</th></tr></thead><tbody>
<tr><th scope="row">Quantity (units)</th><td>${l.quantity !== undefined ? num(l.quantity) : 'no ceiling'}</td><td>${num(b.quantityDrawn)}</td><td class="remaining-quantity">${l.quantity !== undefined ? num(b.quantityRemaining) : '—'}</td></tr>
<tr><th scope="row">Value (USD)</th><td>${l.valueUsd !== undefined ? usd(l.valueUsd) : 'no ceiling'}</td><td>${usd(b.valueDrawnUsd)}</td><td class="remaining-value">${l.valueUsd !== undefined ? usd(b.valueRemainingUsd) : '—'}</td></tr>
</tbody></table></div><p class="hint">Derived from the draw-down history below. The value remaining is before the shipping tolerance of 15 CFR 750.11, which screenings apply.</p></section>
<section aria-labelledby="draws-h"><h2 id="draws-h">Draw-down history (${l.draws.length})</h2>
${l.draws.length
  ? html`<div class="scroll"><table class="draws"><thead><tr><th>When</th><th>Kind</th><th>Screening</th><th>Quantity</th><th>Value</th><th>By</th></tr></thead><tbody>
${l.draws.map((d) => {
  const s = v.screenings.get(d.screeningId);
  const sign = d.kind === 'reserve' ? '−' : '+';
  return html`<tr><td class="nowrap">${day(d.at)}</td><td>${d.kind === 'reserve' ? 'drawn' : 'released'}</td>
<td><a href="/screenings/${d.screeningId}">${s ? s.reference : d.screeningId}</a>${s ? html` ${decisionBadge(s.decision)}` : ''}</td><td>${sign}${num(d.quantity)}</td><td>${sign}${usd(d.valueUsd)}</td><td>${recorded(d.by, d.byName)}</td></tr>`;
})}</tbody></table></div>`
  : html`<p class="empty">Nothing drawn yet.</p>`}</section>
<section aria-labelledby="parties-h"><h2 id="parties-h">Parties named</h2><div class="scroll"><table><thead><tr><th>Role</th><th>Name</th><th>Country</th></tr></thead><tbody>
${l.parties.map((p) => html`<tr><td>${p.role.replace(/_/g, ' ')}</td><td>${p.name}</td><td>${p.country}</td></tr>`)}</tbody></table></div></section>
<section aria-labelledby="cond-h"><h2 id="cond-h">Conditions</h2>${l.conditions ? html`<p class="conditions">${l.conditions}</p>` : html`<p class="empty">None recorded.</p>`}</section>
<section aria-labelledby="hist-h"><h2 id="hist-h">Versions</h2><ol class="history">${l.history.map(
    (h) => html`<li><strong>v${h.version} ${h.action}</strong> · ${day(h.at)} · by ${recorded(h.by, h.byName)}${h.reason ? html`<br>${h.reason}` : ''}</li>`,
  )}</ol></section>
${v.canWrite && l.status === 'active'
  ? html`<section aria-labelledby="act-h"><h2 id="act-h">Amend or revoke</h2><p><a class="button" href="/licences/${l.id}/amend">Amend the terms</a></p>
<form method="post" action="/licences/${l.id}/revoke" class="card" novalidate aria-labelledby="revoke-h"><h3 id="revoke-h">Revoke this licence</h3>${csrfField(ctx.csrf)}${onceField()}
<p class="hint">A revoked licence never covers a shipment again. Its history and draws stay on record.</p>
<label for="revoke-reason">Reason for revoking</label>
<textarea id="revoke-reason" name="reason" rows="2" maxlength="2000" required${revokeErr ? html` aria-invalid="true" aria-describedby="revoke-reason-error"` : ''}>${v.revokeReason ?? ''}</textarea>
${revokeErr ? html`<p class="field-error" id="revoke-reason-error">${revokeErr}</p>` : ''}
<button type="submit" class="danger-solid">Revoke licence</button></form></section>`
  : ''}`;
}

const idOf = (pointer: string) => `lic${pointer.replace(/[^A-Za-z0-9]+/g, '-')}`;

function field(pointer: string, label: string, values: Record<string, string>, errs: FieldErrors, attrs: Html = html``, hint = ''): Html {
  const id = idOf(pointer);
  const err = errs.filter((e) => e.field === pointer || e.field.startsWith(`${pointer}/`)).map((e) => e.message);
  const described = [err.length ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return html`<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${pointer}" value="${values[pointer] ?? ''}"${attrs}${err.length ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}${err.length ? html`<p class="field-error" id="${id}-error">${err.join('; ')}</p>` : ''}</div>`;
}

/** The form's values for a licence on record (to amend it). */
export function licenceFormValues(l: Licence): Record<string, string> {
  const out: Record<string, string> = {
    '/number': l.number,
    '/eccns': l.eccns.join(', '),
    '/chips': (l.chips ?? []).join(', '),
    '/destination': l.destination,
    '/quantity': l.quantity !== undefined ? String(l.quantity) : '',
    '/valueUsd': l.valueUsd !== undefined ? String(l.valueUsd) : '',
    '/validFrom': l.validFrom,
    '/validTo': l.validTo,
    '/conditions': l.conditions ?? '',
  };
  l.parties.forEach((p, i) => {
    out[`/parties/${i}/role`] = p.role;
    out[`/parties/${i}/name`] = p.name;
    out[`/parties/${i}/country`] = p.country;
  });
  return out;
}

/** Issue (no `amend`) or amend (the licence's id and its number) form. */
export function licenceFormPage(v: { values: Record<string, string>; errors: FieldErrors; amend?: { id: string; number: string }; refusal?: Html }, ctx: PageContext): Html {
  const { values, errors } = v;
  // As many rows as the submitted form had (an amended licence may name more parties), at most 50.
  const parties = Math.min(50, Math.max(FORM_LICENCE_PARTIES, ...Object.keys(values).map((k) => Number(/^\/parties\/(\d{1,2})\//.exec(k)?.[1] ?? -1) + 1)));
  const placed = /^\/(number|eccns|chips|destination|quantity|valueUsd|validFrom|validTo|conditions|reason)(\/|$)|^\/parties\/\d+\/(name|country)$/;
  const unplaced = errors.filter((e) => !placed.test(e.field));
  const partiesErr = errors.filter((e) => e.field === '/parties' || /^\/parties\/\d+$/.test(e.field));
  const condErr = errors.filter((e) => e.field === '/conditions').map((e) => e.message);
  const reasonErr = errors.filter((e) => e.field === '/reason').map((e) => e.message);
  const action = v.amend ? `/licences/${v.amend.id}/amend` : '/licences/new';
  return html`${v.refusal ?? ''}<form method="post" action="${action}" class="card" novalidate aria-labelledby="lic-form-h">
<h2 id="lic-form-h">${v.amend ? `New terms for ${v.amend.number}` : 'Licence terms'}</h2>${csrfField(ctx.csrf)}${onceField(onceToken(values._once))}
${errors.length ? html`<div class="errors" role="alert"><p>The server refused ${errors.length} field${errors.length > 1 ? 's' : ''}; each is marked below.</p>${errorList(unplaced.filter((e) => !partiesErr.includes(e)))}</div>` : ''}
<div class="grid">${field('/number', 'Licence number', values, errors, html` required maxlength="40"`, 'As BIS issued it, e.g. D1234567')}
${field('/destination', 'Destination country', values, errors, html` required`, 'ISO code or English name')}
${field('/eccns', 'ECCNs', values, errors, html` required`, 'Comma-separated, e.g. 3A090.a, 4A090')}
${field('/chips', 'Catalog chip ids (optional)', values, errors, html``, 'Comma-separated; limits the licence to these chips')}
${field('/quantity', 'Quantity ceiling (units)', values, errors, html` inputmode="numeric"`)}
${field('/valueUsd', 'Value ceiling (USD)', values, errors, html` inputmode="decimal"`)}
${field('/validFrom', 'Valid from', values, errors, html` type="date" required`)}
${field('/validTo', 'Valid to (inclusive)', values, errors, html` type="date" required`)}</div>
<fieldset${partiesErr.length ? html` aria-describedby="lic-parties-error"` : ''}><legend>Parties named on the licence</legend>
${partiesErr.length ? html`<p class="field-error" id="lic-parties-error">${partiesErr.map((e) => e.message).join('; ')}</p>` : ''}
${Array.from({ length: parties }, (_, i) => {
    const p = `/parties/${i}`;
    const roleId = idOf(`${p}/role`);
    const chosen = values[`${p}/role`] ?? (i === 0 ? 'ultimate_consignee' : 'end_user');
    return html`<div class="grid row"><div class="field"><label for="${roleId}">Party ${i + 1} role</label><select id="${roleId}" name="${p}/role">${LICENCE_PARTY_ROLES.map(
      (r) => html`<option value="${r}"${chosen === r ? html` selected` : ''}>${r.replace(/_/g, ' ')}</option>`,
    )}</select></div>${field(`${p}/name`, `Party ${i + 1} name`, values, errors)}${field(`${p}/country`, `Party ${i + 1} country`, values, errors)}</div>`;
  })}<p class="hint">Exactly one ultimate consignee; add end users and intermediate consignees where the licence names them. Rows without a name are left out.</p></fieldset>
<label for="${idOf('/conditions')}">Conditions (riders, as printed on the licence)</label>
<textarea id="${idOf('/conditions')}" name="/conditions" rows="3" maxlength="10000"${condErr.length ? html` aria-invalid="true" aria-describedby="${idOf('/conditions')}-error"` : ''}>${values['/conditions'] ?? ''}</textarea>
${condErr.length ? html`<p class="field-error" id="${idOf('/conditions')}-error">${condErr.join('; ')}</p>` : ''}
${v.amend
  ? html`<label for="${idOf('/reason')}">Reason for the amendment (e.g. the BIS amendment letter)</label>
<textarea id="${idOf('/reason')}" name="/reason" rows="2" maxlength="2000"${reasonErr.length ? html` aria-invalid="true" aria-describedby="${idOf('/reason')}-error"` : ''}>${values['/reason'] ?? ''}</textarea>
${reasonErr.length ? html`<p class="field-error" id="${idOf('/reason')}-error">${reasonErr.join('; ')}</p>` : ''}`
  : ''}
<button type="submit">${v.amend ? 'Record amendment' : 'Record licence'}</button>${v.amend ? html` <a href="/licences/${v.amend.id}">Cancel</a>` : ''}</form>`;
}
