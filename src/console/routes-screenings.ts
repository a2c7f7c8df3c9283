/** Work queue, one screening (with disposition and replay), new screening. */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../canonical-json.js';
import { ACCESS } from '../http/access.js';
import { toCountryCode } from '../lists/countries.js';
import { DispositionBody } from '../schemas/audit.js';
import { ShipmentInput } from '../schemas/shipment.js';
import type { ScreeningResult } from '../schemas/screening-result.js';
import type { RouteStop } from './charts.js';
import { AppError } from '../errors.js';
import { html, query } from './html.js';
import { SuppressionBody } from '../schemas/suppressions.js';
import { partyNameKey } from '../engine/suppressions.js';
import { AlreadySubmitted, dispositionUnderKey, KeyedSerial, previousSubmission, recentConsoleScreening, RESENT_WINDOW_MS } from '../services/form-once.js';
import { MAX_SUPPRESSION_DAYS } from '../services/suppressions.js';
import { formOnce, onceKey, onceToken } from './layout.js';
import { pageContext, type ConsoleDeps } from './index.js';
import { fieldErrorsOf, mergeFieldErrors, shipmentCheckErrors, validate, type FieldErrors } from './validate.js';
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
  return formShipment(form).shipment;
}

/**
 * The shipment a form makes, and which form row each of its items and parties came from: rows left blank
 * are left out, so the shipment's `/items/1` may be the form's third item row. `rowErrors` puts the
 * server's field errors back at the rows people typed into.
 */
export function formShipment(form: Form): { shipment: unknown; itemRows: number[]; partyRows: number[] } {
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
    else if (/^\/parties\/\d+\/role$/.test(name)) continue; // set with the party's other fields below
    else set(name, value);
  }
  // A party row counts when anything but its role is filled in (its role select always has a value). A row
  // with a country or business type but no name is kept, so the name is reported missing at that row
  // instead of the row being dropped without a word.
  const parties = Array.isArray(out.parties) ? (out.parties as Array<Record<string, unknown> | undefined>) : [];
  const kept: Array<Record<string, unknown>> = [];
  const partyRows: number[] = [];
  parties.forEach((p, i) => {
    if (p && typeof p === 'object' && Object.keys(p).length > 0) {
      kept.push({ role: form[`/parties/${i}/role`], ...p });
      partyRows.push(i);
    }
  });
  if (kept.length) out.parties = kept;
  else delete out.parties;
  // Item rows left blank in the middle do not become holes.
  const itemRows: number[] = [];
  if (Array.isArray(out.items)) {
    const items = out.items as unknown[];
    out.items = items.filter((x, i) => (x === undefined ? false : (itemRows.push(i), true)));
  }
  return { shipment: out, itemRows, partyRows };
}

/** Field errors about the built shipment, named by the form rows they came from (see formShipment). */
export function rowErrors(errors: FieldErrors, rows: { itemRows: number[]; partyRows: number[] }): FieldErrors {
  return errors.map((e) => {
    const m = /^\/(items|parties)\/(\d+)(\/.*)?$/.exec(e.field);
    if (!m) return e;
    const row = (m[1] === 'items' ? rows.itemRows : rows.partyRows)[Number(m[2])];
    if (row === undefined) return e;
    const field = `/${m[1]}/${row}${m[3] ?? ''}`;
    // A party row with other fields filled in and no name: say why a name is asked for.
    const message = m[1] === 'parties' && m[3] === '/name' && e.message === 'is required' ? 'name is required when other party fields are set' : e.message;
    return { field, message };
  });
}

