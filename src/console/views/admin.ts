/** Dashboard, rules and lists (with party search), API keys. */
import { MAX_DASHBOARD_DAYS, type Dashboard } from '../../services/dashboard.js';
import type { SearchResponse } from '../../schemas/party-search.js';
import { ROLES } from '../../services/principal.js';
import { WAIT_BUCKET_HOURS } from '../../store/dashboard-repo.js';
import { hbars, stackedBars } from '../charts.js';
import { html, type Html } from '../html.js';
import { ago, bidiPlain, bidiShown, csrfField, decisionBadge, errorList, onceField, resentNotice, utcDay, utcTime, type FieldLabels, type PageContext } from '../layout.js';

const hours = (s: number | null) => (s === null ? '—' : s < 3600 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} d`);

/**
 * The dashboard over [from, to] (UTC days, both included). `d` is null when the period was refused (a date that is
 * not one, more than MAX_DASHBOARD_DAYS, from after to): then no figures are drawn — none of another period either —
 * and each error is said at its field.
 */
export function dashboardPage(d: Dashboard | null, v: { from: string; to: string; errors: Array<{ field: string; message: string }> }, now: number): Html {
  const series = [
    { key: 'BLOCK', label: 'block' },
    { key: 'LICENSE_REQUIRED', label: 'licence required' },
    { key: 'REVIEW', label: 'review' },
    { key: 'CLEAR', label: 'clear' },
  ];
  const bucketLabels = [...WAIT_BUCKET_HOURS.map((h, i) => (i === 0 ? `< ${h} h` : `${WAIT_BUCKET_HOURS[i - 1]}–${h} h`)), `≥ ${WAIT_BUCKET_HOURS[WAIT_BUCKET_HOURS.length - 1]} h`];
  const errs = new Map(v.errors.map((e) => [e.field, e.message]));
  const field = (name: 'from' | 'to', label: string) => {
    const err = errs.get(`/${name}`);
    // An input of type date cannot hold what is not a date: the typed text is in the error message instead.
    return html`<div class="field"><label for="d-${name}">${label}</label><input id="d-${name}" type="date" name="${name}" value="${v[name]}"${err ? html` aria-invalid="true" aria-describedby="d-${name}-error"` : ''}>${err ? html`<p class="field-error" id="d-${name}-error">${err}</p>` : ''}</div>`;
  };
  const form = html`<form method="get" action="/dashboard" class="filters card inline-form period-form" aria-label="Period">${errorList(v.errors)}
${field('from', 'From')}
${field('to', 'To (inclusive)')}<button type="submit">Show</button></form>`;
  if (!d) {
    return html`${form}<p class="notice refused" role="status">No figures are shown: the period was refused. Pick a period of at most ${MAX_DASHBOARD_DAYS} days, From on or before To, or <a href="/dashboard">show the last 30 days</a>.</p>`;
  }
  return html`${form}
