/**
 * Export licences in the console: list and read (reviewer, auditor, admin), issue, amend and revoke
 * (reviewer, admin) through the same LicenceService as /v1/licences, with the same schema checks;
 * the service's field errors are shown at the inputs they name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS } from '../http/access.js';
import { LicenceInput, LicenceRevokeBody } from '../schemas/licence.js';
import { AppError } from '../errors.js';
import { AlreadySubmitted, previousSubmission } from '../services/form-once.js';
import { formOnce } from './layout.js';
import type { ConsoleDeps } from './index.js';
import { pageContext } from './index.js';
import { fieldErrorsOf, validate, type FieldErrors } from './validate.js';
import { licenceFormPage, licenceFormValues, licenceListPage, licencePage, licenceState, stateRefusal, type DrawScreening, type LicenceDetailView, type LicenceListFilter } from './views/licences.js';
import type { Html } from './html.js';

type Form = Record<string, string>;

/**
 * The service's refusal as errors at the form: field errors of a 400, or a state conflict (409: the licence is
 * revoked) said at the form's top, with the status the page then answers.
 */
function refusalOf(err: unknown): { errors: FieldErrors; status: 400 | 409 } {
  if (err instanceof AppError && err.status === 409) return { errors: [{ field: '/', message: err.message }], status: 409 };
  return { errors: fieldErrorsOf(err), status: 400 };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATES = ['valid', 'expired', 'not yet valid', 'revoked'] as const;
/** How many of a licence's draws get their screening's reference looked up (the rest show the id). */
const DRAW_LOOKUP = 500;

const today = () => new Date().toISOString().slice(0, 10);
const list = (raw: string) => raw.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);

/**
 * A licence's terms (and an amendment's reason) from the form. Inputs are named by JSON pointer;
 * empty ones are left out so the schema says "is required" at the field. Numbers that do not parse
 * stay text, so the schema names the field rather than the form guessing.
 */
export function licenceFromForm(form: Form): { terms: Record<string, unknown>; reason: string | null } {
  const get = (k: string) => (typeof form[k] === 'string' ? form[k]!.trim() : '');
  const terms: Record<string, unknown> = {};
  for (const k of ['number', 'destination', 'validFrom', 'validTo', 'conditions'] as const) if (get(`/${k}`)) terms[k] = get(`/${k}`);
  if (get('/eccns')) terms.eccns = list(get('/eccns'));
  if (get('/chips')) terms.chips = list(get('/chips'));
  const quantity = get('/quantity').replace(/[,_\s]/g, '');
  if (quantity) terms.quantity = /^\d{1,15}$/.test(quantity) ? Number(quantity) : quantity;
  const value = get('/valueUsd').replace(/[,_\s$]/g, '');
  if (value) terms.valueUsd = /^\d{1,15}(\.\d{1,2})?$/.test(value) ? Number(value) : value;
  const parties: Array<Record<string, string>> = [];
  for (let i = 0; i < 50; i++) {
    const name = get(`/parties/${i}/name`);
    const country = get(`/parties/${i}/country`);
    if (!name && !country) continue;
    parties.push({ role: get(`/parties/${i}/role`), ...(name ? { name } : {}), ...(country ? { country } : {}) });
  }
  if (parties.length) terms.parties = parties;
  return { terms, reason: get('/reason') || null };
}

/**
 * Field errors point at the parties as submitted to the service (blank rows dropped); the form's rows
 * keep their own numbers, so map /parties/<k>/… back to the row it came from.
 */
function toFormRows(errors: FieldErrors, form: Form): FieldErrors {
  const rows: number[] = [];
  for (let i = 0; i < 50; i++) if ((form[`/parties/${i}/name`] ?? '').trim() || (form[`/parties/${i}/country`] ?? '').trim()) rows.push(i);
  return errors.map((e) => {
    const m = /^\/parties\/(\d+)(\/.*)?$/.exec(e.field);
    return m && rows[Number(m[1])] !== undefined ? { ...e, field: `/parties/${rows[Number(m[1])]}${m[2] ?? ''}` } : e;
  });
}

