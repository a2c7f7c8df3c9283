/** Work queue, one screening (with disposition and replay), new screening. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACCESS } from '../http/access.js';
import { toCountryCode } from '../lists/countries.js';
import { DispositionBody } from '../schemas/audit.js';
import { ShipmentInput } from '../schemas/shipment.js';
import type { ScreeningResult } from '../schemas/screening-result.js';
import type { RouteStop } from './charts.js';
import { AppError } from '../errors.js';
import { SuppressionBody } from '../schemas/suppressions.js';
import { partyNameKey } from '../engine/suppressions.js';
import { AlreadySubmitted, previousSubmission } from '../services/form-once.js';
import { formOnce, onceKey, onceToken } from './layout.js';
import { pageContext, type ConsoleDeps } from './index.js';
import { fieldErrorsOf, validate, type FieldErrors } from './validate.js';
import { queuePage } from './views/lists.js';
import { DEFAULT_SUPPRESSION_DAYS, screeningPage, type CurrentSuppression, type ScreeningView } from './views/screening.js';
import { newScreeningPage } from './views/forms.js';

const QUEUE_PAGE = 50;

type Form = Record<string, string>;
/** A form input's name: a JSON pointer of field names and array indexes, at most 8 deep. */
const SAFE_POINTER = /^(?:\/(?:[A-Za-z][A-Za-z0-9]{0,63}|\d{1,4})){1,8}$/;

/** Route stops with hub tiers from the active ruleset and the stops a route flag names. */
function routeStops(request: ShipmentInput, result: ScreeningResult, hubTier: (code: string) => string | null): RouteStop[] {
  const raised = result.flags.filter((f) => f.severity !== 'info');
  const stop = (raw: string | undefined, role: RouteStop['role'], subject: string, also: (cat: string) => boolean): RouteStop | null => {
    if (!raw) return null;
    const code = toCountryCode(raw) ?? raw;
    return { code, role, hub: hubTier(code), flagged: raised.some((f) => f.subject === subject || also(f.category)) };
  };
  return [
    stop(request.route.origin, 'origin', 'route.origin', () => false),
    ...(request.route.via ?? []).map((v, i) => stop(v, 'via', `route.via[${i}]`, () => false)),
    stop(request.route.destination, 'destination', 'route.destination', (c) => c === 'destination'),
  ].filter((s): s is RouteStop => s !== null);
}

/** A shipment from the form: inputs are named by JSON pointer; empty inputs are left out. */
export function shipmentFromForm(form: Form): unknown {
  const out: Record<string, unknown> = {};
  const set = (pointer: string, value: unknown) => {
    const parts = pointer.split('/').slice(1);
    let node: Record<string, unknown> | unknown[] = out;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const key = /^\d+$/.test(part) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) container[key] = value;
      else {
        // own properties only: an inherited member is never walked into
        if (!Object.hasOwn(container, key)) container[key] = /^\d+$/.test(parts[i + 1]!) ? [] : {};
        node = container[key] as Record<string, unknown>;
      }
    });
  };
  for (const [name, raw] of Object.entries(form)) {
    if (!name.startsWith('/') || typeof raw !== 'string') continue;
    // An input name is a path into the shipment: plain field names and indexes only. "/__proto__/x" or
    // "/constructor/prototype/x" would otherwise reach Object.prototype through the walk below.
    if (!SAFE_POINTER.test(name) || /\/(?:__proto__|constructor|prototype)(?:\/|$)/.test(name)) continue;
    const value = raw.trim();
    if (value === '') continue;
    if (name === '/route/via') set(name, value.split(',').map((v) => v.trim()).filter(Boolean));
    else if (name === '/permits') set(name, value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => { const [type, ...num] = l.split(/\s+/); return num.length ? { type, number: num.join(' ') } : { type }; }));
    // A whole number, with thousands separators as people write them (1,000 or 1 000), as the licence form takes them.
    else if (/^\/items\/\d+\/quantity$/.test(name)) {
      const plain = /^\d{1,3}(?:[, \u00a0\u202f]\d{3})+$/.test(value) ? value.replace(/[, \u00a0\u202f]/g, '') : value;
      set(name, /^\d+$/.test(plain) ? Number(plain) : value);
    }
    else if (/^\/parties\/\d+\/role$/.test(name)) continue; // set with the party's name below
    else set(name, value);
  }
  // A party row counts only when it has a name; its role select always has a value.
  const parties = (out.parties as Array<Record<string, unknown> | undefined> | undefined) ?? [];
  const kept: Array<Record<string, unknown>> = [];
  parties.forEach((p, i) => {
    if (p?.name !== undefined || p?.country !== undefined) kept.push({ role: form[`/parties/${i}/role`], ...p });
  });
  if (kept.length) out.parties = kept;
  else delete out.parties;
  // Item rows left blank in the middle do not become holes.
  if (Array.isArray(out.items)) out.items = (out.items as unknown[]).filter((x) => x !== undefined);
  return out;
}

