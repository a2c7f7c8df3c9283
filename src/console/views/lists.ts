/** The work queue, the flag log (with its filter form, export links and seal status) and "my screenings". */
import { DECISIONS, FLAG_CATEGORIES } from '../../schemas/screening-result.js';
import { DISPOSITION_ACTIONS, QUEUE_DECISIONS, type ScreeningSummary } from '../../schemas/audit.js';
import type { AwaitingApproval } from '../../services/dashboard.js';
import type { QueueStats } from '../../store/dashboard-repo.js';
import { html, query, type Html } from '../html.js';
import { ago, csrfField, decisionBadge, errorList, type PageContext } from '../layout.js';

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
  const text = `${actionLabel(String(d.action))}${d.byName ? ` by ${d.byName}` : ''} (${d.count})`;
  return awaitsApproval(s, fourEyes) ? html`${text} <span class="badge awaiting">awaiting approval</span>` : html`${text}`;
}

export function screeningTable(items: ScreeningSummary[], now: number, opts: { waiting?: boolean; fourEyes?: readonly string[] } = {}): Html {
  if (!items.length) return html`<p class="empty">No screening matches.</p>`;
  const fe = opts.fourEyes ?? [];
  return html`<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Decision</th><th>Risk</th><th>Screened</th>${opts.waiting ? html`<th>Waiting</th>` : ''}<th>Destination</th><th>Rules</th><th>Disposition</th></tr></thead><tbody>
${items.map(
  (s) => html`<tr><td><a href="/screenings/${s.id}">${s.reference}</a></td><td>${decisionBadge(s.decision)}${s.monitoring ? html` <small class="now" title="changed by monitoring ${s.monitoring.at.slice(0, 16).replace('T', ' ')}">now</small> ${decisionBadge(s.monitoring.decision)}` : ''}</td><td>${s.riskScore}</td><td>${s.screenedAt.slice(0, 16).replace('T', ' ')}</td>
${opts.waiting ? html`<td>${ago(s.screenedAt, now)}</td>` : ''}<td>${s.destination}</td><td><small>${s.ruleIds.slice(0, 4).join(', ')}${s.ruleIds.length > 4 ? ` +${s.ruleIds.length - 4}` : ''}</small></td>
<td>${dispositionCell(s, fe)}</td></tr>`,
)}</tbody></table></div>`;
}

export interface ChangedAwaiting {
  total: number;
  items: Array<{ screeningId: string; reference: string; from: string; to: string; runId: string; changedAt: string; awaitingApproval?: boolean }>;
}

/** Screenings monitoring changed to a decision that needs a person, not closed since: above the queue. */
function changedSection(c: ChangedAwaiting, now: number): Html {
  if (!c.total) return html``;
  return html`<section class="card monitoring-alert" aria-labelledby="changed-h"><h2 id="changed-h">Changed by monitoring: ${c.total} awaiting a disposition</h2>
<p>New rules or lists changed these decisions after they were given. Each stays here until a final disposition is recorded after the change.</p>
<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Was</th><th>Now</th><th>Changed</th><th>Waiting</th></tr></thead><tbody>
${c.items.map(
  (x) => html`<tr><td><a href="/screenings/${x.screeningId}">${x.reference}</a>${x.awaitingApproval ? html` <span class="badge awaiting">cleared, awaiting approval</span>` : ''}</td><td>${decisionBadge(x.from)}</td><td>${decisionBadge(x.to)}</td><td>${x.changedAt.slice(0, 16).replace('T', ' ')} (<a href="/monitoring/${x.runId}">run</a>)</td><td>${ago(x.changedAt, now)}</td></tr>`,
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
<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Decision</th><th>Cleared by</th><th>Cleared</th><th>Waiting</th><th>Who can approve</th></tr></thead><tbody>
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
    offset: number;
    limit: number;
    hasMore: boolean;
    changed?: ChangedAwaiting;
    awaitingApproval?: AwaitingApproval;
    fourEyes?: readonly string[];
    viewerKeyId?: string;
  },
  now: number,
): Html {
  const s = v.stats;
  const awaiting = v.awaitingApproval ?? { total: 0, items: [] };
  return html`${v.changed && v.offset === 0 ? changedSection(v.changed, now) : ''}${v.offset === 0 ? awaitingSection(awaiting, now, v.viewerKeyId ?? '') : ''}<section class="stats" aria-label="Queue summary">
<div class="stat"><span class="n">${s.total}</span> waiting</div>
${(['BLOCK', 'LICENSE_REQUIRED', 'REVIEW'] as const).map((d) => html`<div class="stat">${decisionBadge(d)} <span class="n">${s.counts[d] ?? 0}</span></div>`)}
<div class="stat">oldest waits <span class="n">${s.oldest ? ago(s.oldest, now) : '—'}</span></div>
${awaiting.total ? html`<div class="stat"><a href="/queue#awaiting-approval">awaiting approval</a> <span class="n">${awaiting.total}</span></div>` : ''}</section>
<p class="sort">Order: ${v.order === 'age' ? html`<strong>oldest first</strong>` : html`<a href="/queue${query({ order: 'age' })}">oldest first</a>`} ·
${v.order === 'risk' ? html`<strong>highest risk first</strong>` : html`<a href="/queue${query({ order: 'risk' })}">highest risk first</a>`}</p>
${screeningTable(v.items, now, { waiting: true, fourEyes: v.fourEyes ?? [] })}
<nav class="pager" aria-label="Pages">${v.offset > 0 ? html`<a href="/queue${query({ order: v.order, offset: Math.max(0, v.offset - v.limit) })}">← previous</a>` : ''}
${v.hasMore ? html`<a href="/queue${query({ order: v.order, offset: v.offset + v.limit })}">next →</a>` : ''}</nav>`;
}

export type LogFilter = Partial<
  Record<'from' | 'to' | 'decision' | 'ruleId' | 'category' | 'disposition' | 'country' | 'party' | 'chipModel' | 'eccn' | 'reference' | 'licence' | 'open', string>
>;

export interface SealStatus {
  sealedThrough: number;
  seals: number;
  unsealed: number;
}

export interface VerifyView {
  ok: boolean;
  checked: number;
  firstBroken: { id: string; reason: string } | null;
  sealedThrough: number;
}

const text = (name: keyof LogFilter, label: string, f: LogFilter, errs: Map<string, string>, attrs: Html = html``, hint = '') => {
  const described = [errs.has(`/${name}`) ? `f-${name}-error` : '', hint ? `f-${name}-hint` : ''].filter(Boolean).join(' ');
  return html`<div class="field"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${f[name] ?? ''}"${attrs}${errs.has(`/${name}`) ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>${hint ? html`<small class="hint" id="f-${name}-hint">${hint}</small>` : ''}${errs.has(`/${name}`) ? html`<p class="field-error" id="f-${name}-error">${errs.get(`/${name}`)}</p>` : ''}</div>`;
};