export default function screeningPages(app: FastifyInstance, deps: ConsoleDeps) {
  /** The resubmission checks, one at a time per identical form (services/form-once.ts). */
  const resubmits = new KeyedSerial();
  const hubTier = (code: string) => app.rules.get().hubs.get(code)?.tier ?? null;

  app.get<{ Querystring: { order?: unknown; cursor?: unknown } }>('/queue', deps.route(ACCESS.dispositions), async (request, reply) => {
    const order = request.query.order === 'risk' ? 'risk' : 'age';
    // Keyset pages (services/dashboard.ts): the cursor is the address bar's, hostile — given twice it arrives as an
    // array and is refused as any other cursor this console did not hand out (400 naming it, never a 500).
    const rawCursor = request.query.cursor;
    const cursor = rawCursor === undefined || rawCursor === '' ? null : typeof rawCursor === 'string' ? rawCursor : '\u0000';
    let queue: Awaited<ReturnType<typeof deps.dashboard.queue>>;
    let changed: Awaited<ReturnType<typeof app.monitoring.awaitingDisposition>>;
    try {
      [queue, changed] = await Promise.all([
        deps.dashboard.queue({ order, limit: QUEUE_PAGE, cursor, awaitingLimit: QUEUE_PAGE }),
        app.monitoring.awaitingDisposition(QUEUE_PAGE),
      ]);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      const body = html`<p class="errors" role="alert">${err.message}</p>
<p><a href="/queue${query({ order: order === 'risk' ? 'risk' : undefined })}">Go to the first page of the work queue</a></p>`;
      return deps.send(request, reply, 'Work queue', body, 400);
    }
    const view = queuePage(
      {
        items: queue.items,
        stats: queue.stats,
        order,
        first: queue.first,
        prevCursor: queue.prevCursor,
        nextCursor: queue.nextCursor,
        changed,
        awaitingApproval: queue.awaitingApproval,
        fourEyes: app.config.fourEyesDecisions,
        checks: app.rules.get().checkRuleIds,
        viewerKeyId: request.principal!.keyId,
      },
      Date.now(),
    );
    return deps.send(request, reply, 'Work queue', view);
  });

  const showScreening = async (id: string, request: FastifyRequest, extra: Partial<ScreeningView> = {}) => {
    const principal = request.principal!;
    const row = await app.screenings.get(id, principal);
    const result = await app.screenings.view(id, principal);
    const input = row.request as ShipmentInput;
    const canReadSuppressions = (ACCESS.readSuppressions as readonly string[]).includes(principal.role);
    // The page's title names the shipment (several screenings open in tabs are told apart).
    const title = `Screening ${row.reference}`;
    const body = screeningPage(
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
    return { title, body };
  };
  const sendScreening = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Partial<ScreeningView> = {}, status = 200) => {
    const { title, body } = await showScreening(id, request, extra);
    return deps.send(request, reply, title, body, status);
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
        if (names) out.push({ party: i, entryId: s.entryId, entryList: s.entryList ?? null, id: s.id, by: s.by, byName: s.byName ?? null, at: s.at, expiresAt: s.expiresAt, justification: s.justification });
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
    return sendScreening(request, reply, id);
  });

  app.get<{ Params: { id: string } }>('/screenings/:id/replay', deps.route(ACCESS.replay), async (request, reply) => {
    const id = checkId(request.params.id);
    const replay = await app.screenings.rescreen(id, request.principal!);
    return sendScreening(request, reply, id, { replay });
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
      return deps.send(request, reply, view.title, view.body, 400);
    }
    const principal = request.principal!;
    const key = onceKey(form._once);
    const now = new Date();
    // The browser's Back re-draws the page with a fresh token and restores what was typed: the same key
    // recording the same action with the same justification as the screening's latest disposition, within
    // minutes, is that form again. Nothing is recorded; the page says it was. (The same token — a double
    // click — is left to the idempotency key below, which answers with the first.)
    // One at a time per key, screening, action and justification on this replica, so two identical forms sent
    // at once see each other (the check, then the record it guards).
    const asked = body as DispositionBody;
    const sameForm = `dispose\n${principal.keyId ?? ''}\n${id}\n${asked.action}\n${createHash('sha256').update(asked.justification ?? '').digest('hex')}`;
    try {
      const outcome = await resubmits.run(sameForm, async () => {
        if (!(await dispositionUnderKey(app.database.db, principal.keyId, key))) {
          const history = await deps.dispositions.history(id, principal);
          const latest = history[history.length - 1];
          if (latest && latest.by === principal.keyId && latest.action === asked.action && latest.justification === asked.justification && now.getTime() - Date.parse(latest.at) <= RESENT_WINDOW_MS) {
            return { kind: 'resent' as const, latest };
          }
        }
        // The form's token as the Idempotency-Key: a double click records one disposition.
        return { kind: 'recorded' as const, d: await deps.dispositions.record(id, asked, principal, now, key) };
      });
      if (outcome.kind === 'resent') {
        const latest = outcome.latest;
        request.log.info({ screeningId: id, dispositionId: latest.id, via: 'console' }, 'disposition form sent again; not recorded again');
        return sendScreening(request, reply, id, { resent: latest });
      }
      const d = outcome.d;
      request.log.info({ screeningId: d.screeningId, dispositionId: d.id, action: d.action, replayed: d.replayed === true }, 'disposition');
      // At the Dispositions list, where the one just recorded is shown (not at the top of a long page).
      return reply.redirect(`/screenings/${id}#disp-h`, 303);
    } catch (err) {
      // Refused by four eyes (an approval with nothing awaiting it: 409; approving one's own clearance: 403):
      // the form again, with the reason at the action and what was typed; nothing was stored under its token.
      if (err instanceof AppError && (err.status === 409 || err.status === 403) && err.code !== 'idempotency-conflict') {
        const view = await showScreening(id, request, {
          formErrors: [{ field: '/action', message: err.message }],
          formValues: { action: form.action, justification: form.justification, once: onceToken(form._once) },
        });
        return deps.send(request, reply, view.title, view.body, err.status);
      }
      if (err instanceof AppError && err.status === 400) {
        const view = await showScreening(id, request, { formErrors: fieldErrorsOf(err), formValues: { action: form.action, justification: form.justification, once: onceToken(form._once) } });
        return deps.send(request, reply, view.title, view.body, 400);
      }
      if (!(err instanceof AppError && err.code === 'idempotency-conflict')) throw err;
      const message = 'this form was already used for another disposition; these values are not recorded yet — submit again to record them';
      const view = await showScreening(id, request, { formErrors: [{ field: '/', message }], formValues: { action: form.action, justification: form.justification } });
      return deps.send(request, reply, view.title, view.body, 400);
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
    // The candidate by list and id (an id is unique only within its list); a form from before the list was sent
    // names the candidate only if its id is on one list among this party's candidates.
    const entryList = typeof form.entryList === 'string' ? form.entryList : null;
    const sameId = party ? ((row.result as ScreeningResult).parties.find((p) => p.index === partyIndex)?.matches ?? []).filter((m) => m.entryId === entryId) : [];
    const candidate = entryList !== null ? sameId.find((m) => m.list === entryList) : sameId.length === 1 ? sameId[0] : undefined;
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
      entryList: candidate.list,
      justification,
      expiresAt,
    };
    errors = [...errors, ...validate(SuppressionBody, body).filter((e) => !(errors.length && e.field === '/expiresAt'))];
    // The service checks the expiry's range only once the body is valid: a blank justification and a past date were
    // refused one after the other (fix one, send, be refused again). Said at once, by the service's rule.
    if (errors.length && !errors.some((e) => e.field === '/expiresAt')) {
      const at = Date.parse(expiresAt);
      if (!(at > now.getTime())) errors.push({ field: '/expiresAt', message: 'must be in the future' });
      else if (at > now.getTime() + MAX_SUPPRESSION_DAYS * 86_400_000) errors.push({ field: '/expiresAt', message: `must be at most ${MAX_SUPPRESSION_DAYS} days ahead` });
    }
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
      suppressForm: { party: partyIndex, entryId, entryList: candidate.list, errors, values: { justification: form.justification, expiresOn: form.expiresOn, once: onceToken(form._once) } },
    });
    return deps.send(request, reply, view.title, view.body, 400);
  });

  app.get('/screenings/new', deps.route(ACCESS.screen), async (request, reply) =>
    deps.send(request, reply, 'New screening', newScreeningPage({ values: {}, json: '', errors: [], mode: 'form' }, ctxOf(deps, request))),
  );

  app.post<{ Body: Form }>('/screenings/new', deps.route(ACCESS.screen), async (request, reply) => {
    const form = request.body ?? {};
    const principal = request.principal!;
    const mode = form.mode === 'json' ? 'json' : 'form';
    const now = new Date();
    let input: unknown;
    let rows: { itemRows: number[]; partyRows: number[] } | null = null;
    let errors: FieldErrors = [];
    if (mode === 'json') {
      try {
        input = JSON.parse(form.json ?? '');
      } catch (err) {
        errors = [{ field: '/', message: `not valid JSON: ${(err as Error).message}` }];
      }
    } else {
      const built = formShipment(form);
      input = built.shipment;
      rows = built;
    }
    if (!errors.length) errors = shipmentErrors(input, now);
    if (rows) errors = wholeNumbers(rowErrors(errors, rows), form);
    // Refused fields: the form comes back with its token (nothing was stored under it). A token already used
    // for other values (the browser's Back, then an edit): a fresh token, and the values are kept to resubmit.
    let once: string | undefined = onceToken(form._once);
    if (!errors.length) {
      const key = onceKey(form._once);
      // The browser's Back re-draws this no-store page with a fresh token and restores what was typed: the
      // same request from the same key within minutes is that form again, not a second shipment. It is not
      // screened again unless the person says so ("Screen it again anyway" sends `again`). The same token
      // (a double click) is left to the idempotency key below, which lands on the first screening.
      // The check and the screening it guards run one at a time for one key's identical requests on this replica
      // (two tabs, or Back-then-submit while the first is still being stored): the second sees the first.
      const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');
      const checked = <T>(work: () => Promise<T>) => (form.again === '1' ? work() : resubmits.run(`screen\n${principal.keyId ?? ''}\n${requestHash}`, work));
      try {
        const outcome = await checked(async () => {
          if (form.again !== '1') {
            const earlier = await recentConsoleScreening(app.database.db, principal.keyId, requestHash, now);
            if (earlier && earlier.idempotencyKey !== key) return { kind: 'resent' as const, earlier };
          }
          // The form's token as the Idempotency-Key: a double click stores one screening, and both land on it.
          return { kind: 'screened' as const, ...(await app.screenings.screen({ input: input as ShipmentInput, principal, idempotencyKey: key, now })) };
        });
        if (outcome.kind === 'resent') {
          const earlier = outcome.earlier;
          request.log.info({ screeningId: earlier.id, via: 'console' }, 'screening form sent again; not screened again');
          const page = newScreeningPage({ values: mode === 'form' ? form : {}, json: mode === 'json' ? (form.json ?? '') : '', errors: [], mode, resent: earlier, now }, ctxOf(deps, request));
          return deps.send(request, reply, 'New screening', page);
        }
        const { result, replayed } = outcome;
        request.log.info({ screeningId: result.id, decision: result.decision, via: 'console', replayed }, 'screening');
        return reply.redirect(`/screenings/${result.id}`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 409) {
          errors = [{ field: '/', message: 'this form was already submitted with other values; the values below are not screened yet — submit again to screen them' }];
          once = undefined;
        } else {
          errors = fieldErrorsOf(err);
          if (rows) errors = rowErrors(errors, rows);
        }
      }
    }
    const values = mode === 'form' ? form : {};
    return deps.send(request, reply, 'New screening', newScreeningPage({ values, json: mode === 'json' ? (form.json ?? '') : '', errors, mode, ...(once ? { once } : {}) }, ctxOf(deps, request)), 400);
  });

  /**
   * Every field error the server can find before screening, in one answer: the schema's, and — alongside
   * them — the checks the screening service would make next (countries and permit types the ruleset knows,
   * items, limits, control characters, formulas, dates), each at its own field.
   */
  const shipmentErrors = (input: unknown, now: Date): FieldErrors => {
    const schema = validate(ShipmentInput, input);
    // No ruleset loaded: screening answers 503 by itself; the schema's errors are all there is to say.
    if (!app.rules.loaded) return schema;
    const more = shipmentCheckErrors(input, app.rules.get(), (shaped) => app.screenings.inputErrors(shaped as Parameters<typeof app.screenings.inputErrors>[0], now));
    return mergeFieldErrors(schema, more);
  };
}

/** A quantity typed as something other than digits is asked for as a whole number (errors named by form row). */
function wholeNumbers(errors: FieldErrors, form: Form): FieldErrors {
  return errors.map((e) =>
    /^\/items\/\d+\/quantity$/.test(e.field) && typeof (form[e.field] ?? '') === 'string' && !/^\s*\d+\s*$/.test(form[e.field] ?? '') && e.message !== 'is required'
      ? { ...e, message: 'must be a whole number, e.g. 1000 or 1,000' }
      : e,
  );
}

const ctxOf = (deps: ConsoleDeps, request: FastifyRequest) => pageContext(request, deps.sessions);
