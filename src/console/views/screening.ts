/** One screening: decision up front, flags with their subjects, items, parties, route, dispositions, replay. */
import { trigger as triggerText } from './monitoring.js';
import type { Disposition } from '../../schemas/audit.js';
import { DISPOSITION_ACTIONS } from '../../schemas/audit.js';
import { RELEASING_ACTIONS } from '../../services/licences.js';
import type { ScreeningResult, Flag } from '../../schemas/screening-result.js';
import type { ShipmentInput } from '../../schemas/shipment.js';
import { routeDiagram, type RouteStop } from '../charts.js';
import { html, type Html } from '../html.js';
import { csrfField, decisionBadge, errorList, onceField, resentNotice, utcTime, type PageContext } from '../layout.js';

export interface ScreeningView {
  /** The stored result with its dispositions and who screened it (GET /v1/screenings/{id}). */
  result: ScreeningResult & { dispositions: Disposition[]; screenedBy?: { keyId: string; name: string } | null };
  /** The shipment as submitted (names, countries and free text as the caller sent them). */
  request: ShipmentInput;
  /** Normalised route (alpha-2) and the hub tier of each stop in the active ruleset. */
  route: RouteStop[];
  canDispose: boolean;
  canReplay: boolean;
  replay?: ReplayView | undefined;
  formErrors?: Array<{ field: string; message: string }>;
  formValues?: { action?: string; justification?: string; once?: string };
  /** Decisions continuous monitoring found changed since, oldest first (the last is where it stands). */
  monitoring?: MonitoringChangeView[];
  /** Whether the viewer may open monitoring runs (links to them). */
  canSeeRuns?: boolean;
  /** Whether the viewer may record reviewed false positives (ACCESS.suppress): a "Not this entry" form per candidate. */
  canSuppress?: boolean;
  /** Whether the viewer may list suppressions (ACCESS.readSuppressions): a link to /suppressions. */
  canReadSuppressions?: boolean;
  /** Suppressions in force now that name a party of this shipment (recorded after it was screened, perhaps). */
  currentSuppressions?: CurrentSuppression[];
  /** A refused "Not this entry" form: which candidate, the errors and what was typed. */
  suppressForm?: SuppressFormState;
  /** Today (YYYY-MM-DD, UTC): bounds of the expiry date input. */
  today?: string;
  /** The disposition form was sent again (Back, then submit) with what the latest disposition already says: that one. */
  resent?: Disposition;
}

export interface CurrentSuppression {
  /** The party's index in the shipment. */
  party: number;
  entryId: string;
  /** The entry's list code (an id is unique only within its list); null on records that do not say. */
  entryList: string | null;
  id: string;
  by: string | null;
  byName?: string | null | undefined;
  at: string;
  expiresAt: string;
  justification: string;
}

export interface SuppressFormState {
  party: number;
  entryId: string;
  entryList: string;
  errors: Array<{ field: string; message: string }>;
  values: { justification?: string | undefined; expiresOn?: string | undefined; once?: string | undefined };
}

/** A suppression recorded from the console without an expiry date lasts this long (the API allows at most 730 days). */
export const DEFAULT_SUPPRESSION_DAYS = 365;

export interface MonitoringChangeView {
  runId: string;
  /** Why its run ran (activation, effective_date, licence). */
  trigger?: string;
  from: string;
  to: string | null;
  flagsAdded: string[];
  flagsRemoved: string[];
  at: string;
  ruleset: { version: string; hash: string };
}

/** Stands out at the top of the page: the stored decision is history once monitoring changed it. */
function monitoringSection(changes: MonitoringChangeView[], canSeeRuns: boolean): Html {
  if (!changes.length) return html``;
  const now = changes[changes.length - 1]!;
  const list = (label: string, flags: string[]) => (flags.length ? html`<br>${label}: ${flags.map((f, i) => html`${i ? ', ' : ''}<code>${f}</code>`)}` : '');
  return html`<section class="card monitoring-alert" role="status" aria-labelledby="mon-h"><h2 id="mon-h">Changed since it was screened: now ${now.to ? decisionBadge(now.to) : 'not screenable'}</h2>
<p>Continuous monitoring re-screened this shipment after it was screened — each change below says why. The decision above is the one
given at the time; act on the latest below.</p>
<ol class="plain">${changes.map(
    (c) => html`<li>${c.at.slice(0, 16).replace('T', ' ')} UTC, ${c.trigger ? `${triggerText(c.trigger)}, ` : ''}ruleset ${c.ruleset.version}: ${decisionBadge(c.from)} → ${c.to ? decisionBadge(c.to) : 'not screenable'}${
      canSeeRuns ? html` (<a href="/monitoring/${c.runId}">the run</a>)` : ''
    }${list('flags added', c.flagsAdded)}${list('flags gone', c.flagsRemoved)}</li>`,
  )}</ol></section>`;
}

