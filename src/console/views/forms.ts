/**
 * New screening (a form or a pasted JSON shipment) and sign-in. Form fields are named by the JSON
 * pointer they fill ("/items/0/quantity"), so the server's problem+json field errors land next to
 * the input they name without any mapping table.
 */
import { PARTY_ROLES } from '../../schemas/shipment.js';
import { html, type Html } from '../html.js';
import { csrfField, decisionBadge, errorList, onceField, type PageContext } from '../layout.js';

export const FORM_ITEMS = 3;
export const FORM_PARTIES = 4;

export type FieldErrors = Array<{ field: string; message: string }>;

const idOf = (pointer: string) => `in${pointer.replace(/[^A-Za-z0-9]+/g, '-')}`;

const errorsAt = (errs: FieldErrors, pointer: string) => errs.filter((e) => e.field === pointer || e.field.startsWith(`${pointer}/`));

/**
 * The New screening form's inputs in page order, with their labels: the refused ones are listed at the top of the
 * form as links to them, and the first is focused (autofocus: no script) — the form is long, and a refused party 4
 * or permit line was below the fold with nothing but "each is marked below" to find it by.
 */
function formFields(): Array<{ pointer: string; label: string }> {
  const out = [
    { pointer: '/reference', label: 'Reference' },
    { pointer: '/shipDate', label: 'Ship date' },
    { pointer: '/endUse', label: 'End use' },
  ];
  for (let i = 0; i < FORM_ITEMS; i++) out.push({ pointer: `/items/${i}/model`, label: `Item ${i + 1} model` }, { pointer: `/items/${i}/quantity`, label: `Item ${i + 1} quantity` });
  for (let i = 0; i < FORM_PARTIES; i++) {
    for (const [f, l] of [['role', 'role'], ['name', 'name'], ['country', 'country'], ['businessType', 'business type']] as const) out.push({ pointer: `/parties/${i}/${f}`, label: `Party ${i + 1} ${l}` });
  }
  out.push({ pointer: '/route/origin', label: 'Origin country' }, { pointer: '/route/via', label: 'Via' }, { pointer: '/route/destination', label: 'Destination country' }, { pointer: '/permits', label: 'Permits' });
  return out;
}

function input(pointer: string, label: string, values: Record<string, string>, errs: FieldErrors, attrs: Html = html``, focus: string | null = null): Html {
  const id = idOf(pointer);
  const err = errorsAt(errs, pointer).map((e) => e.message);
  return html`<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${pointer}" value="${values[pointer] ?? ''}"${attrs}${err.length ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}${focus === pointer ? html` autofocus` : ''}>
${err.length ? html`<p class="field-error" id="${id}-error">${err.join('; ')}</p>` : ''}</div>`;
}

/** The screening a form already made, when the same request is sent again (Back, then submit). */
export interface EarlierScreening {
  id: string;
  reference: string;
  decision: string;
  createdAt: string;
}

/** What the page says instead of screening the same shipment again: the earlier screening, and a deliberate way to screen it again. */
function resentSection(e: EarlierScreening, mode: 'form' | 'json', now: Date): Html {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(e.createdAt)) / 60_000));
  return html`<section class="card notice" role="status" aria-labelledby="resent-h"><h2 id="resent-h">This shipment was already screened</h2>
<p>You screened the same shipment ${minutes < 1 ? 'less than a minute' : `${minutes} min`} ago (${e.createdAt.slice(0, 19).replace('T', ' ')} UTC): <a href="/screenings/${e.id}">${e.reference}</a> ${decisionBadge(e.decision)}.
It was not screened again — the browser may have sent the form a second time (Back, then submit).</p>
<p><a class="button" href="/screenings/${e.id}">Open that screening</a> <button type="submit" form="${mode === 'json' ? 'json-form' : 'shipment-form'}" name="again" value="1">Screen it again anyway</button></p>
<p class="hint">Screening it again stores a second screening of the same shipment. To screen something else, change the values below.</p></section>`;
}

