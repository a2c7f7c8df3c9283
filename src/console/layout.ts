/** The page frame: navigation by role, who is signed in (the key's holder, else its name), sign-out (a CSRF-protected POST). */
import { randomUUID } from 'node:crypto';
import type { FormOnce } from '../services/form-once.js';
import { displayName, type Principal, type Role } from '../services/principal.js';
import { html, type Html } from './html.js';

export interface PageContext {
  principal: Principal;
  csrf: string;
  path: string;
}

const NAV: Array<{ href: string; label: string; roles: readonly Role[] }> = [
  { href: '/queue', label: 'Work queue', roles: ['reviewer', 'admin'] },
  { href: '/screenings/new', label: 'New screening', roles: ['submitter', 'reviewer', 'admin'] },
  { href: '/log', label: 'Flag log', roles: ['auditor', 'reviewer', 'admin'] },
  { href: '/mine', label: 'My screenings', roles: ['submitter'] },
  { href: '/batches', label: 'Batches', roles: ['submitter', 'reviewer', 'auditor', 'admin'] },
  { href: '/licences', label: 'Licences', roles: ['reviewer', 'auditor', 'admin'] },
  { href: '/suppressions', label: 'Suppressions', roles: ['reviewer', 'auditor', 'admin'] },
  { href: '/monitoring', label: 'Monitoring', roles: ['reviewer', 'auditor', 'admin'] },
  { href: '/dashboard', label: 'Dashboard', roles: ['reviewer', 'auditor', 'admin'] },
  { href: '/rules', label: 'Rules and lists', roles: ['submitter', 'reviewer', 'auditor', 'admin'] },
  { href: '/keys', label: 'API keys', roles: ['admin'] },
  { href: '/webhooks', label: 'Webhooks', roles: ['admin'] },
];

export function navFor(role: Role) {
  return NAV.filter((n) => n.roles.includes(role));
}

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

/**
 * A form that stores something (a screening, a batch) carries a token made when the page was drawn; the
 * route sends it on as the Idempotency-Key. A double click, or the browser resending the form, is then
 * answered with what the first submission stored instead of storing it twice.
 */
export function onceField(token: string = randomUUID()): Html {
  return html`<input type="hidden" name="_once" value="${token}">`;
}

const ONCE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The form's once-token as an idempotency key (`console:<uuid>`), or null when it has none or a malformed one. */
export function onceKey(value: unknown): string | null {
  return typeof value === 'string' && ONCE.test(value) ? `console:${value}` : null;
}

/**
 * A configuration form's once-token (API keys, webhook endpoints, licences) as the services take it: claimed
 * with the change, scoped to whoever drew the form, named by what the form does. Null without a valid token.
 */
export function formOnce(principal: Principal | null | undefined, value: unknown, kind: string): FormOnce | null {
  return typeof value === 'string' && ONCE.test(value) ? { scope: principal?.keyId ?? '', token: value, kind } : null;
}

/** The page's answer to a form sent again: what its first submission did, in place of doing it twice. */
export function resentNotice(what: Html | string): Html {
  return html`<section class="card notice" role="status"><h2>This form was already sent</h2><p>${what}</p></section>`;
}

/** The token of a form being drawn again (after refused fields: nothing was stored under it), else a new one. */
export function onceToken(value: unknown): string {
  return typeof value === 'string' && ONCE.test(value) ? value : randomUUID();
}

export function page(title: string, body: Html, ctx: PageContext | null): Html {
  const nav = ctx
    ? html`<nav aria-label="Main"><ul>${navFor(ctx.principal.role).map(
        (n) => html`<li><a href="${n.href}"${ctx.path === n.href ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
      )}</ul>
      <form method="post" action="/logout" class="signout">${csrfField(ctx.csrf)}<span class="who"${ctx.principal.holder && ctx.principal.holder !== ctx.principal.name ? html` title="key: ${bidiPlain(ctx.principal.name)}"` : ''}>${bidiShown(displayName(ctx.principal))} · ${ctx.principal.role}</span> <button type="submit">Sign out</button></form></nav>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Chokepoint</title><link rel="stylesheet" href="/console/console.css"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><a class="brand" href="/">Chokepoint</a>${nav}</header>
