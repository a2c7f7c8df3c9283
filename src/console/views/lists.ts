/** The work queue, the flag log (with its filter form, export links and seal status) and "my screenings". */
import { trigger as triggerText } from './monitoring.js';
import { DECISIONS, FLAG_CATEGORIES } from '../../schemas/screening-result.js';
import { DISPOSITION_ACTIONS, QUEUE_DECISIONS, type ScreeningSummary } from '../../schemas/audit.js';
import type { AwaitingApproval } from '../../services/dashboard.js';
import type { QueueStats } from '../../store/dashboard-repo.js';
import { html, query, type Html } from '../html.js';
import { ago, csrfField, decisionBadge, errorList, utcTime, type PageContext } from '../layout.js';

/**
 * Whether a listed screening's latest disposition is a clearance awaiting a second reviewer's approval:
 * `cleared` on a decision in FOUR_EYES_DECISIONS — the stored one or the one monitoring last changed it to
 * (as the disposition service decides). Such a screening is still open.
 */
export function awaitsApproval(s: ScreeningSummary, fourEyes: readonly string[]): boolean {
  if (s.disposition?.action !== 'cleared') return false;
  const fe = fourEyes.filter((d) => (QUEUE_DECISIONS as readonly string[]).includes(d));
  return fe.includes(s.decision) || (!!s.monitoring && fe.includes(s.monitoring.decision));
}

const actionLabel = (a: string) => a.replace('_', ' ');

/** The Disposition column: the latest action, who recorded it, how many; a pending clearance says so. */
function dispositionCell(s: ScreeningSummary, fourEyes: readonly string[]): Html {
  const d = s.disposition;
  if (!d) return html`—`;
  // How many dispositions are on record (the history on the screening's page), not a count of this action.
  const text = `${actionLabel(String(d.action))}${d.byName ? ` by ${d.byName}` : ''} (${d.count === 1 ? 'the only disposition' : `${d.count} dispositions`})`;
  return awaitsApproval(s, fourEyes) ? html`${text} <span class="badge awaiting">awaiting approval</span>` : html`${text}`;
}

/**
 * The rules a listed screening raised, then how many checks passed (LIST-CLEAR, DEST-NLR…: the ruleset's
 * checkRuleIds) — a CLEAR screening used to list "ITEM-CATALOG, DEST-NLR, ROUTE-CLEAR +5" as if they had fired.
 */
function rulesCell(ruleIds: readonly string[], checks: ReadonlySet<string>): Html {
  const raised = ruleIds.filter((r) => !checks.has(r));
  const passed = ruleIds.length - raised.length;
  const shown = raised.slice(0, 4).join(', ');
  const more = raised.length > 4 ? ` +${raised.length - 4}` : '';
  const note = passed ? html` <span class="muted" title="${ruleIds.filter((r) => checks.has(r)).join(', ')}">${raised.length ? '· ' : ''}${passed} check${passed === 1 ? '' : 's'} passed</span>` : '';
  return html`<small>${shown}${more}${note}</small>`;
}

export function screeningTable(items: ScreeningSummary[], now: number, opts: { waiting?: boolean; fourEyes?: readonly string[]; checks?: ReadonlySet<string> } = {}): Html {
  if (!items.length) return html`<p class="empty">No screening matches.</p>`;
  const fe = opts.fourEyes ?? [];
  const checks = opts.checks ?? new Set<string>();
  return html`<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Decision</th><th>Risk</th><th>Screened</th>${opts.waiting ? html`<th>Waiting</th>` : ''}<th>Destination</th><th>Rules raised</th><th>Disposition</th></tr></thead><tbody>
${items.map(
  (s) => html`<tr><td><a href="/screenings/${s.id}">${s.reference}</a></td><td>${decisionBadge(s.decision)}${s.monitoring ? html` <small class="now" title="changed by monitoring ${utcTime(s.monitoring.at)}">now</small> ${decisionBadge(s.monitoring.decision)}` : ''}</td><td>${s.riskScore}</td><td>${s.screenedAt.slice(0, 16).replace('T', ' ')}</td>
${opts.waiting ? html`<td>${ago(s.screenedAt, now)}</td>` : ''}<td>${s.destination}</td><td>${rulesCell(s.ruleIds, checks)}</td>
<td>${dispositionCell(s, fe)}</td></tr>`,
)}</tbody></table></div>`;
}

