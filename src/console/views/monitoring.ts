/** Continuous monitoring: the runs, and one run's changed decisions with the flags that appeared or went away. */
import type { Static } from 'typebox';
import type { MonitoringChange, MonitoringRunSummary } from '../../schemas/monitoring.js';
import { html, query, type Html } from '../html.js';
import { decisionBadge, utcTime } from '../layout.js';

export type RunSummaryView = Static<typeof MonitoringRunSummary>;
export type RunChangeView = Static<typeof MonitoringChange>;

const when = (iso: string | null) => (iso ? utcTime(iso, 's') : '—');
const TRIGGERS: Record<string, string> = { activation: 'new rules or lists', effective_date: 'a dated rule came into force', licence: 'a licence was amended or revoked' };
/** Why a monitoring run ran, in words (the run's `trigger`): also on the screening page and the queue. */
export const trigger = (t: string) => (Object.hasOwn(TRIGGERS, t) ? TRIGGERS[t]! : t);

export function runsPage(v: { items: RunSummaryView[]; nextCursor: string | null; cursor?: string | undefined }): Html {
  const table = v.items.length
    ? html`<div class="scroll"><table class="list"><thead><tr><th>Started</th><th>Why</th><th>Ruleset</th><th>Status</th><th>Re-screened</th><th>Changed</th><th>Errors</th><th>Finished</th></tr></thead><tbody>
${v.items.map(
  (r) => html`<tr><td><a href="/monitoring/${r.id}">${when(r.createdAt)}</a></td><td>${trigger(r.trigger)}</td><td>${r.ruleset.version}</td><td>${r.status}</td>
<td>${r.rescreened} of ${r.total}</td><td>${r.changed ? html`<strong>${r.changed}</strong>` : '0'}</td><td>${r.errors}</td><td>${when(r.finishedAt)}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">No monitoring run yet.</p>`;
  return html`<p>When new rules or lists become active, every open shipment (ship date today or later) and every screening of
the last <code>MONITOR_WINDOW_DAYS</code> is screened again; when a licence is amended or revoked, those of them that drew on it. A run lists the decisions that changed; the submitter is told by the
<code>screening.changed</code> webhook, and each changed screening's page says so at the top.</p>
${table}
<nav class="pager" aria-label="Pages">${v.cursor ? html`<a href="/monitoring">← newest runs (first page)</a>` : ''}
${v.nextCursor ? html`<a href="/monitoring${query({ cursor: v.nextCursor })}">older runs →</a>` : ''}</nav>`;
}

export function runPage(v: { run: RunSummaryView; changes: RunChangeView[]; nextAfter: number | null; after: number }): Html {
  const r = v.run;
  const flags = (list: string[]) => (list.length ? html`<ul class="plain">${list.map((f) => html`<li><code>${f}</code></li>`)}</ul>` : '—');
  return html`<section class="card" aria-labelledby="run-h"><h2 id="run-h">${r.status}: ${r.changed} of ${r.rescreened} re-screened shipments changed decision</h2>
<dl class="facts"><dt>Why</dt><dd>${trigger(r.trigger)}${r.licence ? html`: <a href="/licences/${r.licence.id}">the licence</a>, version ${r.licence.version}` : ''}</dd><dt>Ruleset</dt><dd>${r.ruleset.version} <small><code>${r.ruleset.hash}</code></small></dd>
<dt>In scope</dt><dd>${r.total} screenings${r.licence ? ' holding a draw on that licence' : r.trigger === 'licence' ? ' holding a draw on the licence' : ''}: shipping on or after ${r.asOf}, or screened since ${when(r.windowStart)}</dd>
<dt>Re-screened</dt><dd>${r.rescreened}</dd><dt>Could not be re-screened</dt><dd>${r.errors}</dd>
<dt>Started</dt><dd>${when(r.createdAt)}</dd><dt>Finished</dt><dd>${when(r.finishedAt)}</dd>
${r.status === 'running' && r.lastError ? html`<dt>Waiting because</dt><dd role="status">${r.lastError} <small>(the runner tries again by itself)</small></dd>` : ''}</dl></section>
<h2>Changed decisions</h2>
${v.changes.length
  ? html`<div class="scroll"><table class="list"><thead><tr><th>Reference</th><th>Was</th><th>Now</th><th>Flags added</th><th>Flags gone</th></tr></thead><tbody>
${v.changes.map(
  (c) => html`<tr><td><a href="/screenings/${c.screeningId}">${c.reference}</a></td><td>${decisionBadge(c.from)}</td><td>${c.to ? decisionBadge(c.to) : 'not screenable'}</td><td>${flags(c.flagsAdded)}</td><td>${flags(c.flagsRemoved)}</td></tr>`,
)}</tbody></table></div>`
  : html`<p class="empty">${v.after > 0 ? 'No more changes.' : 'No decision changed.'}</p>`}
<nav class="pager" aria-label="Pages">${v.after > 0 ? html`<a href="/monitoring/${r.id}">← first changes</a>` : ''}
${v.nextAfter !== null ? html`<a href="/monitoring/${r.id}${query({ after: v.nextAfter })}">more changes →</a>` : ''}</nav>`;
}