export function newScreeningPage(
  v: { values: Record<string, string>; json: string; errors: FieldErrors; mode: 'form' | 'json'; once?: string; resent?: EarlierScreening; now?: Date },
  ctx: PageContext,
): Html {
  const { values, errors } = v;
  const formErrors = v.mode === 'form' ? errors : [];
  const jsonErrors = v.mode === 'json' ? errors : [];
  // The inputs that show their own errors (an error under one, "/route/via/1", shows at it too).
  const shown = ['/reference', '/shipDate', '/endUse', '/route/origin', '/route/via', '/route/destination', '/permits'];
  for (let i = 0; i < FORM_ITEMS; i++) shown.push(`/items/${i}/model`, `/items/${i}/quantity`);
  for (let i = 0; i < FORM_PARTIES; i++) shown.push(`/parties/${i}/role`, `/parties/${i}/name`, `/parties/${i}/country`, `/parties/${i}/businessType`);
  const unplaced = formErrors.filter((e) => !shown.some((p) => e.field === p || e.field.startsWith(`${p}/`)));
  // A permit's error names its line of the textarea ("/permits/1/type": line 2).
  const permitErrors = formErrors
    .filter((e) => e.field === '/permits' || e.field.startsWith('/permits/'))
    .map((e) => {
      const line = /^\/permits\/(\d+)/.exec(e.field);
      return line ? `line ${Number(line[1]) + 1}: ${e.message}` : e.message;
    });
  const roleErrors = (p: string) => formErrors.filter((e) => e.field === `${p}/role`).map((e) => e.message);
  // The refused inputs in page order (a link to each at the top), the first focused; a refused pasted JSON: its textarea.
  const refusedFields = formFields().filter((f) => (f.pointer.endsWith('/role') ? formErrors.some((e) => e.field === f.pointer) : errorsAt(formErrors, f.pointer).length > 0));
  const focus = refusedFields[0]?.pointer ?? null;
  const fieldLinks = refusedFields.length
    ? html`<ul class="error-links">${refusedFields.map((f) => html`<li><a href="#${idOf(f.pointer)}">${f.label}</a>: ${f.pointer === '/permits' ? permitErrors.join('; ') : (f.pointer.endsWith('/role') ? roleErrors(f.pointer.slice(0, -5)) : errorsAt(formErrors, f.pointer).map((e) => e.message)).join('; ')}</li>`)}</ul>`
    : '';
  const in_ = (pointer: string, label: string, attrs: Html = html``) => input(pointer, label, values, formErrors, attrs, focus);
  return html`${v.resent ? resentSection(v.resent, v.mode, v.now ?? new Date()) : ''}<form method="post" action="/screenings/new" class="card" id="shipment-form" novalidate aria-labelledby="form-h">
<h2 id="form-h">Shipment</h2>${csrfField(ctx.csrf)}${onceField(v.mode === 'form' ? v.once : undefined)}<input type="hidden" name="mode" value="form">
${formErrors.length ? html`<div class="errors" role="alert"><p>The server refused ${formErrors.length} field${formErrors.length > 1 ? 's' : ''}; each is marked below.</p>${fieldLinks}${errorList(unplaced)}</div>` : ''}
<div class="grid">${in_('/reference', 'Reference (e.g. sales order)', html` required maxlength="100"`)}
${in_('/shipDate', 'Ship date', html` type="date"`)}
${in_('/endUse', 'End use', html` maxlength="1000"`)}</div>
<fieldset><legend>Items</legend>${Array.from({ length: FORM_ITEMS }, (_, i) => html`<div class="grid row">${in_(`/items/${i}/model`, `Item ${i + 1} model`)}
${in_(`/items/${i}/quantity`, `Item ${i + 1} quantity`, html` inputmode="numeric"`)}</div>`)}</fieldset>
<fieldset><legend>Parties</legend>${Array.from({ length: FORM_PARTIES }, (_, i) => {
    const p = `/parties/${i}`;
    const roleId = idOf(`${p}/role`);
    const roleErr = roleErrors(p);
    return html`<div class="grid row"><div class="field"><label for="${roleId}">Party ${i + 1} role</label><select id="${roleId}" name="${p}/role"${roleErr.length ? html` aria-invalid="true" aria-describedby="${roleId}-error"` : ''}${focus === `${p}/role` ? html` autofocus` : ''}>${PARTY_ROLES.map(
      (r) => html`<option${(values[`${p}/role`] ?? ['buyer', 'ultimate_consignee', 'end_user', 'freight_forwarder'][i]) === r ? html` selected` : ''}>${r}</option>`,
    )}</select>${roleErr.length ? html`<p class="field-error" id="${roleId}-error">${roleErr.join('; ')}</p>` : ''}</div>${in_(`${p}/name`, `Party ${i + 1} name`)}${in_(`${p}/country`, `Party ${i + 1} country`)}
${in_(`${p}/businessType`, `Party ${i + 1} business type`)}</div>`;
  })}</fieldset>
<fieldset><legend>Route</legend><div class="grid">${in_('/route/origin', 'Origin country')}
${in_('/route/via', 'Via (countries, comma-separated, in order)')}
${in_('/route/destination', 'Destination country', html` required`)}</div>
<p class="hint">Countries by ISO code (SG, SGP) or English name (Singapore).</p></fieldset>
<fieldset><legend>Permits</legend><div class="field"><label for="in-permits">One per line: type, then number (e.g. <code>MY_STP 12345</code>)</label>
<textarea id="in-permits" name="/permits" rows="2"${permitErrors.length ? html` aria-invalid="true" aria-describedby="in-permits-error"` : ''}${focus === '/permits' ? html` autofocus` : ''}>${values['/permits'] ?? ''}</textarea>
${permitErrors.length ? html`<p class="field-error" id="in-permits-error">${permitErrors.join('; ')}</p>` : ''}</div></fieldset>
<button type="submit">Screen shipment</button></form>
<form method="post" action="/screenings/new" class="card" id="json-form" novalidate aria-labelledby="json-h"><h2 id="json-h">Or paste a JSON shipment</h2>${csrfField(ctx.csrf)}${onceField(v.mode === 'json' ? v.once : undefined)}<input type="hidden" name="mode" value="json">
<label for="in-json">Shipment JSON, as for <code>POST /v1/screenings</code></label>
<textarea id="in-json" name="json" rows="12" class="mono"${jsonErrors.length ? html` aria-invalid="true" aria-describedby="json-errors" autofocus` : ''}>${v.json}</textarea>
${jsonErrors.length ? html`<div id="json-errors" class="errors" role="alert"><p>The server refused these fields:</p><ul>${jsonErrors.map((e) => html`<li><code>${e.field}</code> ${e.message}</li>`)}</ul></div>` : ''}
<button type="submit">Screen JSON shipment</button></form>`;
}

export function loginPage(v: { error: string | null; next: string }): Html {
  return html`<form method="post" action="/login" class="card narrow" aria-labelledby="login-h"><h2 id="login-h">Sign in with your API key</h2>
${v.error ? html`<p class="errors" role="alert">${v.error}</p>` : ''}
<input type="hidden" name="next" value="${v.next}">
<label for="api-key">API key</label><input id="api-key" name="key" type="password" autocomplete="current-password" required spellcheck="false" autofocus>
<p class="hint">Your administrator creates a key for your role (reviewer, auditor, submitter). It is exchanged for a session cookie and not kept in the browser.</p>
<button type="submit">Sign in</button></form>`;
}