export interface ChangedAwaiting {
  total: number;
  items: Array<{ screeningId: string; reference: string; from: string; to: string; runId: string; trigger?: string; changedAt: string; awaitingApproval?: boolean }>;
}

/** Screenings monitoring changed to a decision that needs a person, not closed since: above the queue. */
function changedSection(c: ChangedAwaiting, now: number): Html {
  if (!c.total) return html``;
  return html`<section class="card monitoring-alert" aria-labelledby="changed-h"><h2 id="changed-h">Changed by monitoring: ${c.total} awaiting a disposition</h2>
<p>Continuous monitoring changed these decisions after they were given; <em>Why</em> says what its run reacted to. Each stays here until a final disposition is recorded after the change.</p>
<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Was</th><th>Now</th><th>Why</th><th>Changed</th><th>Waiting</th></tr></thead><tbody>
${c.items.map(
  (x) => html`<tr><td><a href="/screenings/${x.screeningId}">${x.reference}</a>${x.awaitingApproval ? html` <span class="badge awaiting">cleared, awaiting approval</span>` : ''}</td><td>${decisionBadge(x.from)}</td><td>${decisionBadge(x.to)}</td><td>${x.trigger ? triggerText(x.trigger) : ''}</td><td>${utcTime(x.changedAt)} (<a href="/monitoring/${x.runId}">run</a>)</td><td>${ago(x.changedAt, now)}</td></tr>`,
)}</tbody></table></div>${c.total > c.items.length ? html`<p>${c.total - c.items.length} more: oldest changes first.</p>` : ''}</section>`;
}

/**
 * Clearances awaiting a second reviewer's approval (four eyes): each says who cleared it — who therefore
 * cannot approve it — and who can. The viewer's own clearances say that another reviewer must act.
 */
function awaitingSection(a: AwaitingApproval, now: number, viewerKeyId: string): Html {
  if (!a.total) return html``;
  return html`<section class="card awaiting-approval" id="awaiting-approval" aria-labelledby="awaiting-h"><h2 id="awaiting-h">Awaiting approval: ${a.total} clearance${a.total === 1 ? '' : 's'}</h2>
<p>Four eyes: these clearances of decisions in FOUR_EYES_DECISIONS take effect only when a second reviewer records <strong>approved</strong> on the screening's page. Any reviewer or admin may approve, except the one who cleared. Until then each screening stays in the queue.</p>
<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Decision</th><th>Cleared by</th><th>Cleared (UTC)</th><th>Waiting</th><th>Who can approve</th></tr></thead><tbody>
${a.items.map((s) => {
  const d = s.disposition;
  const mine = d?.by === viewerKeyId;
  const by = d?.byName ?? (d?.by ? `key ${d.by}` : 'the system');
  return html`<tr><td><a href="/screenings/${s.id}">${s.reference}</a></td><td>${decisionBadge(s.decision)}${s.monitoring ? html` <small class="now">now</small> ${decisionBadge(s.monitoring.decision)}` : ''}</td>
<td>${by}${mine ? html` <strong>(you)</strong>` : ''}</td><td>${d ? d.at.slice(0, 16).replace('T', ' ') : ''}</td><td>${d ? ago(d.at, now) : ''}</td>
<td>${mine ? 'another reviewer or admin — not you' : html`any reviewer or admin except ${by}: <a href="/screenings/${s.id}#record-disposition">approve or supersede</a>`}</td></tr>`;
})}</tbody></table></div>${a.total > a.items.length ? html`<p>${a.total - a.items.length} more: oldest clearances first.</p>` : ''}</section>`;
}