export interface ReplayView {
  sameRuleset: boolean;
  identical: boolean;
  stored: { decision: string; riskScore: number; ruleset: { version: string; hash: string } };
  replayed: { decision: string; riskScore: number; ruleset: { version: string; hash: string } };
  differences: { decision: { from: string; to: string } | null; flagsAdded: string[]; flagsRemoved: string[] };
}

/** People are named by their key's holder (else its name); a key id only when the key has no name on record. */
const who = (name: string | null | undefined, keyId: string | null) => name ?? (keyId ? `key ${keyId}` : 'the system');

const flagsAbout = (flags: Flag[], subject: string) => flags.filter((f) => f.subject === subject);

function evidence(e: Record<string, unknown>): Html {
  const entries = Object.entries(e);
  if (!entries.length) return html``;
  return html`<dl class="evidence">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`)}</dl>`;
}

function subjectLabel(subject: string, req: ShipmentInput): string {
  const item = /^items\[(\d+)\]/.exec(subject);
  if (item) return `item ${Number(item[1]) + 1}: ${req.items[Number(item[1])]?.model ?? '(specs only)'}`;
  const party = /^parties\[(\d+)\]/.exec(subject);
  if (party) {
    const p = req.parties?.[Number(party[1])];
    return `party ${Number(party[1]) + 1}: ${p ? `${p.name} (${p.role})` : '?'}`;
  }
  const via = /^route\.via\[(\d+)\]/.exec(subject);
  if (via) return `route leg via ${req.route.via?.[Number(via[1])] ?? '?'}`;
  return subject;
}

function flagRow(f: Flag, req: ShipmentInput): Html {
  return html`<tr class="sev-${f.severity}"><td><span class="sev">${f.severity}</span></td><td><code>${f.ruleId}</code><br><small>${f.category}</small></td>
<td>${f.message}${evidence(f.evidence)}</td><td><small>${f.citation}</small></td><td>${subjectLabel(f.subject, req)}</td></tr>`;
}

/** The clearance awaiting a second reviewer's approval, if the latest disposition is one. */
const pendingClearance = (r: ScreeningView['result']) => {
  const latest = r.dispositions[r.dispositions.length - 1];
  return latest && latest.action === 'cleared' && latest.status === 'pending_approval' ? latest : null;
};

function dispositionForm(v: ScreeningView, ctx: PageContext): Html {
  const values = v.formValues ?? {};
  const err = (field: string) => v.formErrors?.find((e) => e.field === field)?.message;
  const pending = pendingClearance(v.result);
  const own = pending !== null && pending.by === ctx.principal.keyId;
  // `approved` only when a clearance awaits it, and not for the reviewer who recorded that clearance.
  const actions = DISPOSITION_ACTIONS.filter((a) => a !== 'approved' || pending !== null);
  const actionError = err('/action');
  // The form is at the foot of a long page: a refused form is answered with a field to correct focused (autofocus,
  // no script needed), so the page opens at the reasons and what was typed instead of at its top. The justification
  // when only it was refused, else the action chosen (or the first one offered).
  const refused = (v.formErrors ?? []).length > 0;
  const focusText = refused && err('/justification') !== undefined && actionError === undefined;
  const enabled = actions.filter((a) => !(a === 'approved' && own));
  const focusRadio = refused && !focusText ? (enabled.find((a) => a === values.action) ?? enabled[0]) : undefined;
  return html`<form method="post" action="/screenings/${v.result.id}/dispositions" class="card" id="record-disposition" novalidate>