export default function screeningPages(app: FastifyInstance, deps: ConsoleDeps) {
  const hubTier = (code: string) => app.rules.get().hubs.get(code)?.tier ?? null;

  app.get<{ Querystring: { order?: string; offset?: string } }>('/queue', deps.route(ACCESS.dispositions), async (request, reply) => {
    const order = request.query.order === 'risk' ? 'risk' : 'age';
    const offset = Math.max(0, Math.min(1_000_000, Number.parseInt(request.query.offset ?? '0', 10) || 0));
    const [{ items, stats, awaitingApproval }, changed] = await Promise.all([
      deps.dashboard.queue({ order, limit: QUEUE_PAGE + 1, offset, awaitingLimit: QUEUE_PAGE }),
      app.monitoring.awaitingDisposition(QUEUE_PAGE),
    ]);
    return deps.send(
      request,
      reply,
      'Work queue',
      queuePage(
        {
          items: items.slice(0, QUEUE_PAGE),
          stats,
          order,
          offset,
          limit: QUEUE_PAGE,
          hasMore: items.length > QUEUE_PAGE,
          changed,
          awaitingApproval,
          fourEyes: app.config.fourEyesDecisions,
          viewerKeyId: request.principal!.keyId,
        },
        Date.now(),
      ),
    );
  });

  const showScreening = async (id: string, request: FastifyRequest, extra: Partial<ScreeningView> = {}) => {
    const principal = request.principal!;
    const row = await app.screenings.get(id, principal);
    const result = await app.screenings.view(id, principal);
    const input = row.request as ShipmentInput;
    const canReadSuppressions = (ACCESS.readSuppressions as readonly string[]).includes(principal.role);
    return screeningPage(
      {
        result,
        request: input,
        route: routeStops(input, result, hubTier),
        canDispose: (ACCESS.dispositions as readonly string[]).includes(principal.role),
        canReplay: (ACCESS.replay as readonly string[]).includes(principal.role),
        monitoring: await app.monitoring.changesOf(row.id),
        canSeeRuns: (ACCESS.monitoring as readonly string[]).includes(principal.role),
        canSuppress: (ACCESS.suppress as readonly string[]).includes(principal.role),
        canReadSuppressions,
        currentSuppressions: canReadSuppressions ? await currentSuppressions(input) : [],
        today: new Date().toISOString().slice(0, 10),
        ...extra,
      },
      ctxOf(deps, request),
    );
  };

  /** The suppressions in force now that name one of the shipment's parties, as the engine would match them. */
  const currentSuppressions = async (input: ShipmentInput): Promise<CurrentSuppression[]> => {
    const parties = input.parties ?? [];
    if (!parties.length) return [];
    const records = await app.suppressions.forShipment(input, new Date());
    const out: CurrentSuppression[] = [];
    parties.forEach((p, i) => {
      const key = partyNameKey(p.name);
      const country = p.country !== undefined ? (toCountryCode(p.country) ?? p.country) : null;
      for (const s of records) {
        const names = s.partyId !== null ? p.partyId === s.partyId : s.partyNameKey === key && (s.partyCountry ?? null) === country;
        if (names) out.push({ party: i, entryId: s.entryId, id: s.id, by: s.by, byName: s.byName ?? null, at: s.at, expiresAt: s.expiresAt, justification: s.justification });
      }
    });
    return out;
  };

  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const checkId = (id: string) => {
    if (!uuid.test(id)) throw Object.assign(new Error(`No screening ${id}`), { statusCode: 404 });
    return id;
  };

  app.get<{ Params: { id: string } }>('/screenings/:id', deps.route(ACCESS.readScreenings), async (request, reply) => {
    const id = checkId(request.params.id);
    return deps.send(request, reply, 'Screening', await showScreening(id, request));
  });

  app.get<{ Params: { id: string } }>('/screenings/:id/replay', deps.route(ACCESS.replay), async (request, reply) => {
    const id = checkId(request.params.id);
    const replay = await app.screenings.rescreen(id, request.principal!);
    return deps.send(request, reply, 'Screening', await showScreening(id, request, { replay }));
  });

  app.post<{ Params: { id: string }; Body: Form }>('/screenings/:id/dispositions', deps.route(ACCESS.dispositions), async (request, reply) => {
    const id = checkId(request.params.id);
    const form = request.body ?? {};
    const body = {
      ...(form.action !== undefined ? { action: form.action } : {}),
      justification: typeof form.justification === 'string' ? form.justification.trim() : '',
    };
    const errors = validate(DispositionBody, body);
    if (errors.length) {
      // Nothing was recorded under the form's token: it comes back with it.
      const view = await showScreening(id, request, { formErrors: errors, formValues: { action: form.action, justification: form.justification, once: onceToken(form._once) } });
      return deps.send(request, reply, 'Screening', view, 400);
    }
    try {
      // The form's token as the Idempotency-Key: a double click records one disposition.
      const d = await deps.dispositions.record(id, body as DispositionBody, request.principal!, new Date(), onceKey(form._once));
      request.log.info({ screeningId: d.screeningId, dispositionId: d.id, action: d.action, replayed: d.replayed === true }, 'disposition');
      return reply.redirect(`/screenings/${id}`, 303);
    } catch (err) {
      // Refused by four eyes (an approval with nothing awaiting it: 409; approving one's own clearance: 403):
      // the form again, with the reason at the action and what was typed; nothing was stored under its token.
      if (err instanceof AppError && (err.status === 409 || err.status === 403) && err.code !== 'idempotency-conflict') {
        const view = await showScreening(id, request, {
          formErrors: [{ field: '/action', message: err.message }],
          formValues: { action: form.action, justification: form.justification, once: onceToken(form._once) },
        });
        return deps.send(request, reply, 'Screening', view, err.status);
      }
      if (err instanceof AppError && err.status === 400) {
        const view = await showScreening(id, request, { formErrors: fieldErrorsOf(err), formValues: { action: form.action, justification: form.justification, once: onceToken(form._once) } });
        return deps.send(request, reply, 'Screening', view, 400);
      }
      if (!(err instanceof AppError && err.code === 'idempotency-conflict')) throw err;
      const message = 'this form was already used for another disposition; these values are not recorded yet — submit again to record them';
      const view = await showScreening(id, request, { formErrors: [{ field: '/', message }], formValues: { action: form.action, justification: form.justification } });
      return deps.send(request, reply, 'Screening', view, 400);
    }
  });

  // "Not this entry": a reviewed false positive recorded from a candidate of this screening, through the same
  // SuppressionService as POST /v1/suppressions. The party is named as the shipment named it (its partyId, else
  // name + country); the form says only which party and which entry. Its once-token is claimed with the record.
  app.post<{ Params: { id: string }; Body: Form }>('/screenings/:id/suppressions', deps.route(ACCESS.suppress), async (request, reply) => {
    const id = checkId(request.params.id);
    const form = request.body ?? {};
    const principal = request.principal!;
    const once = formOnce(principal, form._once, 'suppression.create');
    const partyIndex = typeof form.party === 'string' && /^\d{1,4}$/.test(form.party) ? Number(form.party) : -1;
    const back = `/screenings/${id}#party-${Math.max(0, partyIndex)}`;
    // Sent again (a double click, a resend): the first submission recorded it.
    if (await previousSubmission(app.database.db, once)) return reply.redirect(back, 303);
    const row = await app.screenings.get(id, principal);
    const input = row.request as ShipmentInput;
    const party = input.parties?.[partyIndex];
    const entryId = typeof form.entryId === 'string' ? form.entryId : '';
    const candidate = party ? (row.result as ScreeningResult).parties.find((p) => p.index === partyIndex)?.matches.find((m) => m.entryId === entryId) : undefined;
    if (!party || !candidate) throw Object.assign(new Error('That candidate is not on this screening: reload the page and try again'), { statusCode: 400 });
    const justification = typeof form.justification === 'string' ? form.justification.trim() : '';
    const expiresOn = typeof form.expiresOn === 'string' ? form.expiresOn.trim() : '';
    const now = new Date();
    let errors: FieldErrors = [];
    let expiresAt = new Date(now.getTime() + DEFAULT_SUPPRESSION_DAYS * 86_400_000).toISOString();
    if (expiresOn !== '') {
      const d = /^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? new Date(`${expiresOn}T00:00:00Z`) : null;
      if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== expiresOn) errors.push({ field: '/expiresAt', message: 'must be a date, e.g. 2027-06-30' });
      else expiresAt = d.toISOString();
    }
    const body = {
      ...(party.partyId !== undefined ? { partyId: party.partyId } : {}),
      name: party.name,
      ...(party.country !== undefined ? { country: party.country } : {}),
      entryId,
      justification,
      expiresAt,
    };
    errors = [...errors, ...validate(SuppressionBody, body).filter((e) => !(errors.length && e.field === '/expiresAt'))];
    if (!errors.length) {
      try {
        const s = await app.suppressions.create(body as SuppressionBody, principal, now, once);
        request.log.info({ suppressionId: s.id, entryId: s.entry.id, screeningId: id, via: 'console' }, 'suppression recorded');
        return reply.redirect(back, 303);
      } catch (err) {
        if (err instanceof AlreadySubmitted) return reply.redirect(back, 303);
        errors = fieldErrorsOf(err);
      }
    }
    // Refused: the page again, the form open at its candidate with the reasons and what was typed (same token: nothing was stored under it).
    const view = await showScreening(id, request, {
      suppressForm: { party: partyIndex, entryId, errors, values: { justification: form.justification, expiresOn: form.expiresOn, once: onceToken(form._once) } },
    });
    return deps.send(request, reply, 'Screening', view, 400);
  });

  app.get('/screenings/new', deps.route(ACCESS.screen), async (request, reply) =>
    deps.send(request, reply, 'New screening', newScreeningPage({ values: {}, json: '', errors: [], mode: 'form' }, ctxOf(deps, request))),
  );

  app.post<{ Body: Form }>('/screenings/new', deps.route(ACCESS.screen), async (request, reply) => {
    const form = request.body ?? {};
    const mode = form.mode === 'json' ? 'json' : 'form';
    let input: unknown;
    let errors: FieldErrors = [];
    if (mode === 'json') {
      try {
        input = JSON.parse(form.json ?? '');
      } catch (err) {
        errors = [{ field: '/', message: `not valid JSON: ${(err as Error).message}` }];
      }
    } else input = shipmentFromForm(form);
    if (!errors.length) {
      errors = validate(ShipmentInput, input).map((e) =>
        mode === 'form' && /^\/items\/\d+\/quantity$/.test(e.field) && typeof (form[e.field] ?? '') === 'string' && !/^\s*\d+\s*$/.test(form[e.field] ?? '') && e.message !== 'is required'
          ? { ...e, message: 'must be a whole number, e.g. 1000 or 1,000' }
          : e,
      );
    }
    // Refused fields: the form comes back with its token (nothing was stored under it). A token already used
    // for other values (the browser's Back, then an edit): a fresh token, and the values are kept to resubmit.
    let once: string | undefined = onceToken(form._once);
    if (!errors.length) {
      try {
        // The form's token as the Idempotency-Key: a double click stores one screening, and both land on it.
        const { result, replayed } = await app.screenings.screen({ input: input as ShipmentInput, principal: request.principal!, idempotencyKey: onceKey(form._once), now: new Date() });
        request.log.info({ screeningId: result.id, decision: result.decision, via: 'console', replayed }, 'screening');
        return reply.redirect(`/screenings/${result.id}`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 409) {
          errors = [{ field: '/', message: 'this form was already submitted with other values; the values below are not screened yet — submit again to screen them' }];
          once = undefined;
        } else errors = fieldErrorsOf(err);
      }
    }
    const values = mode === 'form' ? form : {};
    return deps.send(request, reply, 'New screening', newScreeningPage({ values, json: mode === 'json' ? (form.json ?? '') : '', errors, mode, ...(once ? { once } : {}) }, ctxOf(deps, request)), 400);
  });
}

const ctxOf = (deps: ConsoleDeps, request: FastifyRequest) => pageContext(request, deps.sessions);