export function queuePage(
  v: {
    items: ScreeningSummary[];
    stats: QueueStats;
    order: 'age' | 'risk';
    /** Keyset paging (services/dashboard.ts): the first page shows the changed and awaiting-approval sections. */
    first: boolean;
    prevCursor: string | null;
    nextCursor: string | null;
    changed?: ChangedAwaiting;
    awaitingApproval?: AwaitingApproval;
    fourEyes?: readonly string[];
    /** Check rule ids (the ruleset's checkRuleIds): shown as checks passed, not as rules raised. */
    checks?: ReadonlySet<string>;
    viewerKeyId?: string;
  },
  now: number,
): Html {
  const s = v.stats;
  const awaiting = v.awaitingApproval ?? { total: 0, items: [] };
  const o = v.order === 'risk' ? 'risk' : undefined;
  return html`${v.changed && v.first ? changedSection(v.changed, now) : ''}${v.first ? awaitingSection(awaiting, now, v.viewerKeyId ?? '') : ''}<section class="stats" aria-label="Queue summary">
<div class="stat"><span class="n">${s.total}</span> waiting</div>
${(['BLOCK', 'LICENSE_REQUIRED', 'REVIEW'] as const).map((d) => html`<div class="stat">${decisionBadge(d)} <span class="n">${s.counts[d] ?? 0}</span></div>`)}
<div class="stat">oldest waits <span class="n">${s.oldest ? ago(s.oldest, now) : '—'}</span></div>
${awaiting.total ? html`<div class="stat"><a href="/queue#awaiting-approval">awaiting approval</a> <span class="n">${awaiting.total}</span></div>` : ''}</section>
<p class="sort">Order: ${v.order === 'age' ? html`<strong>oldest first</strong>` : html`<a href="/queue${query({ order: 'age' })}">oldest first</a>`} ·
${v.order === 'risk' ? html`<strong>highest risk first</strong>` : html`<a href="/queue${query({ order: 'risk' })}">highest risk first</a>`} · times in UTC</p>
${screeningTable(v.items, now, { waiting: true, fourEyes: v.fourEyes ?? [], checks: v.checks ?? new Set() })}
<nav class="pager" aria-label="Pages">${v.first ? '' : html`<a href="/queue${query({ order: o })}">← first page</a>`}
${v.prevCursor ? html`<a href="/queue${query({ order: o, cursor: v.prevCursor })}" rel="prev">← previous page</a>` : ''}
${v.nextCursor ? html`<a href="/queue${query({ order: o, cursor: v.nextCursor })}" rel="next">next page →</a>` : ''}</nav>`;
}

export type LogFilter = Partial<
  Record<'from' | 'to' | 'decision' | 'ruleId' | 'category' | 'disposition' | 'country' | 'party' | 'chipModel' | 'eccn' | 'reference' | 'licence' | 'open', string>
>;

export interface SealStatus {
  sealedThrough: number;
  seals: number;
  unsealed: number;
}

/** What GET /v1/audit/verify answers (services/audit.ts VerifyReport), shown to a person. */
export interface VerifyView {
  ok: boolean;
  checked: number;
  firstBroken: { id: string; reason: string } | null;
  sealedThrough: number;
  seals: number;
  unsealed: number;
  problems: Array<{ id: string; reason: string; table?: string | undefined; seq?: number | undefined; sealNo?: number | undefined }>;
  latestSeal: { sealNo: number; sealHash: string; sealedAt: string } | null;
}

/** A rule id typed in the filter that the active ruleset does not have (still applied: older rulesets' ids match). */
export interface RuleIdNote {
  typed: string;
  version: string;
  suggestions: string[];
}

/** A UTC day (or nothing yet): the browser's date picker. */
const isDay = (v: string | undefined) => !v || /^\d{4}-\d{2}-\d{2}$/.test(v);
/**
 * The API takes a date-time too (a link from an ERP or an export: `from=2026-12-07T17:17:43Z`); a date input cannot
 * show one — it rendered empty while the list was filtered by it, and the next *Apply filter* dropped it silently.
 */
const dayInput = (v: string | undefined) => (isDay(v) ? html` type="date"` : html``);

const text = (name: keyof LogFilter, label: string, f: LogFilter, errs: Map<string, string>, attrs: Html = html``, hint = '', note: Html | null = null) => {
  const described = [errs.has(`/${name}`) ? `f-${name}-error` : '', note ? `f-${name}-note` : '', hint ? `f-${name}-hint` : ''].filter(Boolean).join(' ');
  return html`<div class="field"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${f[name] ?? ''}"${attrs}${errs.has(`/${name}`) ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>${hint ? html`<small class="hint" id="f-${name}-hint">${hint}</small>` : ''}${note ? html`<p class="field-note" id="f-${name}-note">${note}</p>` : ''}${errs.has(`/${name}`) ? html`<p class="field-error" id="f-${name}-error">${errs.get(`/${name}`)}</p>` : ''}</div>`;
};