<h3>Record a disposition</h3>${csrfField(ctx.csrf)}${onceField(values.once)}${errorList(v.formErrors ?? [], { '/action': { label: 'Action' }, '/justification': { label: 'Justification', id: 'justification' } })}
${pending
  ? html`<p class="notice awaiting-approval" role="status">${
      own
        ? html`You recorded the clearance awaiting approval: another reviewer or admin must approve it (four eyes). You can still supersede it with another action.`
        : html`A clearance by ${who(pending.byName, pending.by)} awaits approval: record <strong>approved</strong> to approve it (four eyes), or another action to supersede it.`
    }</p>`
  : ''}
<fieldset${actionError ? html` aria-describedby="action-error"` : ''}><legend>Action</legend>${actions.map((a) => {
    const disabled = a === 'approved' && own;
    return html`<label class="inline${disabled ? ' disabled' : ''}"><input type="radio" name="action" value="${a}"${values.action === a && !disabled ? html` checked` : ''}${disabled ? html` disabled aria-describedby="approved-note"` : ''}${a === focusRadio ? html` autofocus` : ''} required> ${a.replace('_', ' ')}</label>`;
  })}${own ? html`<p class="hint" id="approved-note"><small>approved is not available to you: you recorded the clearance.</small></p>` : ''}${
    pending ? '' : html`<p class="hint"><small><em>approved</em> is offered when a clearance awaits a second reviewer's approval; none does.</small></p>`
  }${actionError ? html`<p class="field-error" id="action-error" role="alert">${actionError}</p>` : ''}</fieldset>
<label for="justification">Justification</label>
<textarea id="justification" name="justification" rows="3" maxlength="2000" required${err('/justification') ? html` aria-invalid="true" aria-describedby="justification-error"` : ''}${focusText ? html` autofocus` : ''}>${values.justification ?? ''}</textarea>
${err('/justification') ? html`<p class="field-error" id="justification-error">${err('/justification')}</p>` : ''}
<button type="submit">Record disposition</button></form>`;
}

const day = (iso: string) => iso.slice(0, 10);
const addDays = (ymd: string, n: number) => new Date(Date.parse(`${ymd}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * One candidate's review cell: a suppression recorded since (it covers later screenings), else — for those
 * who may record one — a small "Not this entry" form. The party is named by the shipment itself (its partyId,
 * else its name and country): the form carries only which party and which entry.
 */
function reviewCell(v: ScreeningView, ctx: PageContext, i: number, k: number, m: ScreeningView['result']['parties'][number]['matches'][number]): Html {
  if (m.suppressedBy) return html`<small>not flagged: see the suppression below</small>`;
  // By list and id: the CSL gives one id to an SDN entry and its SSI/PLC twin, and a suppression covers only its own.
  const now = (v.currentSuppressions ?? []).find((s) => s.party === i && s.entryId === m.entryId && (s.entryList === null || s.entryList === m.list));
  if (now)
    return html`<p class="suppressed"><strong>Suppressed</strong> since ${day(now.at)} by ${who(now.byName, now.by)} (expires ${day(now.expiresAt)}): ${now.justification}<br><small>later screenings of this party do not flag this entry while it is unchanged</small></p>`;
  if (!v.canSuppress) return html``;
  const party = v.request.parties?.[i];
  if (!party) return html``;
  if (!party.partyId && !party.country) return html`<small>Not this entry? A suppression names the party by its partyId or by name and country; this party was submitted with neither.</small>`;
  const mine = v.suppressForm && v.suppressForm.party === i && v.suppressForm.entryId === m.entryId && v.suppressForm.entryList === m.list ? v.suppressForm : null;
  const values = mine?.values ?? {};
  const errors = mine?.errors ?? [];
  const err = (field: string) => errors.filter((e) => e.field === field).map((e) => e.message).join('; ');
  const other = errors.filter((e) => e.field !== '/justification' && e.field !== '/expiresAt');
  const id = `sup-${i}-${k}`;
  // The first refused field is focused (no script: `autofocus`), as on the other forms: a refused "Not this entry"
  // opened with the focus nowhere, the reason beside a field the keyboard had to find again.
  // With no field to blame (another field's reason), the justification: the page still opens at the form and its reasons.
  const focus = err('/justification') ? '/justification' : err('/expiresAt') ? '/expiresAt' : errors.length ? '/justification' : null;
  const autofocus = (field: string) => (focus === field ? html` autofocus` : '');
  const today = v.today ?? new Date().toISOString().slice(0, 10);
  return html`<details class="suppress"${mine ? html` open` : ''}><summary>Not this entry</summary>
<form method="post" action="/screenings/${v.result.id}/suppressions#party-${i}" id="${id}" novalidate>${csrfField(ctx.csrf)}${onceField(values.once)}
<input type="hidden" name="party" value="${i}"><input type="hidden" name="entryId" value="${m.entryId}"><input type="hidden" name="entryList" value="${m.list}">
<p class="hint">Records that ${party.partyId ? html`party <code>${party.partyId}</code> (${party.name})` : html`${party.name} (${party.country})`} is not ${m.list} entry ${m.name}.</p>
${errors.length ? html`<div class="errors" role="alert"><p>Not recorded:</p>${errorList(other.length ? other : errors, { '/justification': { label: 'Justification', id: `${id}-j` }, '/expiresAt': { label: 'Review again by', id: `${id}-e` } })}</div>` : ''}
<label for="${id}-j">Justification</label>
<textarea id="${id}-j" name="justification" rows="2" maxlength="2000" required${err('/justification') ? html` aria-invalid="true" aria-describedby="${id}-j-error"` : ''}${autofocus('/justification')}>${values.justification ?? ''}</textarea>
${err('/justification') ? html`<p class="field-error" id="${id}-j-error">${err('/justification')}</p>` : ''}
<label for="${id}-e">Review again by (optional)</label>
<input id="${id}-e" name="expiresOn" type="date" min="${addDays(today, 1)}" max="${addDays(today, 730)}" value="${values.expiresOn ?? ''}" aria-describedby="${id}-e-hint${err('/expiresAt') ? ` ${id}-e-error` : ''}"${err('/expiresAt') ? html` aria-invalid="true"` : ''}${autofocus('/expiresAt')}>
<p class="hint" id="${id}-e-hint">Expires at 00:00 UTC that day; at most 730 days ahead. Blank: ${DEFAULT_SUPPRESSION_DAYS} days from now.</p>
${err('/expiresAt') ? html`<p class="field-error" id="${id}-e-error">${err('/expiresAt')}</p>` : ''}
<button type="submit">Record: not this entry</button></form></details>`;
}