<p class="period">Period: <strong>${utcDay(v.from)} – ${utcDay(v.to)}</strong> (UTC days, both included)</p>
<section class="stats" aria-label="Queue now"><div class="stat"><span class="n">${d.queue.total}</span> waiting now</div>
<div class="stat">oldest waits <span class="n">${d.queue.oldest ? ago(d.queue.oldest, now) : '—'}</span></div>
<div class="stat">decided in period <span class="n">${d.waiting.decided}</span></div>
<div class="stat">median wait <span class="n">${hours(d.waiting.p50)}</span></div><div class="stat">90th pct <span class="n">${hours(d.waiting.p90)}</span></div></section>
<div class="charts">${stackedBars('Decisions per day (UTC)', d.perDay, series)}
${hbars('Rules that fire most (screenings not CLEAR)', d.topRules.map((r) => ({ label: r.ruleId, value: r.n })))}
${hbars('Intermediary countries on flagged routes (red: a transshipment hub in the active ruleset)', d.intermediaries.map((c) => ({ label: c.country, value: c.n, note: c.hub ? `hub, ${c.hub}` : undefined, mark: c.hub !== null })))}
${hbars('Time to a final disposition (flagged screenings of the period)', bucketLabels.map((label, i) => ({ label, value: d.waiting.buckets[i] ?? 0 })))}</div>
<p class="hint">Period ${utcTime(d.period.from)} – ${utcTime(d.period.to)} (end excluded). ${decisionBadge('BLOCK')} ${decisionBadge('LICENSE_REQUIRED')} ${decisionBadge('REVIEW')} wait in the queue until cleared, licence applied or blocked.</p>`;
}

export interface RulesInfoView {
  name: string;
  version: string;
  hash: string;
  mode: string;
  asOf: string;
  counts: Record<string, number>;
  lists: Array<{ name: string; file: string; format: string; entryCount: number; generatedAt: string | null }>;
  sources: Record<string, string>;
  effectiveDates: Array<{ ruleId: string; effectiveFrom: string | null; effectiveTo: string | null }>;
}

export function rulesPage(r: RulesInfoView, search: { name: string; country: string; result: SearchResponse | null; errors: Array<{ field: string; message: string }> }): Html {
  return html`<section class="card"><h2>Active ruleset</h2><dl class="kv"><dt>Name</dt><dd>${r.name}</dd><dt>Version</dt><dd>${r.version}</dd><dt>Hash</dt><dd><code>${r.hash}</code></dd>
<dt>Mode</dt><dd>${r.mode}</dd><dt>As of</dt><dd>${r.asOf}</dd>
<dt>Counts</dt><dd>${Object.entries(r.counts).map(([k, n]) => `${k} ${n}`).join(' · ')}</dd></dl></section>
<section><h2>Party lists</h2><div class="scroll"><table><thead><tr><th>List</th><th>Published</th><th>Entries</th><th>File</th></tr></thead><tbody>
${r.lists.map((l) => html`<tr><td>${l.name}</td><td>${l.generatedAt ?? '—'}</td><td>${l.entryCount.toLocaleString('en')}</td><td><small>${l.file} (${l.format})</small></td></tr>`)}</tbody></table></div></section>
<section aria-labelledby="search-h"><h2 id="search-h">Party search</h2><form method="get" action="/rules#search-h" class="filters card inline-form">${errorList(search.errors)}
<div class="field"><label for="s-name">Name</label><input id="s-name" name="name" value="${search.name}" required></div>
<div class="field"><label for="s-country">Country (optional)</label><input id="s-country" name="country" value="${search.country}"></div><button type="submit">Search</button></form>
${search.result
  ? search.result.results.length
    ? html`<div class="scroll"><table><thead><tr><th>Listed name</th><th>List</th><th>Score</th><th>Match</th><th>Explanation</th></tr></thead><tbody>${search.result.results.map(
        (x) => html`<tr><td>${x.name}${x.matchedName !== x.name ? html`<br><small>alias ${x.matchedName}</small>` : ''}<br><small>${x.countries.join(', ')}</small></td><td>${x.list}</td><td>${x.score.toFixed(3)}</td><td>${x.match ? 'yes' : 'no'}</td>
<td>${x.explanation.summary}<ul class="pieces">${x.explanation.pieces.map((p) => html`<li>${p.name}: ${p.value.toFixed(2)}${p.note ? ` — ${p.note}` : ''}</li>`)}</ul></td></tr>`,
      )}</tbody></table></div><p class="hint">Threshold ${search.result.threshold}</p>`
    : html`<p class="empty">No candidate.</p>`
  : ''}</section>
