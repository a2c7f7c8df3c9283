/** Batches: the upload form and the list; one batch with its progress, downloads and the lines to look at. */
import type { BatchView } from '../../schemas/batch.js';
import { PARTY_ROLES } from '../../schemas/shipment.js';
import { CSV_COLUMNS, REQUIRED_COLUMNS } from '../../services/batch-input.js';
import type { AttentionLine } from '../../store/batches-repo.js';
import { html, query, type Html } from '../html.js';
import { csrfField, decisionBadge, errorList, navFor, onceField, utcTime, type PageContext } from '../layout.js';

/** A batch as the console lists it: its view, and who uploaded it (the key's holder, else its name; null: no key or unknown). */
export type ConsoleBatch = BatchView & { uploadedBy: string | null };

/** Stored instants always say their zone ("2026-12-07 15:26:38 UTC"). */
const when = (iso: string | null) => (iso ? utcTime(iso, 's') : '—');
const RUNNING = new Set(['receiving', 'running']);
export const isRunning = (b: Pick<BatchView, 'state'>) => RUNNING.has(b.state);

const stateBadge = (state: string) => html`<span class="badge st st-${state}">${state}</span>`;

function counts(b: BatchView): Html {
  return html`${(['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const).map((d) => html`<span class="count">${decisionBadge(d)} ${b.counts[d]}</span> `)}`;
}

/** The columns a CSV header must have: the batch service's own list. */
export const REQUIRED_CSV_COLUMNS = REQUIRED_COLUMNS;

/**
 * The CSV layout, from the columns the batch service knows (CSV_COLUMNS): the shipment's and the item's
 * columns, the party columns once with the roles they take, the required ones marked.
 */
function csvColumns(open: boolean): Html {
  const rolePrefixes = PARTY_ROLES.map((r) => `${r}_`);
  const partyFields = CSV_COLUMNS.filter((c) => c.startsWith(rolePrefixes[0]!)).map((c) => c.slice(rolePrefixes[0]!.length));
  const plain = CSV_COLUMNS.filter((c) => !rolePrefixes.some((p) => c.startsWith(p)));
  const col = (c: string) => html`<code>${c}</code>${REQUIRED_CSV_COLUMNS.includes(c) ? html` <strong class="required">(required)</strong>` : ''}`;
  const list = (cols: readonly string[]) => html`${cols.map((c, i) => html`${i ? ', ' : ''}${col(c)}`)}`;
  const group = (prefix: string) => plain.filter((c) => c.startsWith(prefix));
  const shipment = plain.filter((c) => !c.startsWith('item_') && !c.startsWith('permit_'));
  return html`<details class="csv-columns" id="csv-columns"${open ? html` open` : ''}><summary>CSV columns</summary>
<p>A header row names the columns, in any order; one row per line item, and the rows of one shipment are next to each other and share its <code>reference</code>
(the shipment's other columns may be repeated on each row or filled on one). Unknown, repeated or missing required columns refuse the whole file.</p>
<ul><li>Shipment: ${list(shipment)} — <code>route_via</code> separated by <code>;</code>, <code>services_declined</code> <code>true</code>/<code>false</code></li>
<li>Item, one per row: ${list(group('item_'))}</li>
<li>Party, one per role: <code>&lt;role&gt;_</code> followed by ${list(partyFields)}, for the roles ${PARTY_ROLES.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)} (e.g. <code>buyer_name</code>; two parties of one role: use NDJSON)</li>
<li>Permit, one per row that names one: ${list(group('permit_'))}</li></ul>
<p class="hint">Example header: <code>reference,ship_date,route_origin,route_destination,item_model,item_quantity,buyer_name,buyer_country</code></p></details>`;
}