const select = (name: keyof LogFilter, label: string, options: readonly string[], f: LogFilter, labels: Record<string, string> = {}) =>
  html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map((o) => html`<option value="${o}"${f[name] === o ? html` selected` : ''}>${labels[o] ?? o}</option>`)}</select></div>`;

/** The disposition filter's values: the latest disposition's action, or none yet (GET /v1/screenings?disposition=). */
const DISPOSITION_FILTER = ['none', ...DISPOSITION_ACTIONS] as const;

const n = (x: number) => x.toLocaleString('en');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;
/** The field of GET /v1/audit/verify (and `audit verify`) a line stands for, as the API writes it. */
const api = (field: string, value: unknown) => html` <small class="api"><code>${field}: ${value === null ? 'null' : String(value)}</code></small>`;

/** The verify result for a person: the verdict, what was checked and how far the seals reach, the latest seal to compare, every problem. */
export function verifySection(r: VerifyView): Html {
  const gap = r.sealedThrough - r.checked;
  return html`<section class="verify-result ${r.ok ? 'ok' : 'broken'}" role="status" aria-labelledby="verify-h">
<h3 id="verify-h">${r.ok
    ? r.seals
      ? `Intact: every sealed record matches its seal (${plural(r.checked, 'record')} checked)`
      : 'Nothing sealed yet: no record could be checked'
    : `Broken: ${plural(r.problems.length, 'problem')} found${r.problems.length >= 100 ? ' (the first 100 are listed)' : ''}`}</h3>
<dl class="verify ${r.ok ? 'ok' : 'broken'}"><dt>Verdict</dt><dd>${r.ok ? 'intact — the records match their seals' : 'changed — a record or seal no longer matches'}${api('ok', r.ok)}</dd>
<dt>Records checked</dt><dd>${n(r.checked)}${api('checked', r.checked)}</dd>
<dt>First broken</dt><dd>${r.firstBroken ? html`<code>${r.firstBroken.id}</code>: ${r.firstBroken.reason}` : 'none'}${api('firstBroken', r.firstBroken ? r.firstBroken.id : null)}</dd>
<dt>Sealed through</dt><dd>seq ${n(r.sealedThrough)} by ${plural(r.seals, 'seal')}${api('sealedThrough', r.sealedThrough)}</dd>
<dt>Not sealed yet</dt><dd>${r.unsealed ? `${plural(r.unsealed, 'record')} written after the last seal: not checked until sealed (Seal now)` : 'none'}${api('unsealed', r.unsealed)}</dd>
<dt>Latest seal</dt><dd>${r.latestSeal
    ? html`no. ${r.latestSeal.sealNo}, sealed <time datetime="${r.latestSeal.sealedAt}">${utcTime(r.latestSeal.sealedAt, 'ms')}</time><br>
<span class="hash-label" id="seal-hash-label">Hash (SHA-256):</span> <code class="hash" aria-labelledby="seal-hash-label">${r.latestSeal.sealHash}</code>`
    : 'none yet'}</dd></dl>
