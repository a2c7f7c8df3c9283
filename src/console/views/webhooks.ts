/** Webhooks for admins: endpoints (register, disable/enable, rotate the secret) and the delivery log (redeliver). */
import type { WebhookDelivery, WebhookEndpoint } from '../../schemas/webhooks.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../../schemas/webhooks.js';
import { html, type Html } from '../html.js';
import { bidiPlain, bidiShown, csrfField, errorList, labelOf, onceField, resentNotice, utcTime, type FieldLabels, type PageContext } from '../layout.js';

const when = (iso: string | null) => (iso ? utcTime(iso, 's') : '—');

export interface OwnerOption {
  id: string;
  label: string;
}

export interface EndpointForm {
  url: string;
  description: string;
  events: string[];
  ownerKeyId: string;
  allowHttp: boolean;
}

/** A form sent again: what its first submission did (registered an endpoint, rotated a secret), and to which URL. */
export interface Resent {
  kind: 'create' | 'rotate';
  url: string | null;
}

/** The registration form's fields by the API's pointer (in page order): the summary links each to its input. */
export const ENDPOINT_FORM_LABELS: FieldLabels = {
  '/url': { label: 'URL', id: 'wh-url' },
  '/events': { label: 'Events', id: `wh-ev-${WEBHOOK_EVENT_TYPES[0]!.replace(/[^A-Za-z0-9]+/g, '-')}` },
  '/ownerKeyId': { label: 'Only about', id: 'wh-owner' },
  '/description': { label: 'Description', id: 'wh-desc' },
  '/allowHttp': { label: 'Allow plain http', id: 'wh-http' },
};

/** The delivery log filter's fields by the API's pointer. */
export const DELIVERY_FILTER_LABELS: FieldLabels = {
  '/endpointId': { label: 'Endpoint', id: 'dl-ep' },
  '/status': { label: 'Status', id: 'dl-st' },
  '/eventType': { label: 'Event', id: 'dl-ev' },
  '/subjectId': { label: 'Screening or batch' },
  '/cursor': { label: 'Page' },
};

export const EMPTY_FORM: EndpointForm = { url: '', description: '', events: ['screening.flagged'], ownerKeyId: '', allowHttp: false };