export function uploadForm(ctx: PageContext, errors: Array<{ field: string; message: string }>, format: string, once?: string): Html {
  const errs = new Map(errors.map((e) => [e.field, e.message]));
  const fieldError = errs.get('file') ?? errs.get('/') ?? null;
  // A refused header (an unknown, repeated or missing column) opens the column list.
  const aboutColumns = errors.some((e) => /\bcolumns?\b/.test(e.message));
  return html`<form method="post" action="/batches" enctype="multipart/form-data" class="card upload" aria-labelledby="upload-h">
<h2 id="upload-h">Screen a file of shipments</h2>
${csrfField(ctx.csrf)}${onceField(once)}
${errorList(errors.filter((e) => e.field !== 'file' && e.field !== '/'))}
<p>CSV (one row per line item, rows of one shipment share a <code>reference</code>; the columns are listed under <a href="#csv-columns">CSV columns</a> below),
NDJSON (one shipment per line) or a JSON array of shipments, as <code>POST /v1/batches</code> takes them. Each shipment is checked on its own:
a bad line is reported with its line number and field, the others are screened.</p>
<div class="grid"><div class="field"><label for="b-format">Format</label><select id="b-format" name="format">
${[
  ['auto', 'from the file name (.csv, .ndjson, .jsonl, .json)'],
  ['csv', 'CSV'],
  ['ndjson', 'NDJSON'],
  ['json', 'JSON array'],
].map(([v, label]) => html`<option value="${v}"${format === v ? html` selected` : ''}>${label}</option>`)}</select></div>
<div class="field"><label for="b-file">File</label><input id="b-file" type="file" name="file" required accept=".csv,.ndjson,.jsonl,.json,text/csv,application/json,application/x-ndjson"${
    fieldError ? html` aria-invalid="true" aria-describedby="b-file-error"` : ''
  }>${fieldError ? html`<p class="field-error" id="b-file-error" role="alert">${fieldError}</p>` : ''}</div></div>
<button type="submit">Upload and screen</button>
${csvColumns(aboutColumns)}</form>`;
}

/** Who uploaded a batch, as people read it. */
const uploader = (b: ConsoleBatch) => b.uploadedBy ?? '—';

/** How many shipments: the total once the upload is complete, what has arrived so far while it goes on. */
const shipments = (b: BatchView) => (b.state === 'receiving' ? `${b.received} so far` : `${b.total}`);

export function batchesPage(
  v: { items: ConsoleBatch[]; nextCursor: string | null; canSubmit: boolean; errors: Array<{ field: string; message: string }>; format: string; once?: string },
  ctx: PageContext,
): Html {
  const table = v.items.length
    ? html`<div class="scroll"><table class="list"><thead><tr><th>Uploaded</th><th>Uploaded by</th><th>State</th><th>Format</th><th>Shipments</th><th>Done</th><th>Invalid</th><th>Failed</th><th>Decisions</th></tr></thead><tbody>
${v.items.map(
  (b) => html`<tr><td><a href="/batches/${b.id}">${when(b.createdAt)}</a></td><td>${uploader(b)}</td><td>${stateBadge(b.state)}</td><td>${b.format}</td><td>${shipments(b)}</td><td>${b.done}</td><td>${b.invalid}</td><td>${b.failed}</td><td>${counts(b)}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">No batch yet.</p>`;
  // Without the upload form (an auditor), a refused listing (a cursor this console did not hand out) still says why.
  return html`${v.canSubmit ? uploadForm(ctx, v.errors, v.format, v.once) : errorList(v.errors)}
<h2>Batches</h2>${table}
<nav class="pager" aria-label="Pages">${v.nextCursor ? html`<a href="/batches${query({ cursor: v.nextCursor })}">older batches →</a>` : ''}</nav>`;
}

/** The failed uploads under the same Idempotency-Key whose screened lines a retry took over, linked. */
function resumedFrom(ids: string[]): Html {
  const links = ids.map((id) => html`<a href="/batches/${id}">${id.slice(0, 8)}</a>`);
  return html`the failed upload${ids.length > 1 ? 's' : ''} ${links.reduce<Html>((acc, l, i) => (i === 0 ? l : html`${acc}, ${l}`), html``)}`;
}

/** What to do about a line: refused or never screened — send it again; flagged — it waits for a person's decision. */
function nextStep(l: AttentionLine, hasQueue: boolean): Html {
  if (l.status === 'flagged') return hasQueue ? html`wait for a decision in the <a href="/queue">work queue</a>` : html`a compliance officer reviews it`;
  if (l.status === 'not-screened') return html`send it again`;
  return html`correct it and send it again`;
}