<section><h2>Sources</h2><ul>${Object.entries(r.sources).map(([k, s]) => html`<li><strong>${k}</strong>: ${s}</li>`)}</ul></section>
<details><summary>Effective dates of ${r.effectiveDates.length} rules</summary><table><tbody>${r.effectiveDates.map((e) => html`<tr><td><code>${e.ruleId}</code></td><td>${e.effectiveFrom ?? '—'}</td><td>${e.effectiveTo ?? '—'}</td></tr>`)}</tbody></table></details>`;
}

export interface KeyRow {
  id: string;
  prefix: string;
  role: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** The person or system holding the key (API `holder`): who the console, events and exports name. */
  holder?: string | null;
}

/** The create-key form's fields by the API's pointer: the summary names each by its label, linked to its input. */
export const KEY_FORM_LABELS: FieldLabels = {
  '/name': { label: "Holder's name", id: 'k-name' },
  '/role': { label: 'Role', id: 'k-role' },
  '/expiresAt': { label: 'Expires', id: 'k-exp' },
};

/** Who holds a key, for people: the holder, and the key's own name when it differs. */
export const keyHolder = (k: Pick<KeyRow, 'holder' | 'name'>) => bidiPlain(`${k.holder ?? k.name}${k.holder && k.holder !== k.name ? ` (${k.name})` : ''}`);
const holderShown = (k: Pick<KeyRow, 'holder' | 'name'>) => html`${bidiShown(k.holder ?? k.name)}${k.holder && k.holder !== k.name ? html` (${bidiShown(k.name)})` : ''}`;

/** A key's status for the admin: revoked, expired (it no longer signs in, though nobody revoked it) or active. */
export function keyStatus(k: KeyRow, now: number): string {
  if (k.revokedAt) return `revoked ${k.revokedAt.slice(0, 10)}`;
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return `expired ${k.expiresAt.slice(0, 10)}`;
  return 'active';
}

export function keysPage(
  v: {
    keys: KeyRow[];
    created: { key: string; name: string; role: string } | null;
    errors: Array<{ field: string; message: string }>;
    /** The form drawn again after refused fields: what was typed, and its once-token. */
    values?: { name?: string; role?: string; expiresAt?: string; once?: string };
    /** The form was sent again: the key its first submission created. */
    resent?: KeyRow | null;
    /** A key revoked (just now, or earlier: `already`), said at the top of the page. */
    revoked?: { key: KeyRow; already: boolean } | null;
  },
  ctx: PageContext,
  now: number = Date.now(),
): Html {
  const values = v.values ?? {};
  // A refused field is marked at the field (its message beside it, the first one focused), not only in the list at
  // the top: "/expiresAt must be in the future" left the date input looking accepted.
  const refused = (name: string) => v.errors.find((e) => e.field === `/${name}`);
  const first = ['name', 'role', 'expiresAt'].find((name) => refused(name));
  const errorOf = (name: string, id: string) => {
    const e = refused(name);
    return e ? html`<p class="field-error" id="${id}-error">${e.message}</p>` : html``;
  };
  const markOf = (name: string, id: string) =>
    refused(name) ? html` aria-invalid="true" aria-describedby="${id}-error"${first === name ? html` autofocus` : ''}` : html``;
  return html`${v.revoked
    ? html`<section class="card notice" role="status"><h2>${v.revoked.already ? 'Already revoked' : 'Key revoked'}</h2><p>The key of ${holderShown(v.revoked.key)} (${v.revoked.key.role}, prefix <code>${v.revoked.key.prefix}</code>) ${v.revoked.already ? html`was already revoked${v.revoked.key.revokedAt ? ` at ${utcTime(v.revoked.key.revokedAt)}` : ''}: nothing was changed.` : html`is revoked${v.revoked.key.revokedAt ? ` as of ${utcTime(v.revoked.key.revokedAt)}` : ''}: it no longer signs in, and its sessions ended.`}</p></section>`
    : ''}${v.resent
    ? resentNotice(
        html`Its first submission created the key of ${bidiShown(v.resent.name)} (${v.resent.role}, prefix <code>${v.resent.prefix}</code>) at ${utcTime(v.resent.createdAt)}. The key was shown in the answer to that submission only and is stored as a hash: if nobody copied it, revoke it below and create another.`,
      )
    : ''}${v.created
    ? html`<section class="card created" role="status"><h2>Key created for ${bidiShown(v.created.name)} (${v.created.role})</h2><p>Copy it now and hand it over securely: it is shown this once and stored only as a hash.</p>
<p><label for="new-key">New key</label><input id="new-key" class="mono" readonly value="${v.created.key}"></p></section>`
    : ''}