const select = (name: keyof LogFilter, label: string, options: readonly string[], f: LogFilter, labels: Record<string, string> = {}) =>
  html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map((o) => html`<option value="${o}"${f[name] === o ? html` selected` : ''}>${labels[o] ?? o}</option>`)}</select></div>`;

/** The disposition filter's values: the latest disposition's action, or none yet (GET /v1/screenings?disposition=). */
const DISPOSITION_FILTER = ['none', ...DISPOSITION_ACTIONS] as const;

export function logPage(
  v: {
    filter: LogFilter;
    items: ScreeningSummary[];
    nextCursor: string | null;
    /** The cursor of the page shown (none on the first page). */
    cursor?: string | null;
    errors: Array<{ field: string; message: string }>;
    seal: SealStatus | null;
    verify: VerifyView | null;
    sealed: string | null;
    canAudit: boolean;
    path: string;
    fourEyes?: readonly string[];
  },
  ctx: PageContext,
  now: number,
): Html {
  const f = v.filter;
  const errs = new Map(v.errors.map((e) => [e.field, e.message]));
  const exportQ = (format: string) => query({ ...f, format });
  return html`${v.canAudit && v.seal
    ? html`<section class="card seal" aria-labelledby="seal-h"><h2 id="seal-h">Tamper evidence</h2>
<p>${v.seal.seals} seals cover every record through seq ${v.seal.sealedThrough}; ${v.seal.unsealed} records are not sealed yet.</p>
<div class="actions"><form method="get" action="/log/verify"><button type="submit">Verify the log</button></form>
<form method="post" action="/log/seal">${csrfField(ctx.csrf)}<button type="submit">Seal now</button></form></div>
${v.sealed ? html`<p class="notice" role="status">${v.sealed}</p>` : ''}
${v.verify
  ? html`<dl class="verify ${v.verify.ok ? 'ok' : 'broken'}" role="status"><dt>ok</dt><dd>${String(v.verify.ok)}</dd><dt>checked</dt><dd>${v.verify.checked}</dd>
<dt>firstBroken</dt><dd>${v.verify.firstBroken ? `${v.verify.firstBroken.id}: ${v.verify.firstBroken.reason}` : 'null'}</dd><dt>sealedThrough</dt><dd>${v.verify.sealedThrough}</dd></dl>`
  : ''}</section>`
    : ''}
<form method="get" action="${v.path}" class="filters card" aria-label="Filter the log">
${errorList(v.errors)}
<div class="grid">${text('from', 'Screened from', f, errs, html` type="date"`)}${text('to', 'Screened before', f, errs, html` type="date"`)}
${select('decision', 'Decision', DECISIONS, f)}${select('category', 'Flag category', FLAG_CATEGORIES, f)}
${select('disposition', 'Latest disposition', DISPOSITION_FILTER, f, { none: 'none yet' })}
${text('ruleId', 'Rule id', f, errs, html` maxlength="100"`, 'exact, e.g. EL-MATCH (any case)')}${text('country', 'Country (code or English name)', f, errs, html` maxlength="64"`, 'a party or route country: CN, CHN or China')}${text('party', 'Party name contains', f, errs, html``, 'any case, punctuation ignored')}
${text('chipModel', 'Chip model', f, errs, html``, 'exact, as classified (case-sensitive)')}${text('eccn', 'ECCN', f, errs, html` maxlength="40"`, 'exact, e.g. 3A090.a (any case)')}${text('reference', 'Reference', f, errs, html``, 'exact and case-sensitive')}${text('licence', 'Drew on licence (number)', f, errs, html``, 'exact, any case')}
${select('open', 'Open in the queue', ['true', 'false'], f, { true: 'open (someone must act)', false: 'closed' })}</div>
<button type="submit">Apply filter</button> <a href="${v.path}">Clear</a></form>
${v.canAudit ? html`<p class="exports">Export this filter: <a href="/log/export${exportQ('csv')}" download>CSV</a> · <a href="/log/export${exportQ('ndjson')}" download>NDJSON</a></p>` : ''}
${screeningTable(v.items, now, { fourEyes: v.fourEyes ?? [] })}
<nav class="pager" aria-label="Pages">${v.cursor ? html`<a href="${v.path}${query({ ...f })}">← first page</a>` : ''}
${v.nextCursor ? html`<a href="${v.path}${query({ ...f, cursor: v.nextCursor })}">next page →</a>` : ''}</nav>`;
}