export function batchPage(v: { batch: ConsoleBatch; lines: AttentionLine[]; nextAfter: number | null; after: number; canCancel: boolean }, ctx: PageContext): Html {
  const b = v.batch;
  const hasQueue = navFor(ctx.principal.role).some((n) => n.href === '/queue');
  const running = isRunning(b);
  const processed = b.done;
  return html`<section class="card" aria-labelledby="state-h"><h2 id="state-h">${stateBadge(b.state)} ${b.state === 'receiving' ? `${processed} lines done of ${b.received} received so far` : b.total ? `${processed} of ${b.total} lines done` : `${processed} lines done`}</h2>
${b.total ? html`<progress max="${b.total}" value="${processed}" aria-label="Lines done">${processed} of ${b.total}</progress>` : ''}
<dl class="facts"><dt>Uploaded</dt><dd>${when(b.createdAt)} (${b.format})</dd>
<dt>Uploaded by</dt><dd>${uploader(b)}</dd>
${b.uploadSha256 ? html`<dt>File sha256</dt><dd><code>${b.uploadSha256}</code></dd>` : ''}
<dt>Finished</dt><dd>${when(b.finishedAt)}</dd>
<dt>Screened</dt><dd>${b.screened}${b.resumed ? html` (${b.resumed.lines} of them taken over from ${resumedFrom(b.resumed.from)} under the same Idempotency-Key: screened there before it broke off, not screened again)` : ''}</dd><dt>Refused at upload</dt><dd>${b.invalid}</dd><dt>Refused by the engine</dt><dd>${b.failed}</dd>
<dt>Decisions</dt><dd>${counts(b)}</dd>
<dt>Rate</dt><dd>${b.ratePerSecond === null ? '—' : `${b.ratePerSecond} shipments/s`}${running && b.etaSeconds !== null ? ` · about ${b.etaSeconds} s left` : ''}</dd></dl>
${b.failure ? html`<p class="errors" role="alert">${b.failure.linesNotScreened} lines were not screened: ${b.failure.reason}</p>` : ''}
${running ? html`<p class="notice" role="status">Still running: this page reloads every few seconds. <a href="/batches/${b.id}">Reload now</a></p>` : ''}
<div class="actions"><p class="exports">Every line with its outcome: <a href="/batches/${b.id}/results?format=csv" download>CSV</a> · <a href="/batches/${b.id}/results?format=ndjson" download>NDJSON</a></p>
${v.canCancel && running ? html`<form method="post" action="/batches/${b.id}/cancel">${csrfField(ctx.csrf)}<button type="submit">Cancel the batch</button></form>` : ''}</div></section>
<h2>Lines to look at</h2>
<p>Lines refused at upload or by the engine, and lines never screened because the batch ended first (cancelled, or its upload broke off),
have no decision: correct them if need be and send those again. Flagged lines (${decisionBadge('REVIEW')} ${decisionBadge('LICENSE_REQUIRED')} ${decisionBadge('BLOCK')}) were screened and stored — do not send them again:
${hasQueue ? html`they wait for a decision in the <a href="/queue">work queue</a>.` : html`a compliance officer reviews them.`}</p>
${v.lines.length
  ? html`<div class="scroll"><table class="list"><thead><tr><th>Line</th><th>Reference</th><th>Outcome</th><th>Details</th><th>Next step</th></tr></thead><tbody>
${v.lines.map(
  (l) => html`<tr><td>${l.lineNo}</td><td>${l.reference ?? '—'}</td><td>${l.status === 'flagged' && l.decision ? decisionBadge(l.decision) : l.status}</td>
<td>${l.screeningId ? html`<a href="/screenings/${l.screeningId}">the screening</a>` : html`<ul class="plain">${l.errors.slice(0, 5).map((e) => html`<li>${e.line ? `row ${e.line}: ` : ''}<code>${e.field}</code> ${e.message}</li>`)}</ul>`}</td><td>${nextStep(l, hasQueue)}</td></tr>`,
)}</tbody></table></div>`
  : html`<p class="empty">${v.after > 0 ? 'No more lines to look at.' : running ? 'None so far.' : b.state === 'completed' ? 'None: every line was screened CLEAR.' : 'None.'}</p>`}
<nav class="pager" aria-label="Pages">${v.after > 0 ? html`<a href="/batches/${b.id}">← first lines</a>` : ''}
${v.nextAfter !== null ? html`<a href="/batches/${b.id}${query({ after: v.nextAfter })}">next lines →</a>` : ''}</nav>`;
}