<form method="post" action="/keys" class="card inline-form" novalidate aria-labelledby="create-h"><h2 id="create-h">Create a key</h2>${csrfField(ctx.csrf)}${onceField(values.once)}${errorList(v.errors, KEY_FORM_LABELS)}
<div class="field"><label for="k-name">Holder's name</label><input id="k-name" name="name" required maxlength="100" value="${values.name ?? ''}"${markOf('name', 'k-name')}>${errorOf('name', 'k-name')}</div>
<div class="field"><label for="k-role">Role</label><select id="k-role" name="role"${markOf('role', 'k-role')}>${ROLES.map((r) => html`<option${r === values.role ? html` selected` : ''}>${r}</option>`)}</select>${errorOf('role', 'k-role')}</div>
<div class="field"><label for="k-exp">Expires (optional)</label><input id="k-exp" name="expiresAt" type="date" value="${values.expiresAt ?? ''}"${markOf('expiresAt', 'k-exp')}>${errorOf('expiresAt', 'k-exp')}</div><button type="submit">Create key</button></form>
<div class="scroll"><table><thead><tr><th>Holder</th><th>Key name</th><th>Role</th><th>Prefix</th><th>Created</th><th>Expires (UTC)</th><th>Status</th><th></th></tr></thead><tbody>
${v.keys.map(
  // The holder is who the rest of the console names (dispositions, the signed-in line, exports): the admin looks
  // a person's key up by it. Keys created without one are named by the key's name, as everywhere else.
  (k) => html`<tr><td>${bidiShown(k.holder ?? k.name)}</td><td>${bidiShown(k.name)}</td><td>${k.role}</td><td><code>${k.prefix}</code></td><td>${utcTime(k.createdAt)}</td><td>${k.expiresAt?.slice(0, 10) ?? '—'}</td>
<td>${keyStatus(k, now)}</td>
<td>${!k.revokedAt && k.id !== ctx.principal.keyId ? html`<a class="button danger" href="/keys/${k.id}/revoke" aria-label="Revoke the key of ${keyHolder(k)}">Revoke…</a>` : ''}</td></tr>`,
)}</tbody></table></div>`;
}


/**
 * The confirmation asked before a key is revoked (revoking cannot be undone: the holder's programs and sessions
 * stop at once). Works without script: the list links here, and only this page's form revokes — with the CSRF
 * token and a once-token, so a double click or a resent form revokes once and says what the first one did.
 */
export function revokeKeyPage(k: KeyRow, ctx: PageContext, now: number = Date.now()): Html {
  return html`<section class="card confirm" aria-labelledby="confirm-h"><h2 id="confirm-h">Revoke the key of ${holderShown(k)}?</h2>
<dl class="kv"><dt>Holder</dt><dd>${bidiShown(k.holder ?? k.name)}</dd><dt>Key name</dt><dd>${bidiShown(k.name)}</dd><dt>Role</dt><dd>${k.role}</dd><dt>Prefix</dt><dd><code>${k.prefix}</code></dd>
<dt>Created</dt><dd>${utcTime(k.createdAt)}</dd><dt>Status</dt><dd>${keyStatus(k, now)}</dd></dl>
<p>Revoking cannot be undone: every program and console session using this key stops at once. To give the holder access again, create a new key.</p>
<form method="post" action="/keys/${k.id}/revoke" class="actions">${csrfField(ctx.csrf)}${onceField()}<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger-solid">Revoke this key</button> <a href="/keys">Cancel, keep the key</a></form></section>`;
}