<main id="main"><h1>${title}</h1>${body}</main>
<footer>Export-control screening · not legal advice · <a href="/docs">API docs</a></footer>
</body></html>`;
}

/** A form's fields by the API's pointer: the label a person reads on the form, and the input's id to link to. */
export type FieldLabels = Readonly<Record<string, { label: string; id?: string }>>;

/** A refused field as the API names it; a form may give it its label and input id (`labelled`). */
export type ListedError = { field: string; message: string; label?: string; id?: string };

/**
 * The label of a refused field on a form: its pointer's entry in `labels`, else that of the pointer's field
 * ("/events/0", "/decision/0" are the Events and Decision inputs). Undefined for a field the form does not show.
 */
export function labelOf(field: string, labels: FieldLabels): { label: string; id?: string } | undefined {
  for (let f = field; f && f !== '/'; f = f.slice(0, f.lastIndexOf('/'))) {
    if (Object.hasOwn(labels, f)) return labels[f];
  }
  return undefined;
}

/**
 * A schema's "must match pattern '^[^\\u0000-\\u001F\\u007F]+$'" for a value that has a control character in it
 * (a tab pasted into a name), said as what it is.
 */
export function controlPatternSaid<E extends { field: string; message: string }>(errors: E[], values: Record<string, unknown>): E[] {
  return errors.map((e) => {
    const v = values[e.field.slice(1)];
    // eslint-disable-next-line no-control-regex
    return e.message.startsWith('must match pattern') && typeof v === 'string' && /[\u0000-\u001F\u007F]/.test(v) ? { ...e, message: 'must not contain control characters (a tab, a line break…)' } : e;
  });
}

/** Errors carrying their form's labels (for a view that lists errors without knowing its form's labels). */
export function labelled<E extends { field: string; message: string }>(errors: E[], labels: FieldLabels): Array<E & { label?: string; id?: string }> {
  return errors.map((e) => {
    const l = labelOf(e.field, labels);
    return l ? { ...e, label: l.label, ...(l.id ? { id: l.id } : {}) } : e;
  });
}

/**
 * The refused fields above a form. A field the form names in `labels` (or that carries its label) is given by its
 * label, linked to its input ("Expires: must be in the future"); the others by the API's pointer, as before
 * ("/expiresAt must be in the future" named a field the form calls "Expires (optional)"). An error of the whole
 * request (`/`) is its message alone.
 */
export function errorList(errors: ListedError[], labels: FieldLabels = {}): Html {
  if (!errors.length) return html``;
  return html`<div class="errors" role="alert"><p>Please correct:</p><ul>${errors.map((e) => {
    const l = e.label ? { label: e.label, id: e.id } : labelOf(e.field, labels);
    if (!l) return e.field === '/' || e.field === '' ? html`<li>${e.message}</li>` : html`<li><code>${e.field}</code> ${e.message}</li>`;
    return html`<li>${l.id ? html`<a href="#${l.id}">${l.label}</a>` : l.label}: ${e.message}</li>`;
  })}</ul></div>`;
}

/** Bidirectional embedding, override and isolate controls (as services/input-guards.ts refuses them in shipments). */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`;

/**
 * Stored text that may carry bidirectional controls (an API key's name, a webhook URL registered through the API):
 * each control shown as "[U+202E]" instead of obeyed — obeyed, "Invoice \u202Efdp.exe" read "Invoice exe.pdf" and
 * reordered what followed it on the line. For an attribute (an aria-label), `bidiPlain`.
 */
export function bidiShown(text: string | null | undefined): Html {
  const t = text ?? '';
  if (!t.match(BIDI)) return html`${t}`;
  return html`${t.split(/([\u202A-\u202E\u2066-\u2069])/).map((part, i) =>
    i % 2 ? html`<span class="bidi" title="a bidirectional control character (${codePoint(part)}) in the stored text">[${codePoint(part)}]</span>` : part,
  )}`;
}
export const bidiPlain = (text: string | null | undefined) => (text ?? '').replace(BIDI, (c) => `[${codePoint(c)}]`);

export const decisionBadge = (d: string) => html`<span class="badge d-${d.toLowerCase()}">${d.replace('_', ' ')}</span>`;

/** A stored instant for people, always with its zone: "2026-12-07 09:21 UTC" (to the second or millisecond on request). */
export function utcTime(iso: string, precision: 'min' | 's' | 'ms' = 'min'): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = new Date(t).toISOString();
  return `${s.slice(0, precision === 'min' ? 16 : precision === 's' ? 19 : 23).replace('T', ' ')} UTC`;
}

/** A UTC day for people: "7 Dec 2026". */
export function utcDay(day: string): string {
  const t = Date.parse(day);
  if (!Number.isFinite(t)) return day;
  const d = new Date(t);
  return `${d.getUTCDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
