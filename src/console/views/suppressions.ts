/**
 * Reviewed false positives (suppressions): who decided a party is not a list entry, when, why and until
 * when; a Withdraw form on each one in force, for those who may withdraw.
 */
import type { Suppression } from '../../schemas/suppressions.js';
import { html, query, type Html } from '../html.js';
import { csrfField, errorList, type PageContext } from '../layout.js';

export interface SuppressionListView {
  items: Suppression[];
  /** 'active' (default): in force now; 'all': withdrawn and expired too. */
  state: 'active' | 'all';
  entryId: string;
  cursor: string | null;
  nextCursor: string | null;
  canWithdraw: boolean;
  /** A refused withdrawal: which record, why, and the reason as typed. */
  withdraw?: { id: string; errors: Array<{ field: string; message: string }>; justification: string };
  /** A notice at the top (e.g. the record was already withdrawn). */
  notice?: string;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const who = (name: string | null | undefined, keyId: string | null) => name ?? (keyId ? `key ${keyId}` : 'the system');

function party(s: Suppression): Html {
  const named = s.name ?? s.nameKey ?? '';
  return s.partyId !== null
    ? html`party id <code>${s.partyId}</code>${named ? html`<br><small>${named}${s.country ? ` · ${s.country}` : ''}</small>` : ''}`
    : html`${named}${s.country ? html` <small>· ${s.country}</small>` : ''}`;
}

function withdrawForm(s: Suppression, v: SuppressionListView, ctx: PageContext): Html {
  const mine = v.withdraw?.id === s.id ? v.withdraw : undefined;
  const err = mine?.errors.filter((e) => e.field === '/justification').map((e) => e.message).join('; ') ?? '';
  const other = mine?.errors.filter((e) => e.field !== '/justification') ?? [];
  const id = `wd-${s.id}`;
  return html`<details${mine ? html` open` : ''}><summary>Withdraw</summary><form method="post" action="/suppressions/${s.id}/withdraw" id="${id}" novalidate>${csrfField(ctx.csrf)}
${other.length ? html`<div class="errors" role="alert">${errorList(other)}</div>` : ''}
<label for="${id}-j">Reason</label>
<textarea id="${id}-j" name="justification" rows="2" maxlength="2000" required${err ? html` aria-invalid="true" aria-describedby="${id}-j-error"` : ''}>${mine?.justification ?? ''}</textarea>
${err ? html`<p class="field-error" id="${id}-j-error" role="alert">${err}</p>` : ''}
<button type="submit" class="danger">Withdraw</button></form></details>`;
}

export function suppressionsPage(v: SuppressionListView, ctx: PageContext): Html {
  const filter = { state: v.state === 'all' ? 'all' : undefined, entryId: v.entryId || undefined };
  return html`<p>A suppression records that a party is <strong>not</strong> a list entry (a reviewed false positive). While it is in
force, later screenings of that party show the candidate as suppressed instead of flagging it; it lapses when it expires, is
withdrawn, or the agency amends the entry. Record one from a screening's page (<em>Not this entry</em> beside a candidate).</p>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
${v.withdraw && !v.items.some((s) => s.id === v.withdraw!.id) ? html`<div class="errors" role="alert"><p>Not withdrawn:</p>${errorList(v.withdraw.errors)}</div>` : ''}
<form method="get" action="/suppressions" class="card inline-form" aria-label="Filter"><div class="field"><label for="sf-state">Show</label><select id="sf-state" name="state"><option value="active"${v.state === 'active' ? html` selected` : ''}>in force now</option><option value="all"${v.state === 'all' ? html` selected` : ''}>all (withdrawn and expired too)</option></select></div>
<div class="field"><label for="sf-entry">List entry id</label><input id="sf-entry" name="entryId" value="${v.entryId}" maxlength="200"></div><button type="submit">Show</button></form>
${v.items.length
  ? html`<div class="scroll"><table class="list"><thead><tr><th>State</th><th>Party</th><th>Not this entry</th><th>Justification</th><th>Recorded</th><th>Expires</th>${v.state === 'all' ? html`<th>Withdrawal</th>` : ''}${v.canWithdraw ? html`<th></th>` : ''}</tr></thead><tbody>${v.items.map(
      (s) => html`<tr id="s-${s.id}"><td>${s.state}</td><td>${party(s)}</td><td>${s.entry.list} · ${s.entry.name}<br><small><code>${s.entry.id}</code></small></td><td>${s.justification}</td>
<td>${who(s.byName, s.by)}<br><small>${when(s.at)}</small></td><td>${when(s.expiresAt)}</td>${
        v.state === 'all' ? html`<td>${s.withdrawal ? html`${who(s.withdrawal.byName, s.withdrawal.by)}, ${when(s.withdrawal.at)}: ${s.withdrawal.justification}` : '—'}</td>` : ''
      }${v.canWithdraw ? html`<td>${s.state === 'active' ? withdrawForm(s, v, ctx) : ''}</td>` : ''}</tr>`,
    )}</tbody></table></div>`
  : html`<p class="empty">${v.state === 'active' ? 'No suppression in force.' : 'No suppression on record.'}</p>`}
<p class="pager">${v.cursor ? html`<a href="/suppressions${query(filter)}">← first page</a>` : ''}${v.nextCursor ? html`<a href="/suppressions${query({ ...filter, cursor: v.nextCursor })}">older →</a>` : ''}</p>`;
}