${gap > 0 ? html`<p class="hint">Records checked is a count, sealed through a sequence number: screenings, dispositions and audit events share one sequence, and a number taken by a write that was rolled back is never used — so ${n(gap)} fewer records than seq ${n(r.sealedThrough)} is expected.</p>` : ''}
${r.latestSeal ? html`<p class="hint">Compare the latest seal's hash with the copy kept outside the database (each seal's hash is written to the info log): a different hash means the chain was rewritten inside the database.</p>` : ''}
${r.problems.length
    ? html`<h4>Problems</h4><ol class="problems">${r.problems.map(
        (p) => html`<li>${p.table === 'screenings' ? html`<a href="/screenings/${p.id}"><code>${p.id}</code></a>` : html`<code>${p.id}</code>`}${p.table ? ` (${p.table}${p.seq !== undefined ? `, seq ${p.seq}` : ''})` : ''}${p.sealNo !== undefined ? ` · seal ${p.sealNo}` : ''}: ${p.reason}</li>`,
      )}</ol>`
    : ''}</section>`;
}

/** Pages of cursors the pager's links carry at most (a dozen characters each); past that, only "first page" leads back. */
const MAX_TRAIL_LINKS = 100;

/** The filter as hidden inputs, so a GET form (Verify the log) comes back with it. */
const hiddenFilter = (f: LogFilter) => Object.entries(f).map(([k, v]) => (v ? html`<input type="hidden" name="${k}" value="${v}">` : ''));

/** How many screenings the page shows and where it sits, without counting the whole log on every view. */
function countLine(v: { items: unknown[]; nextCursor: string | null; page: number | null; pageSize: number; total?: { count: number; exact: boolean } }): Html {
  const shown = v.items.length;
  if (!shown) return html``;
  // The count is of the whole filter now (bounded): "of 1,234", or "of more than 10,000".
  const of = (last: number) => (v.total ? (v.total.exact ? n(Math.max(v.total.count, last)) : `more than ${n(v.total.count)}`) : `more than ${n(last)}`);
  let what: string;
  if (v.page === null) what = `${plural(shown, 'screening')} on this page${v.total ? ` of ${of(shown)} matching` : ''}`;
  else {
    const first = (v.page - 1) * v.pageSize + 1;
    const last = first + shown - 1;
    if (v.nextCursor) what = `Screenings ${n(first)}–${n(last)} of ${of(last)}`;
    else if (v.page === 1) what = `${plural(shown, 'screening')} ${shown === 1 ? 'matches' : 'match'}`;
    else what = `Screenings ${n(first)}–${n(last)} of ${n(last)}`;
  }
  return html`<p class="count-line">${what} · newest first · times in UTC</p>`;
}

export function logPage(
  v: {
    filter: LogFilter;
    items: ScreeningSummary[];
    nextCursor: string | null;
    /** How many match the whole filter (count=true), bounded: exact, or more than `count`. */
    total?: { count: number; exact: boolean };
    /** The cursor of the page shown (none on the first page). */
    cursor?: string | null;
    /** The page's number (1 = first), or null when it is not known (a cursor from elsewhere). */
    page?: number | null;
    /** The cursors of the pages before this one, page 2's first: "previous page" without going back to the API. */
    trail?: string[];
    pageSize?: number;
    errors: Array<{ field: string; message: string }>;
    seal: SealStatus | null;
    verify: VerifyView | null;
    sealed: string | null;
    canAudit: boolean;
    path: string;
    ruleIdNote?: RuleIdNote | null;
    fourEyes?: readonly string[];
    checks?: ReadonlySet<string>;
  },
  ctx: PageContext,
  now: number,
): Html {
  const f = v.filter;
  const errs = new Map(v.errors.map((e) => [e.field, e.message]));
  const exportQ = (format: string) => query({ ...f, format });
  const pageNo = v.cursor ? (v.page ?? null) : 1;
  const trail = v.trail ?? [];
  const note = v.ruleIdNote
    ? html`No rule <code>${v.ruleIdNote.typed}</code> in the active ruleset (${v.ruleIdNote.version})${v.ruleIdNote.suggestions.length
        ? html`; did you mean ${v.ruleIdNote.suggestions.map((s, i) => html`${i ? ', ' : ''}<a href="${v.path}${query({ ...f, ruleId: s })}"><code>${s}</code></a>`)}?`
        : '.'} Screenings of older rulesets that fired it are still listed.`
    : null;
  // Pages: the console's links carry the page number and the cursors before it, so "previous page" needs no API support.
  const firstHref = `${v.path}${query({ ...f })}`;
  const prevHref =
    pageNo !== null && pageNo >= 2 && trail.length === pageNo - 2
      ? pageNo === 2
        ? firstHref
        : `${v.path}${query({ ...f, cursor: trail[trail.length - 1], page: pageNo - 1, trail: trail.slice(0, -1).join(',') })}`
      : null;
  const nextTrail = pageNo !== null && pageNo >= 2 && trail.length === pageNo - 2 && pageNo - 1 <= MAX_TRAIL_LINKS ? [...trail, v.cursor ?? ''].filter(Boolean) : null;
  const nextHref = v.nextCursor
    ? `${v.path}${query({ ...f, cursor: v.nextCursor, ...(pageNo !== null ? { page: pageNo + 1 } : {}), ...(pageNo === 1 ? {} : nextTrail ? { trail: nextTrail.join(',') } : {}) })}`
    : null;
  return html`${v.canAudit && v.seal
    ? html`<section class="card seal" aria-labelledby="seal-h"><h2 id="seal-h">Tamper evidence</h2>
<p>${v.seal.seals ? `${plural(v.seal.seals, 'seal')} ${v.seal.seals === 1 ? 'covers' : 'cover'} every record through seq ${n(v.seal.sealedThrough)}` : 'No seal yet'}; ${v.seal.unsealed ? `${plural(v.seal.unsealed, 'record')} ${v.seal.unsealed === 1 ? 'is' : 'are'} not sealed yet` : 'every record is sealed'}.</p>
<div class="actions"><form method="get" action="/log/verify">${hiddenFilter(f)}<button type="submit">Verify the log</button></form>
<form method="post" action="/log/seal${query({ ...f })}">${csrfField(ctx.csrf)}<button type="submit">Seal now</button></form></div>
${v.sealed ? html`<p class="notice" role="status">${v.sealed}</p>` : ''}
${v.verify ? verifySection(v.verify) : ''}</section>`
    : ''}