export function webhooksPage(
  v: {
    endpoints: WebhookEndpoint[];
    owners: OwnerOption[];
    /** A secret just issued (registration or rotation): shown in this response only. */
    issued: { endpointId: string; url: string; secret: string; rotated: boolean } | null;
    form: EndpointForm;
    errors: Array<{ field: string; message: string }>;
    resent?: Resent | null;
    /** The registration form's once-token when it is drawn again after refused fields. */
    once?: string;
  },
  ctx: PageContext,
): Html {
  const ownerLabel = new Map(v.owners.map((o) => [o.id, o.label]));
  // A refused field is marked at the field too (its message beside it, the first one focused), as on the other forms.
  const messages = (pointer: string) => v.errors.filter((e) => labelOf(e.field, ENDPOINT_FORM_LABELS) === ENDPOINT_FORM_LABELS[pointer]).map((e) => e.message);
  const refused = (pointer: string) => messages(pointer).length > 0;
  const first = Object.keys(ENDPOINT_FORM_LABELS).find(refused);
  // The summary in the form's order (the checks run schema first, then the URL and owner, then characters).
  const order = Object.values(ENDPOINT_FORM_LABELS);
  const rank = (field: string) => {
    const l = labelOf(field, ENDPOINT_FORM_LABELS);
    return l ? order.indexOf(l) : order.length;
  };
  const inPageOrder = [...v.errors].sort((a, b) => rank(a.field) - rank(b.field));
  const idOf = (pointer: string) => ENDPOINT_FORM_LABELS[pointer]!.id!;
  const fieldError = (pointer: string, id = `${idOf(pointer)}-error`) => (refused(pointer) ? html`<p class="field-error" id="${id}">${messages(pointer).join('; ')}</p>` : html``);
  const mark = (pointer: string) =>
    refused(pointer) ? html` aria-invalid="true" aria-describedby="${idOf(pointer)}-error"${first === pointer ? html` autofocus` : ''}` : html``;
  const target = v.resent?.url ? html` for <code>${bidiShown(v.resent.url)}</code>` : '';
  return html`${v.resent
    ? resentNotice(
        v.resent.kind === 'rotate'
          ? html`Its first submission rotated the signing secret${target} and showed the new secret in its answer only. If nobody copied it, rotate again below; the secrets from before keep signing until their own 24 hours end.`
          : html`Its first submission registered the endpoint${target} and showed its signing secret in its answer only. If nobody copied it, rotate the secret below.`,
      )
    : ''}${v.issued
    ? html`<section class="card created" role="status"><h2>${v.issued.rotated ? 'New signing secret' : 'Endpoint registered'}</h2>
<p>Copy the signing secret now and give it to the receiver's operators: it is shown this once.${v.issued.rotated ? ' For 24 hours deliveries carry a signature with the old secret too, so the receiver can switch without losing any.' : ''}</p>
<p><label for="new-secret">Secret for ${bidiShown(v.issued.url)}</label><input id="new-secret" class="mono" readonly value="${v.issued.secret}"></p></section>`
    : ''}
<form method="post" action="/webhooks" class="card inline-form" novalidate aria-labelledby="wh-create-h"><h2 id="wh-create-h">Register an endpoint</h2>${csrfField(ctx.csrf)}${onceField(v.once)}${errorList(inPageOrder, ENDPOINT_FORM_LABELS)}
<div class="field wide"><label for="wh-url">URL</label><input id="wh-url" name="url" type="url" required maxlength="2000" value="${v.form.url}" placeholder="https://erp.example.com/hooks/chokepoint"${mark('/url')}>${fieldError('/url')}</div>
<fieldset class="field checks"${refused('/events') ? html` aria-invalid="true" aria-describedby="wh-events-error"` : ''}><legend>Events</legend>${WEBHOOK_EVENT_TYPES.map(
    (e, i) => html`<label><input type="checkbox" id="wh-ev-${e.replace(/[^A-Za-z0-9]+/g, '-')}" name="event:${e}" value="1"${v.form.events.includes(e) ? html` checked` : ''}${i === 0 && first === '/events' ? html` autofocus` : ''}> ${e}</label> `,
  )}${fieldError('/events', 'wh-events-error')}</fieldset>
<div class="field"><label for="wh-owner">Only about</label><select id="wh-owner" name="ownerKeyId"${mark('/ownerKeyId')}><option value="">every submitter</option>${v.owners.map(
    (o) => html`<option value="${o.id}"${o.id === v.form.ownerKeyId ? html` selected` : ''}>${o.label}</option>`,
  )}</select>${fieldError('/ownerKeyId')}</div>
<div class="field"><label for="wh-desc">Description (optional)</label><input id="wh-desc" name="description" maxlength="200" value="${v.form.description}"${mark('/description')}>${fieldError('/description')}</div>
<div class="field checks"><label><input type="checkbox" id="wh-http" name="allowHttp" value="true"${v.form.allowHttp ? html` checked` : ''}${mark('/allowHttp')}> allow plain http</label>${fieldError('/allowHttp')}</div>
<button type="submit">Register</button></form>
<p class="hint">Targets must be https (http only where allowed) and may not resolve to a private, loopback or link-local address — checked here and again at every delivery.</p>
<section aria-labelledby="wh-list-h"><h2 id="wh-list-h">Endpoints</h2>${v.endpoints.length
    ? html`<div class="scroll"><table><thead><tr><th>URL</th><th>Events</th><th>Only about</th><th>Status</th><th>Registered</th><th></th></tr></thead><tbody>
${v.endpoints.map(
  (e) => html`<tr><td><code>${bidiShown(e.url)}</code>${e.description ? html`<br><small>${bidiShown(e.description)}</small>` : ''}</td><td>${e.events.join(', ')}</td>
<td>${e.ownerKeyId ? ownerLabel.get(e.ownerKeyId) ?? e.ownerKeyId : 'every submitter'}</td>
<td>${e.enabled ? 'enabled' : 'disabled'}${e.secretRotatedUntil ? html`<br><small>old secret signs until ${when(e.secretRotatedUntil)}</small>` : ''}</td>
<td>${when(e.createdAt)}</td>
<td class="actions"><a href="/webhooks/deliveries?endpointId=${e.id}">Deliveries</a>
${e.enabled
    ? html`<a class="button danger" href="/webhooks/${e.id}/disable" aria-label="Disable ${bidiPlain(e.url)}">Disable…</a>`
    : html`<form method="post" action="/webhooks/${e.id}/enable">${csrfField(ctx.csrf)}<button type="submit" aria-label="Enable ${bidiPlain(e.url)}">Enable</button></form>`}
<a class="button" href="/webhooks/${e.id}/rotate" aria-label="Rotate the secret of ${bidiPlain(e.url)}">Rotate secret…</a></td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">No endpoint registered.</p>`}</section>
<p><a href="/webhooks/deliveries">Delivery log</a></p>`;
}

export interface DeliveryFilter {
  endpointId: string;
  status: string;
  eventType: string;
  /** A screening's or batch's id (linked from the screening page). */
  subjectId: string;
}

export function deliveriesPage(
  v: { items: WebhookDelivery[]; nextCursor: string | null; filter: DeliveryFilter; endpoints: WebhookEndpoint[]; errors: Array<{ field: string; message: string }> },
  ctx: PageContext,
): Html {
  const url = new Map(v.endpoints.map((e) => [e.id, e.url]));
  const q = (extra: Record<string, string>) => {
    const p = new URLSearchParams();
    for (const [k, val] of Object.entries({ ...v.filter, ...extra })) if (val) p.set(k, val);
    const s = p.toString();
    return s ? `?${s}` : '';
  };
  return html`<form method="get" action="/webhooks/deliveries" class="filters card inline-form" aria-label="Filter deliveries">${errorList(v.errors, DELIVERY_FILTER_LABELS)}
<div class="field"><label for="dl-ep">Endpoint</label><select id="dl-ep" name="endpointId"><option value="">all</option>${v.endpoints.map(
    (e) => html`<option value="${e.id}"${e.id === v.filter.endpointId ? html` selected` : ''}>${bidiPlain(e.url)}</option>`,
  )}</select></div>
<div class="field"><label for="dl-st">Status</label><select id="dl-st" name="status"><option value="">any</option>${DELIVERY_STATUSES.map(
    (s) => html`<option${s === v.filter.status ? html` selected` : ''}>${s}</option>`,
  )}</select></div>
<div class="field"><label for="dl-ev">Event</label><select id="dl-ev" name="eventType"><option value="">any</option>${WEBHOOK_EVENT_TYPES.map(
    (e) => html`<option${e === v.filter.eventType ? html` selected` : ''}>${e}</option>`,
  )}</select></div>${v.filter.subjectId ? html`<input type="hidden" name="subjectId" value="${v.filter.subjectId}"><p class="hint">About <a href="/screenings/${v.filter.subjectId}">one screening</a> · <a href="/webhooks/deliveries">all deliveries</a></p>` : ''}<button type="submit">Show</button></form>
${v.items.length
    ? html`<div class="scroll"><table><thead><tr><th>Queued</th><th>Event</th><th>Endpoint</th><th>Status</th><th>Attempts</th><th>Last answer</th><th>Next try</th><th></th></tr></thead><tbody>
${v.items.map((d) => {
  const data = (d.payload as { data?: Record<string, unknown> } | null)?.data ?? {};
  const about = typeof data.screeningId === 'string' ? html`<br><a href="/screenings/${data.screeningId}">${typeof data.reference === 'string' ? data.reference : 'screening'}</a>` : typeof data.batchId === 'string' ? html`<br><a href="/batches/${data.batchId}">batch</a>` : '';
  return html`<tr><td>${when(d.createdAt)}${d.redeliveryOf ? html`<br><small>redelivery</small>` : ''}</td><td>${d.eventType}${about}</td>
<td><small><code>${bidiShown(url.get(d.endpointId) ?? d.endpointId)}</code></small></td><td>${d.status}</td><td>${d.attempts}</td>
<td>${d.lastStatusCode ?? ''}${d.lastError ? html`<br><small>${d.lastError}</small>` : ''}${d.deliveredAt ? html`<br><small>delivered ${when(d.deliveredAt)}</small>` : ''}</td>
<td>${when(d.nextAttemptAt)}</td>
<td>${d.status === 'succeeded' || d.status === 'failed' ? html`<form method="post" action="/webhooks/deliveries/${d.id}/redeliver">${csrfField(ctx.csrf)}<button type="submit" aria-label="Redeliver ${d.eventType} queued ${when(d.createdAt)}">Redeliver</button></form>` : ''}</td></tr>`;
})}</tbody></table></div>
${v.nextCursor ? html`<p><a href="/webhooks/deliveries${q({ cursor: v.nextCursor })}" rel="next">Older deliveries</a></p>` : ''}`
    : html`<p class="empty">No delivery${v.filter.endpointId || v.filter.status || v.filter.eventType || v.filter.subjectId ? ' matches the filter' : ' yet'}.</p>`}
<p><a href="/webhooks">Endpoints</a></p>`;
}

/**
 * The confirmation asked before an endpoint is disabled or its secret rotated (no script needed: the list links
 * here, and only this page's form acts, with the CSRF token; a rotation with a once-token, so it rotates once).
 */
export function endpointConfirmPage(e: WebhookEndpoint, action: 'disable' | 'rotate', ctx: PageContext): Html {
  const what =
    action === 'disable'
      ? html`<p>Events raised while it is disabled are not queued for it, and deliveries already queued wait until it is enabled again. Its delivery log stays.</p>`
      : html`<p>A new signing secret is made and shown once, on the next page. For 24 hours deliveries carry a signature with the current secret too, so the receiver can switch without losing any; after that only the new secret signs.${e.secretRotatedUntil ? html` <strong>A rotation is already under way</strong> (the secret before it signs until ${when(e.secretRotatedUntil)}): rotating again keeps every earlier secret signing until its own 24 hours end (the last three retired secrets at most), beside the new one.` : ''}</p>`;
  return html`<section class="card confirm" aria-labelledby="confirm-h"><h2 id="confirm-h">${action === 'disable' ? 'Disable this endpoint?' : 'Rotate the signing secret?'}</h2>
<dl class="kv"><dt>URL</dt><dd><code>${bidiShown(e.url)}</code></dd>${e.description ? html`<dt>Description</dt><dd>${bidiShown(e.description)}</dd>` : ''}<dt>Events</dt><dd>${e.events.join(', ')}</dd><dt>Status</dt><dd>${e.enabled ? 'enabled' : 'disabled'}</dd></dl>
${what}
<form method="post" action="/webhooks/${e.id}/${action}" class="actions">${csrfField(ctx.csrf)}${action === 'rotate' ? onceField() : ''}<input type="hidden" name="confirm" value="yes">
<button type="submit" class="${action === 'disable' ? 'danger-solid' : ''}">${action === 'disable' ? 'Disable the endpoint' : 'Rotate the secret'}</button> <a href="/webhooks">Cancel</a></form></section>`;
}