export default function licencePages(app: FastifyInstance, deps: ConsoleDeps) {
  const canWrite = (request: FastifyRequest) => (ACCESS.licencesWrite as readonly string[]).includes(request.principal!.role);
  const checkId = (id: string) => {
    if (!UUID.test(id)) throw Object.assign(new Error(`No licence ${id}`), { statusCode: 404 });
    return id;
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/licences', deps.route(ACCESS.licencesRead), async (request, reply) => {
    const filter: LicenceListFilter = {};
    for (const k of ['status', 'destination', 'number', 'state'] as const) {
      const v = request.query[k]?.trim();
      if (v) filter[k] = v;
    }
    let errors: FieldErrors = [];
    if (filter.status && filter.status !== 'active' && filter.status !== 'revoked') errors.push({ field: '/status', message: 'must be active or revoked' });
    if (filter.state && !(STATES as readonly string[]).includes(filter.state)) errors.push({ field: '/state', message: `must be one of ${STATES.join(', ')}` });
    // A control character (`%00` from a pasted link) is refused naming the field, as the flag log's text filters are:
    // it was looked up, answered "no licence matches" and written back into the filter form.
    for (const k of ['number', 'destination'] as const) {
      if (filter[k] && /[\u0000-\u001f\u007f-\u009f]/.test(filter[k])) errors.push({ field: `/${k}`, message: 'must not contain control characters' });
    }
    if (filter.number && filter.number.length > 40) errors.push({ field: '/number', message: 'must be at most 40 characters' });
    if (filter.destination && filter.destination.length > 64) errors.push({ field: '/destination', message: 'must be at most 64 characters' });
    let items: Awaited<ReturnType<typeof app.licences.list>> = [];
    if (!errors.length) {
      try {
        items = await app.licences.list({
          ...(filter.status ? { status: filter.status as 'active' | 'revoked' } : {}),
          ...(filter.destination ? { destination: filter.destination } : {}),
          ...(filter.number ? { number: filter.number } : {}),
        });
      } catch (err) {
        errors = fieldErrorsOf(err);
      }
    }
    const day = today();
    if (filter.state) items = items.filter((l) => licenceState(l, day) === filter.state);
    return deps.send(request, reply, 'Licences', licenceListPage({ items, filter, errors, canWrite: canWrite(request), today: day }), errors.length ? 400 : 200);
  });

  app.get('/licences/new', deps.route(ACCESS.licencesWrite), async (request, reply) =>
    deps.send(request, reply, 'Record a licence', licenceFormPage({ values: {}, errors: [] }, pageContext(request, deps.sessions))),
  );

  app.post<{ Body: Form }>('/licences/new', deps.route(ACCESS.licencesWrite), async (request, reply) => {
    const form = request.body ?? {};
    const once = formOnce(request.principal, form._once, 'licence.issue');
    const previous = await previousSubmission(app.database.db, once);
    // The form sent again (a double click, a resend): the licence its first submission recorded.
    if (previous) return reply.redirect(`/licences/${previous.targetId}`, 303);
    const { terms } = licenceFromForm(form);
    let errors = validate(LicenceInput, terms);
    if (!errors.length) {
      try {
        const created = await app.licences.issue(terms as LicenceInput, request.principal, new Date(), once);
        request.log.info({ licenceId: created.id, via: 'console' }, 'licence recorded');
        return reply.redirect(`/licences/${created.id}`, 303);
      } catch (err) {
        if (err instanceof AlreadySubmitted && err.previous) return reply.redirect(`/licences/${err.previous.targetId}`, 303);
        errors = fieldErrorsOf(err);
      }
    }
    return deps.send(request, reply, 'Record a licence', licenceFormPage({ values: form, errors: toFormRows(errors, form) }, pageContext(request, deps.sessions)), 400);
  });

  const showLicence = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: { revokeErrors?: FieldErrors; revokeReason?: string; refusal?: Html } = {}, status = 200) => {
    const licence = (await app.licences.get(id)) as LicenceDetailView;
    const screenings = new Map<string, DrawScreening>();
    if (licence.draws.length) {
      const limit = Math.min(DRAW_LOOKUP, app.config.limits.maxPageSize);
      const page = await deps.query.list({ licence: licence.number, limit }, request.principal);
      for (const s of page.items) screenings.set(s.id, { reference: s.reference, decision: s.decision });
    }
    return deps.send(request, reply, `Licence ${licence.number}`, licencePage({ licence, screenings, canWrite: canWrite(request), canQueue: (ACCESS.dispositions as readonly string[]).includes(request.principal!.role), today: today(), ...extra }, pageContext(request, deps.sessions)), status);
  };

  app.get<{ Params: { id: string } }>('/licences/:id', deps.route(ACCESS.licencesRead), async (request, reply) => showLicence(request, reply, checkId(request.params.id)));

  app.get<{ Params: { id: string } }>('/licences/:id/amend', deps.route(ACCESS.licencesWrite), async (request, reply) => {
    const licence = await app.licences.get(checkId(request.params.id));
    // Revoked: the licence's page, with why there is no form and what to do instead.
    if (licence.status === 'revoked') return showLicence(request, reply, licence.id, { refusal: stateRefusal('amended', `Licence ${licence.number} is revoked: a revoked licence cannot be amended; record a new one to authorise shipments again.`) }, 409);
    return deps.send(request, reply, `Amend licence ${licence.number}`, licenceFormPage({ values: licenceFormValues(licence), errors: [], amend: { id: licence.id, number: licence.number } }, pageContext(request, deps.sessions)));
  });

  app.post<{ Params: { id: string }; Body: Form }>('/licences/:id/amend', deps.route(ACCESS.licencesWrite), async (request, reply) => {
    const id = checkId(request.params.id);
    const form = request.body ?? {};
    const once = formOnce(request.principal, form._once, 'licence.amend');
    // Sent again: the first submission amended it (a second would record the same terms as one more version).
    if (await previousSubmission(app.database.db, once)) return reply.redirect(`/licences/${id}`, 303);
    const current = await app.licences.get(id);
    const { terms, reason } = licenceFromForm(form);
    let errors = validate(LicenceInput, terms);
    if (reason !== null && reason.length > 2000) errors.push({ field: '/reason', message: 'must be at most 2000 characters' });
    let status: 400 | 409 = 400;
    if (!errors.length) {
      try {
        await app.licences.amend(id, terms as LicenceInput, reason, request.principal, new Date(), once);
        request.log.info({ licenceId: id, via: 'console' }, 'licence amended');
        return reply.redirect(`/licences/${id}`, 303);
      } catch (err) {
        if (err instanceof AlreadySubmitted) return reply.redirect(`/licences/${id}`, 303);
        ({ errors, status } = refusalOf(err));
      }
    }
    // Refused for the licence's state (revoked since the form was drawn): said as such, not as fields to correct; what was typed stays.
    const refused = status === 409 ? { refusal: stateRefusal('amended', errors.map((e) => e.message).join('; ')), errors: [] } : { errors: toFormRows(errors, form) };
    return deps.send(request, reply, `Amend licence ${current.number}`, licenceFormPage({ values: form, ...refused, amend: { id, number: current.number } }, pageContext(request, deps.sessions)), status);
  });

  app.post<{ Params: { id: string }; Body: Form }>('/licences/:id/revoke', deps.route(ACCESS.licencesWrite), async (request, reply) => {
    const id = checkId(request.params.id);
    const once = formOnce(request.principal, request.body?._once, 'licence.revoke');
    // Sent again: the first submission revoked it (the second would only be told it is already revoked).
    if (await previousSubmission(app.database.db, once)) return reply.redirect(`/licences/${id}`, 303);
    const reason = typeof request.body?.reason === 'string' ? request.body.reason.trim() : '';
    let errors = validate(LicenceRevokeBody, { reason });
    let status: 400 | 409 = 400;
    if (!errors.length) {
      try {
        await app.licences.revoke(id, reason, request.principal, new Date(), once);
        request.log.info({ licenceId: id, via: 'console' }, 'licence revoked');
        return reply.redirect(`/licences/${id}`, 303);
      } catch (err) {
        if (err instanceof AlreadySubmitted) return reply.redirect(`/licences/${id}`, 303);
        // Already revoked (409): the service's detail says when; the page says nothing was changed.
        ({ errors, status } = refusalOf(err));
      }
    }
    // Already revoked (409): said at the top of the page; refused fields (400) at the reason.
    if (status === 409) return showLicence(request, reply, id, { refusal: stateRefusal('revoked', errors.map((e) => e.message).join('; ')) }, status);
    return showLicence(request, reply, id, { revokeErrors: errors.map((e) => (e.field === '/' ? e : { ...e, field: '/reason' })), revokeReason: request.body?.reason ?? '' }, status);
  });
}