function replaySection(r: ReplayView): Html {
  const d = r.differences;
  return html`<section class="card" id="replay" aria-labelledby="replay-h"><h2 id="replay-h">Replay against the active ruleset</h2>
<p>Stored: ${decisionBadge(r.stored.decision)} risk ${r.stored.riskScore}, ruleset ${r.stored.ruleset.version} <code>${r.stored.ruleset.hash.slice(0, 19)}…</code></p>
<p>Now: ${decisionBadge(r.replayed.decision)} risk ${r.replayed.riskScore}, ruleset ${r.replayed.ruleset.version} <code>${r.replayed.ruleset.hash.slice(0, 19)}…</code></p>
<p class="replay-verdict">${r.identical ? 'Identical: the active ruleset decides exactly as before.' : r.sameRuleset ? 'Same ruleset, different result: report this, the engine should be deterministic.' : 'The active ruleset decides differently:'}</p>
${!r.identical
  ? html`<ul>${d.decision ? html`<li>decision ${d.decision.from} → ${d.decision.to}</li>` : ''}
${d.flagsAdded.map((f) => html`<li>new flag <code>${f}</code></li>`)}${d.flagsRemoved.map((f) => html`<li>flag no longer fires: <code>${f}</code></li>`)}
${!d.decision && !d.flagsAdded.length && !d.flagsRemoved.length ? html`<li>same decision and rules; scores, messages or evidence differ</li>` : ''}</ul>`
  : ''}</section>`;
}

const AUTH_STATUS: Record<string, string> = {
  not_required: 'No licence needed for this shipment',
  licence: 'Covered by an export licence',
  exception: 'Covered by a licence exception',
  not_authorised: 'Not authorised: a licence is required and none on record covers it',
};

/**
 * How the licence requirement was met: the licence drawn on (and what this shipment drew and left), the
 * exceptions claimed, or why each candidate licence did not fit. Licence pages are linked for the roles
 * that may read licences (a submitter sees the number only).
 */
