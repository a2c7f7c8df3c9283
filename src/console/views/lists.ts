/** The work queue, the flag log (with its filter form, export links and seal status) and "my screenings". */
import { DECISIONS, FLAG_CATEGORIES } from '../../schemas/screening-result.js';
import type { ScreeningSummary } from '../../schemas/audit.js';
import type { QueueStats } from '../../store/dashboard-repo.js';
import { html, query, type Html } from '../html.js';
import { ago, csrfField, decisionBadge, errorList, type PageContext } from '../layout.js';

export function screeningTable(items: ScreeningSummary[], now: number, opts: { waiting?: boolean } = {}): Html {
  if (!items.length) return html`<p class="empty">No screening matches.</p>`;
  return html`<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Decision</th><th>Risk</th><th>Screened</th>${opts.waiting ? html`<th>Waiting</th>` : ''}<th>Destination</th><th>Rules</th><th>Disposition</th></tr></thead><tbody>
${items.map(
  (s) => html`<tr><td><a href="/screenings/${s.id}">${s.reference}</a></td><td>${decisionBadge(s.decision)}${s.monitoring ? html` <small class="now" title="changed by monitoring ${s.monitoring.at.slice(0, 16).replace('T', ' ')}">now</small> ${decisionBadge(s.monitoring.decision)}` : ''}</td><td>${s.riskScore}</td><td>${s.screenedAt.slice(0, 16).replace('T', ' ')}</td>
${opts.waiting ? html`<td>${ago(s.screenedAt, now)}</td>` : ''}<td>${s.destination}</td><td><small>${s.ruleIds.slice(0, 4).join(', ')}${s.ruleIds.length > 4 ? ` +${s.ruleIds.length - 4}` : ''}</small></td>
<td>${s.disposition ? `${String(s.disposition.action).replace('_', ' ')}${s.disposition.byName ? ` by ${s.disposition.byName}` : ''} (${s.disposition.count})` : '—'}</td></tr>`,
)}</tbody></table></div>`;
}

export interface ChangedAwaiting {
  total: number;
  items: Array<{ screeningId: string; reference: string; from: string; to: string; runId: string; changedAt: string }>;
}

/** Screenings monitoring changed to a decision that needs a person, not closed since: above the queue. */
function changedSection(c: ChangedAwaiting, now: number): Html {
  if (!c.total) return html``;
  return html`<section class="card monitoring-alert" aria-labelledby="changed-h"><h2 id="changed-h">Changed by monitoring: ${c.total} awaiting a disposition</h2>
<p>New rules or lists changed these decisions after they were given. Each stays here until a final disposition is recorded after the change.</p>
<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Was</th><th>Now</th><th>Changed</th><th>Waiting</th></tr></thead><tbody>
${c.items.map(
  (x) => html`<tr><td><a href="/screenings/${x.screeningId}">${x.reference}</a></td><td>${decisionBadge(x.from)}</td><td>${decisionBadge(x.to)}</td><td>${x.changedAt.slice(0, 16).replace('T', ' ')} (<a href="/monitoring/${x.runId}">run</a>)</td><td>${ago(x.changedAt, now)}</td></tr>`,
)}</tbody></table></div>${c.total > c.items.length ? html`<p>${c.total - c.items.length} more: oldest changes first.</p>` : ''}</section>`;
}

export function queuePage(v: { items: ScreeningSummary[]; stats: QueueStats; order: 'age' | 'risk'; offset: number; limit: number; hasMore: boolean; changed?: ChangedAwaiting }, now: number): Html {
  const s = v.stats;
  return html`${v.changed && v.offset === 0 ? changedSection(v.changed, now) : ''}<section class="stats" aria-label="Queue summary">
<div class="stat"><span class="n">${s.total}</span> waiting</div>
${(['BLOCK', 'LICENSE_REQUIRED', 'REVIEW'] as const).map((d) => html`<div class="stat">${decisionBadge(d)} <span class="n">${s.counts[d] ?? 0}</span></div>`)}
<div class="stat">oldest waits <span class="n">${s.oldest ? ago(s.oldest, now) : '—'}</span></div></section>
<p class="sort">Order: ${v.order === 'age' ? html`<strong>oldest first</strong>` : html`<a href="/queue${query({ order: 'age' })}">oldest first</a>`} ·
${v.order === 'risk' ? html`<strong>highest risk first</strong>` : html`<a href="/queue${query({ order: 'risk' })}">highest risk first</a>`}</p>
${screeningTable(v.items, now, { waiting: true })}
<nav class="pager" aria-label="Pages">${v.offset > 0 ? html`<a href="/queue${query({ order: v.order, offset: Math.max(0, v.offset - v.limit) })}">← previous</a>` : ''}
${v.hasMore ? html`<a href="/queue${query({ order: v.order, offset: v.offset + v.limit })}">next →</a>` : ''}</nav>`;
}

export type LogFilter = Partial<Record<'from' | 'to' | 'decision' | 'ruleId' | 'category' | 'country' | 'party' | 'chipModel' | 'eccn' | 'reference' | 'licence' | 'open', string>>;

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

const text = (name: keyof LogFilter, label: string, f: LogFilter, errs: Map<string, string>, attrs: Html = html``) =>
  html`<div class="field"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${f[name] ?? ''}"${attrs}${errs.has(`/${name}`) ? html` aria-invalid="true" aria-describedby="f-${name}-error"` : ''}>${errs.has(`/${name}`) ? html`<p class="field-error" id="f-${name}-error">${errs.get(`/${name}`)}</p>` : ''}</div>`;

const select = (name: keyof LogFilter, label: string, options: readonly string[], f: LogFilter) =>
  html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map((o) => html`<option${f[name] === o ? html` selected` : ''}>${o}</option>`)}</select></div>`;

export function logPage(
  v: {
    filter: LogFilter;
    items: ScreeningSummary[];
    nextCursor: string | null;
    errors: Array<{ field: string; message: string }>;
    seal: SealStatus | null;
    verify: VerifyView | null;
    sealed: string | null;
    canAudit: boolean;
    path: string;
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
${text('ruleId', 'Rule id', f, errs)}${text('country', 'Country (alpha-2)', f, errs, html` maxlength="2"`)}${text('party', 'Party name contains', f, errs)}
${text('chipModel', 'Chip model', f, errs)}${text('eccn', 'ECCN', f, errs)}${text('reference', 'Reference', f, errs)}${text('licence', 'Drew on licence (number)', f, errs)}
${select('open', 'Open in the queue', ['true', 'false'], f)}</div>
<button type="submit">Apply filter</button> <a href="${v.path}">Clear</a></form>
${v.canAudit ? html`<p class="exports">Export this filter: <a href="/log/export${exportQ('csv')}" download>CSV</a> · <a href="/log/export${exportQ('ndjson')}" download>NDJSON</a></p>` : ''}
${screeningTable(v.items, now)}
<nav class="pager" aria-label="Pages">${v.nextCursor ? html`<a href="${v.path}${query({ ...f, cursor: v.nextCursor })}">next page →</a>` : ''}</nav>`;
}