<form method="get" action="${v.path}" class="filters card" aria-label="Filter the log">
${errorList(v.errors)}
<div class="grid">${text('from', 'Screened from', f, errs, dayInput(f.from), isDay(f.from) ? 'from 00:00 UTC that day' : 'from that instant (a date-time, UTC)')}${text('to', 'to (inclusive)', f, errs, dayInput(f.to), isDay(f.to) ? 'through the end of that day, UTC' : 'up to that instant (a date-time, UTC)')}
${select('decision', 'Decision', DECISIONS, f)}${select('category', 'Category of a flag raised', FLAG_CATEGORIES, f)}
${select('disposition', 'Latest disposition', DISPOSITION_FILTER, f, { none: 'none yet' })}
${text('ruleId', 'Rule id', f, errs, html` maxlength="100"`, 'exact, e.g. LIST-EL (any case); a check\'s id (LIST-CLEAR, LIC-COVERED…) finds the screenings that recorded it', note)}${text('country', 'Country (code or English name)', f, errs, html` maxlength="64"`, 'a party or route country: CN, CHN or China')}${text('party', 'Party name contains', f, errs, html``, 'any case, punctuation ignored')}
${text('chipModel', 'Chip model', f, errs, html``, 'exact, as classified (case-sensitive)')}${text('eccn', 'ECCN', f, errs, html` maxlength="40"`, 'exact, e.g. 3A090.a (any case)')}${text('reference', 'Reference', f, errs, html``, 'exact and case-sensitive')}${text('licence', 'Drew on licence (number)', f, errs, html``, 'exact, any case')}
${select('open', 'Open in the queue', ['true', 'false'], f, { true: 'open (someone must act)', false: 'closed' })}</div>
<button type="submit">Apply filter</button> <a href="${v.path}">Clear</a></form>
${v.canAudit && !v.errors.length ? html`<p class="exports">Export this filter: <a href="/log/export${exportQ('csv')}">CSV</a> · <a href="/log/export${exportQ('ndjson')}">NDJSON</a></p>` : ''}
${v.errors.length ? '' : countLine({ items: v.items, nextCursor: v.nextCursor, page: pageNo, pageSize: v.pageSize ?? 50, ...(v.total ? { total: v.total } : {}) })}
${v.errors.length
    ? // A refused filter lists nothing: not "No screening matches" (nothing was looked up), and no pages to step through.
      html`<p class="empty">Nothing is listed while the filter is refused: correct it above${errs.has('/cursor') && errs.size === 1 ? html`, or go to <a href="${firstHref}">the first page</a> of this filter` : html`, or <a href="${v.path}">clear the filter</a>`}.</p>`
    : html`${screeningTable(v.items, now, { fourEyes: v.fourEyes ?? [], checks: v.checks ?? new Set() })}
<nav class="pager" aria-label="Pages">${v.cursor && pageNo !== 2 ? html`<a href="${firstHref}">← first page</a>` : ''}
${prevHref ? html`<a href="${prevHref}" rel="prev">← previous page</a>` : ''}
${nextHref ? html`<a href="${nextHref}" rel="next">next page →</a>` : ''}</nav>`}`;
}