function authorisationSection(r: ScreeningView['result'], canReadLicences: boolean): Html {
  const a = r.authorisation;
  const lic = (id: string | undefined, number: string) => (canReadLicences && id ? html`<a href="/licences/${id}">${number}</a>` : html`<strong>${number}</strong>`);
  const byRule = (id: string) => r.flags.filter((f) => f.ruleId === id);
  const covered = byRule('LIC-COVERED')[0];
  const notCovered = byRule('LIC-NOT-COVERED');
  const unknown = byRule('LIC-CLAIM-UNKNOWN');
  const exceptionFlags = [...byRule('LE-ACCEPTED'), ...byRule('LE-INELIGIBLE')];
  // A cancelled or blocked disposition gave the draw back, once, in its own transaction (services/licences.ts RELEASING_ACTIONS): the first one.
  const released = a?.licence ? r.dispositions.find((d) => RELEASING_ACTIONS.has(String(d.action))) : undefined;
  if (!a && !notCovered.length && !unknown.length) return html``;
  const ev = (f: Flag) => f.evidence as Record<string, unknown>;
  return html`<section class="card authorisation" aria-labelledby="auth-h"><h2 id="auth-h">Licence</h2>
<p><strong>${AUTH_STATUS[a?.status ?? 'not_authorised'] ?? a?.status}</strong></p>
${a?.licence
  ? html`<p class="drew">Drew on licence ${lic(a.licence.id, a.licence.number)}: ${a.licence.draw.quantity} units, $${a.licence.draw.valueUsd.toLocaleString('en-US')}${covered ? leftAfter(ev(covered)) : ''}.</p>${
      released
        ? html`<p class="released notice" role="status">Given back: this draw was released to the licence when the order was <strong>${released.action}</strong> (${utcTime(released.at, 's')} by ${who(released.byName, released.by)}). This screening no longer holds units of ${a.licence.number} and cannot be cleared to ship; if the order ships after all, screen it again.</p>`
        : ''
    }`
  : ''}
${a?.exceptions.length ? html`<ul>${a.exceptions.map((x) => html`<li>${x.type}${x.number ? ` ${x.number}` : ''}: ${x.accepted ? `accepted for item${x.items.length === 1 ? '' : 's'} ${x.items.map((i) => i + 1).join(', ')}` : 'not accepted'}</li>`)}</ul>` : ''}
${exceptionFlags.filter((f) => f.ruleId === 'LE-INELIGIBLE').map((f) => html`<p class="sev-${f.severity}">${f.message}</p>`)}
${unknown.map((f) => html`<p class="sev-${f.severity}"><code>${f.ruleId}</code> ${f.message}</p>`)}
${notCovered.length
  ? html`<p>Licences on record that did not fit:</p><ul class="why">${notCovered.map((f) => {
      const e = ev(f);
      const reasons = Array.isArray(e.reasons) ? (e.reasons as unknown[]).map(String) : [f.message];
      return html`<li>${lic(typeof e.licenceId === 'string' ? e.licenceId : undefined, String(e.licenceNumber ?? '?'))}: ${reasons.join('; ')}</li>`;
    })}</ul>`
  : ''}</section>`;
}

/** What LIC-COVERED says was left on the licence after this shipment's draw (at screening time). */
function leftAfter(e: Record<string, unknown>): Html {
  const before = e.before as { quantity?: number | null; valueUsd?: number | null; tolerance?: { quantityPercent?: number; valuePercent?: number; citation?: string } } | undefined;
  const draw = e.draw as { quantity?: number; valueUsd?: number } | undefined;
  if (!before || !draw) return html``;
  const q = typeof before.quantity === 'number' ? `${(before.quantity - (draw.quantity ?? 0)).toLocaleString('en-US')} units` : 'no unit ceiling';
  const v = typeof before.valueUsd === 'number' ? `$${(Math.round((before.valueUsd - (draw.valueUsd ?? 0)) * 100) / 100).toLocaleString('en-US')}` : 'no value ceiling';
  const tol = before.tolerance;
  const within = tol && ((tol.quantityPercent ?? 0) > 0 || (tol.valuePercent ?? 0) > 0)
    ? ` (within the shipping tolerance of ${tol.citation ?? '15 CFR 750.11'}: +${tol.quantityPercent ?? 0} % units, +${tol.valuePercent ?? 0} % value)`
    : '';
  return html` · left after this shipment when it was screened: ${q}, ${v}${within}`;
}

