/** Webhooks for admins: endpoints (register, disable/enable, rotate the secret) and the delivery log (redeliver). */
import type { WebhookDelivery, WebhookEndpoint } from '../../schemas/webhooks.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../../schemas/webhooks.js';
import { html, type Html } from '../html.js';
import { csrfField, errorList, onceField, resentNotice, utcTime, type PageContext } from '../layout.js';

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
  const target = v.resent?.url ? html` for <code>${v.resent.url}</code>` : '';
  return html`${v.resent
    ? resentNotice(
        v.resent.kind === 'rotate'
          ? html`Its first submission rotated the signing secret${target} and showed the new secret in its answer only. If nobody copied it, rotate again below; the secret from before the first rotation then stops signing at once.`
          : html`Its first submission registered the endpoint${target} and showed its signing secret in its answer only. If nobody copied it, rotate the secret below.`,
      )
    : ''}${v.issued
    ? html`<section class="card created" role="status"><h2>${v.issued.rotated ? 'New signing secret' : 'Endpoint registered'}</h2>
<p>Copy the signing secret now and give it to the receiver's operators: it is shown this once.${v.issued.rotated ? ' For 24 hours deliveries carry a signature with the old secret too, so the receiver can switch without losing any.' : ''}</p>
<p><label for="new-secret">Secret for ${v.issued.url}</label><input id="new-secret" class="mono" readonly value="${v.issued.secret}"></p></section>`
    : ''}
<form method="post" action="/webhooks" class="card inline-form" novalidate aria-labelledby="wh-create-h"><h2 id="wh-create-h">Register an endpoint</h2>${csrfField(ctx.csrf)}${onceField(v.once)}${errorList(v.errors)}
<div class="field wide"><label for="wh-url">URL</label><input id="wh-url" name="url" type="url" required maxlength="2000" value="${v.form.url}" placeholder="https://erp.example.com/hooks/chokepoint"></div>
<fieldset class="field checks"><legend>Events</legend>${WEBHOOK_EVENT_TYPES.map(
    (e) => html`<label><input type="checkbox" name="event:${e}" value="1"${v.form.events.includes(e) ? html` checked` : ''}> ${e}</label> `,
  )}</fieldset>
<div class="field"><label for="wh-owner">Only about</label><select id="wh-owner" name="ownerKeyId"><option value="">every submitter</option>${v.owners.map(
    (o) => html`<option value="${o.id}"${o.id === v.form.ownerKeyId ? html` selected` : ''}>${o.label}</option>`,
  )}</select></div>
<div class="field"><label for="wh-desc">Description (optional)</label><input id="wh-desc" name="description" maxlength="200" value="${v.form.description}"></div>
<div class="field checks"><label><input type="checkbox" name="allowHttp" value="true"${v.form.allowHttp ? html` checked` : ''}> allow plain http</label></div>
<button type="submit">Register</button></form>
<p class="hint">Targets must be https (http only where allowed) and may not resolve to a private, loopback or link-local address — checked here and again at every delivery.</p>
<section aria-labelledby="wh-list-h"><h2 id="wh-list-h">Endpoints</h2>${v.endpoints.length
    ? html`<div class="scroll"><table><thead><tr><th>URL</th><th>Events</th><th>Only about</th><th>Status</th><th>Registered</th><th></th></tr></thead><tbody>
${v.endpoints.map(
  (e) => html`<tr><td><code>${e.url}</code>${e.description ? html`<br><small>${e.description}</small>` : ''}</td><td>${e.events.join(', ')}</td>
<td>${e.ownerKeyId ? ownerLabel.get(e.ownerKeyId) ?? e.ownerKeyId : 'every submitter'}</td>
<td>${e.enabled ? 'enabled' : 'disabled'}${e.secretRotatedUntil ? html`<br><small>old secret signs until ${when(e.secretRotatedUntil)}</small>` : ''}</td>
<td>${when(e.createdAt)}</td>
<td class="actions"><a href="/webhooks/deliveries?endpointId=${e.id}">Deliveries</a>
<form method="post" action="/webhooks/${e.id}/${e.enabled ? 'disable' : 'enable'}">${csrfField(ctx.csrf)}<button type="submit"${e.enabled ? html` class="danger"` : ''} aria-label="${e.enabled ? 'Disable' : 'Enable'} ${e.url}">${e.enabled ? 'Disable' : 'Enable'}</button></form>
<form method="post" action="/webhooks/${e.id}/rotate">${csrfField(ctx.csrf)}${onceField()}<button type="submit" aria-label="Rotate the secret of ${e.url}">Rotate secret</button></form></td></tr>`,
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
  return html`<form method="get" action="/webhooks/deliveries" class="filters card inline-form" aria-label="Filter deliveries">${errorList(v.errors)}
<div class="field"><label for="dl-ep">Endpoint</label><select id="dl-ep" name="endpointId"><option value="">all</option>${v.endpoints.map(
    (e) => html`<option value="${e.id}"${e.id === v.filter.endpointId ? html` selected` : ''}>${e.url}</option>`,
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
<td><small><code>${url.get(d.endpointId) ?? d.endpointId}</code></small></td><td>${d.status}</td><td>${d.attempts}</td>
<td>${d.lastStatusCode ?? ''}${d.lastError ? html`<br><small>${d.lastError}</small>` : ''}${d.deliveredAt ? html`<br><small>delivered ${when(d.deliveredAt)}</small>` : ''}</td>
<td>${when(d.nextAttemptAt)}</td>
<td>${d.status === 'succeeded' || d.status === 'failed' ? html`<form method="post" action="/webhooks/deliveries/${d.id}/redeliver">${csrfField(ctx.csrf)}<button type="submit" aria-label="Redeliver ${d.eventType} queued ${when(d.createdAt)}">Redeliver</button></form>` : ''}</td></tr>`;
})}</tbody></table></div>
${v.nextCursor ? html`<p><a href="/webhooks/deliveries${q({ cursor: v.nextCursor })}" rel="next">Older deliveries</a></p>` : ''}`
    : html`<p class="empty">No delivery${v.filter.endpointId || v.filter.status || v.filter.eventType || v.filter.subjectId ? ' matches the filter' : ' yet'}.</p>`}
<p><a href="/webhooks">Endpoints</a></p>`;
}