/** The answer to a disposition form sent again: the disposition it already recorded, nothing new. */
function resentDisposition(d: Disposition, screeningId: string): Html {
  return resentNotice(
    html`This disposition was already recorded: <strong>${String(d.action).replace('_', ' ')}</strong> at ${utcTime(d.at, 's')} by ${who(d.byName, d.by)}, with the same justification. Nothing new was recorded. To record another disposition, use <a href="/screenings/${screeningId}#record-disposition">the form</a> below.`,
  );
}

export function screeningPage(v: ScreeningView, ctx: PageContext): Html {
  const r = v.result;
  const req = v.request;
  const raised = r.flags.filter((f) => f.severity !== 'info');
  const info = r.flags.filter((f) => f.severity === 'info');
  const latest = r.dispositions[r.dispositions.length - 1];
  const reviewCol = (v.canSuppress ?? false) || (v.currentSuppressions ?? []).length > 0;
  return html`${v.resent ? resentDisposition(v.resent, r.id) : ''}<section class="summary card"><p class="decision">${decisionBadge(r.decision)} <span class="risk">risk ${r.riskScore}/100</span></p>
<p>Reference <strong>${r.reference}</strong> · screened <time datetime="${r.screenedAt}">${utcTime(r.screenedAt, 's')}</time> · ship date ${req.shipDate ?? '—'} · ruleset ${r.ruleset.version}</p>
<p class="screened-by">Screened by <strong>${r.screenedBy ? r.screenedBy.name : 'the system (no API key)'}</strong></p>
<p>End use: ${req.endUse ?? '—'}${req.permits?.length ? html` · permits: ${req.permits.map((p) => `${p.type}${p.number ? ` ${p.number}` : ''}`).join(', ')}` : ''}</p>
<p>Disposition: ${latest ? html`<strong>${String(latest.action).replace('_', ' ')}</strong> at ${utcTime(latest.at, 's')} by ${who(latest.byName, latest.by)}` : 'none yet'}${
    latest && pendingClearance(r)
      ? html` — <span class="badge awaiting">awaiting approval</span> a second reviewer or admin (not ${who(latest.byName, latest.by)}) must record <em>approved</em>; until then the screening stays open in the work queue`
      : ''
  }</p>
${v.canReplay ? html`<p><a class="button" href="/screenings/${r.id}/replay#replay">Replay against the active ruleset</a></p>` : ''}
${ctx.principal.role === 'admin' ? html`<p><a href="/webhooks/deliveries?subjectId=${r.id}">Webhook deliveries about this screening</a></p>` : ''}</section>
${monitoringSection(v.monitoring ?? [], v.canSeeRuns ?? false)}
${v.replay ? replaySection(v.replay) : ''}
${authorisationSection(r, ctx.principal.role !== 'submitter')}
<section aria-labelledby="flags-h"><h2 id="flags-h">Flags (${raised.length})</h2>
${raised.length ? html`<div class="scroll"><table><thead><tr><th>Severity</th><th>Rule</th><th>Why, with evidence</th><th>Citation</th><th>Subject</th></tr></thead><tbody>${raised.map((f) => flagRow(f, req))}</tbody></table></div>` : html`<p>No flag raised.</p>`}
${info.length ? html`<details><summary>${info.length} checks that passed (info)</summary><div class="scroll"><table><tbody>${info.map((f) => flagRow(f, req))}</tbody></table></div></details>` : ''}</section>
<section aria-labelledby="route-h"><h2 id="route-h">Route</h2>${routeDiagram(v.route)}
<p class="legend"><span class="key hub">◎</span> transshipment hub in the active ruleset · <span class="key flagged">●</span> a route flag names this stop</p></section>
<section aria-labelledby="items-h"><h2 id="items-h">Items</h2><div class="scroll"><table><thead><tr><th>#</th><th>Model as submitted</th><th>Quantity</th><th>ECCN</th><th>TPP</th><th>Perf. density</th><th>Classified by</th><th>Licence</th></tr></thead><tbody>
${r.items.map((it) => {
  const input = req.items[it.index];
  return html`<tr><td>${it.index + 1}</td><td>${input?.model ?? '(specs only)'}${it.catalogId ? html`<br><small>catalog ${it.catalogId}</small>` : ''}${it.explanation ? html`<br><small>${it.explanation}</small>` : ''}</td>
<td>${input?.quantity ?? ''}</td><td>${it.eccn ?? '—'}</td><td>${it.tpp ?? '—'}</td><td>${it.performanceDensity ?? '—'}</td><td>${it.basis}</td><td>${it.licenseRequired ? 'required' : 'no'}</td></tr>`;
})}</tbody></table></div></section>
<section aria-labelledby="parties-h"><h2 id="parties-h">Parties</h2>
${v.canReadSuppressions && (req.parties ?? []).length ? html`<p class="hint">A candidate reviewed as not the party is recorded as a suppression: later screenings of the party show it as suppressed instead of flagging it. <a href="/suppressions">All suppressions</a></p>` : ''}
${(req.parties ?? []).length === 0 ? html`<p>No party submitted.</p>` : ''}
${(req.parties ?? []).map((p, i) => {
  const res = r.parties.find((x) => x.index === i);
  const flags = flagsAbout(r.flags, `parties[${i}]`).filter((f) => f.severity !== 'info');
  // A browser does not autofocus on a page whose address names an element (HTML, "flush autofocus candidates"): the
  // refused "Not this entry" form posts to …/suppressions#party-i, so on that answer the party is not the fragment's
  // target and the refused field's autofocus positions the page (it opened at the party, the focus nowhere).
  const refusedHere = !!v.suppressForm && v.suppressForm.party === i && v.suppressForm.errors.length > 0;
  return html`<article class="card party"${refusedHere ? '' : html` id="party-${i}"`}><h3>${p.name} <small>${p.role}${p.country ? ` · ${p.country}` : ''}</small></h3>
${p.address ? html`<p><small>${p.address}</small></p>` : ''}
${res && res.matches.length
  ? // In its own scroller, as every other table: directly in the card it took the card's "break anywhere" rule, and on a
    // phone with a "Not this entry" form open the list, name and score columns were squeezed to a letter or two a line.
    html`<div class="scroll"><table class="candidates"><thead><tr><th>List</th><th>Listed name</th><th>Score</th><th>Match</th>${reviewCol ? html`<th>Review</th>` : ''}</tr></thead><tbody>${res.matches.map(
      (m, k) => html`<tr><td>${m.list}</td><td>${m.name}${m.matchedName && m.matchedName !== m.name ? html`<br><small>matched alias ${m.matchedName}</small>` : ''}<br><small><code>${m.entryId}</code></small></td><td>${m.score.toFixed(3)}</td><td>${
        m.suppressedBy ? html`<strong>suppressed</strong><br><small>reviewed: not this party</small>` : m.match === false ? 'possible (below match threshold)' : 'yes'
      }</td>${reviewCol ? html`<td>${reviewCell(v, ctx, i, k, m)}</td>` : ''}</tr>`,
    )}</tbody></table></div>`
  : html`<p>No list candidate.</p>`}
${flags.map((f) => html`<p class="sev-${f.severity}"><code>${f.ruleId}</code> ${f.message}${evidence(f.evidence)}</p>`)}
${(r.suppressed ?? []).filter((x) => x.subject === `parties[${i}]`).map(
  (x) => html`<p class="suppressed">${x.applied ? 'Suppressed' : 'Suppression lapsed'}: ${x.list} entry <code>${x.entryId}</code> reviewed as not this party by ${who(x.suppression.byName, x.suppression.by)} at ${utcTime(x.suppression.at)} (expires ${utcTime(x.suppression.expiresAt)}): ${x.suppression.justification}${x.reason ? html` — ${x.reason}` : ''}</p>`,
)}</article>`;
})}</section>
<section aria-labelledby="disp-h"><h2 id="disp-h">Dispositions</h2>
${r.dispositions.length ? html`<ol class="history">${r.dispositions.map((d) => html`<li><strong>${String(d.action).replace('_', ' ')}</strong>${d.status && d.status !== 'effective' ? html` <small>(${d.status.replace('_', ' ')})</small>` : ''} · ${utcTime(d.at, 's')} · by ${who(d.byName, d.by)}${d.approval ? html` · approved by ${who(d.approval.byName ?? null, d.approval.by)} at ${utcTime(d.approval.at, 's')}` : ''}<br>${d.justification}</li>`)}</ol>` : html`<p>None yet.</p>`}
${v.canDispose ? dispositionForm(v, ctx) : ''}</section>`;
}
