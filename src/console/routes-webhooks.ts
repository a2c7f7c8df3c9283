/**
 * Webhooks in the console, for admins: the same WebhookService as /v1/webhooks — register an endpoint
 * (the secret shown once, in the response, never in a URL), disable and enable it, rotate its secret,
 * and read the delivery log with a redeliver button. Each event type is its own checkbox name
 * (`event:<type>`): the console's form parser keeps one value per name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS } from '../http/access.js';
import { AppError } from '../errors.js';
import { listKeys } from '../services/api-keys.js';
import { CreateWebhookEndpointBody, ListDeliveriesQuery, WEBHOOK_EVENT_TYPES } from '../schemas/webhooks.js';
import type { ConsoleDeps } from './index.js';
import { pageContext } from './index.js';
import { bidiPlain, controlPatternSaid, formOnce, onceToken } from './layout.js';
import { AlreadySubmitted, previousSubmission, type FormSubmission } from '../services/form-once.js';
import { fieldErrorsOf, mergeFieldErrors, validate, type FieldErrors } from './validate.js';
import { controlCharacterErrors } from '../services/input-guards.js';
import { checkTargetUrl, TargetRefused } from '../services/webhook-target.js';
import { deliveriesPage, EMPTY_FORM, endpointConfirmPage, webhooksPage, type DeliveryFilter, type EndpointForm, type Resent } from './views/webhooks.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const notFound = () => new AppError(404, 'not-found', 'Not found', 'No such webhook endpoint or delivery');

export default function webhookPages(app: FastifyInstance, deps: ConsoleDeps) {
  const owners = async () =>
    (await listKeys(app.database.db))
      .filter((k) => !k.revokedAt && k.role === 'submitter')
      .map((k) => ({ id: k.id, label: bidiPlain(`${k.holder ?? k.name} (${k.prefix})`) }));

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { issued?: { endpointId: string; url: string; secret: string; rotated: boolean }; form?: EndpointForm; errors?: FieldErrors; resent?: Resent; once?: string } = {},
    status = 200,
  ) =>
    deps.send(
      request,
      reply.header('cache-control', 'no-store'),
      'Webhooks',
      webhooksPage(
        {
          endpoints: await app.webhooks.listEndpoints(),
          owners: await owners(),
          issued: extra.issued ?? null,
          form: extra.form ?? EMPTY_FORM,
          errors: extra.errors ?? [],
          resent: extra.resent ?? null,
          ...(extra.once ? { once: extra.once } : {}),
        },
        pageContext(request, deps.sessions),
      ),
      status,
    );

  app.get('/webhooks', deps.route(ACCESS.admin), async (request, reply) => render(request, reply));

  /** The form sent again (a double click, a resend): what its first submission did, not a second change. */
  const resent = async (request: FastifyRequest, reply: FastifyReply, previous: FormSubmission | null) => {
    const endpoint = previous ? (await app.webhooks.listEndpoints()).find((e) => e.id === previous.targetId) : undefined;
    return render(request, reply, { resent: { kind: previous?.kind === 'webhook.rotate' ? 'rotate' : 'create', url: endpoint?.url ?? null } });
  };

  app.post<{ Body: Record<string, string> }>('/webhooks', deps.route(ACCESS.admin), async (request, reply) => {
    const raw = request.body ?? {};
    const once = formOnce(request.principal, raw._once, 'webhook.create');
    const previous = await previousSubmission(app.database.db, once);
    if (previous) return resent(request, reply, previous);
    const text = (k: string) => (typeof raw[k] === 'string' ? raw[k]!.trim() : '');
    const form: EndpointForm = {
      url: text('url'),
      description: text('description'),
      events: WEBHOOK_EVENT_TYPES.filter((e) => raw[`event:${e}`] !== undefined),
      ownerKeyId: text('ownerKeyId'),
      allowHttp: raw.allowHttp === 'true',
    };
    const body = {
      url: form.url,
      events: form.events,
      ...(form.description ? { description: form.description } : {}),
      ...(form.ownerKeyId ? { ownerKeyId: form.ownerKeyId } : {}),
      allowHttp: form.allowHttp,
    };
    // Every refused field in one answer: the schema's, then what the service would refuse next (the URL on its own,
    // the owner, control and bidirectional characters) — a URL was refused only once an event had been ticked.
    const schemaErrors = controlPatternSaid(validate(CreateWebhookEndpointBody, body), body).map((e) => (e.field === '/events' && form.events.length === 0 ? { ...e, message: 'choose at least one event' } : e));
    // Control characters are said as such, before the schema's "must match pattern" for the same field.
    const controls: FieldErrors = controlCharacterErrors({ url: form.url, description: form.description }).map((e) => ({ field: e.field, message: e.message }));
    const more: FieldErrors = [];
    if (form.url) {
      try {
        checkTargetUrl(form.url, { allowPrivate: app.config.webhooks.allowPrivate, allowHttp: form.allowHttp });
      } catch (err) {
        if (!(err instanceof TargetRefused)) throw err;
        more.push({ field: '/url', message: err.message });
      }
    }
    if (form.ownerKeyId && !(await owners()).some((o) => o.id === form.ownerKeyId)) more.push({ field: '/ownerKeyId', message: 'is not an active submitter key' });
    let errors = mergeFieldErrors(mergeFieldErrors(controls, schemaErrors), more);
    if (!errors.length) {
      try {
        const created = await app.webhooks.createEndpoint(body as CreateWebhookEndpointBody, request.principal ?? null, once);
        request.log.info({ endpointId: created.id, via: 'console' }, 'webhook endpoint registered');
        // Shown once, in this response only (no redirect: the secret must not travel in a URL).
        return render(request, reply, { issued: { endpointId: created.id, url: created.url, secret: created.secret, rotated: false } }, 201);
      } catch (err) {
        if (err instanceof AlreadySubmitted) return resent(request, reply, err.previous);
        errors = fieldErrorsOf(err);
      }
    }
    return render(request, reply, { form, errors, once: onceToken(raw._once) }, 400);
  });

  /** The endpoint a route names, or 404 (an id of the wrong shape too). */
  const endpointOf = async (id: string) => {
    const endpoint = ID.test(id) ? (await app.webhooks.listEndpoints()).find((e) => e.id === id) : undefined;
    if (!endpoint) throw notFound();
    return endpoint;
  };
  /** Disabling and rotating are asked for on a page of their own (no script needed): the list's buttons lead here. */
  const confirmPage = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, action: 'disable' | 'rotate') =>
    deps.send(
      request,
      reply.header('cache-control', 'no-store'),
      action === 'disable' ? 'Disable a webhook endpoint' : 'Rotate a signing secret',
      endpointConfirmPage(await endpointOf(request.params.id), action, pageContext(request, deps.sessions)),
    );
  for (const action of ['disable', 'rotate'] as const) {
    app.get<{ Params: { id: string } }>(`/webhooks/:id/${action}`, deps.route(ACCESS.admin), async (request, reply) => confirmPage(request, reply, action));
  }

  for (const [action, enabled] of [['disable', false], ['enable', true]] as const) {
    app.post<{ Params: { id: string }; Body: Record<string, string> }>(`/webhooks/:id/${action}`, deps.route(ACCESS.admin), async (request, reply) => {
      await endpointOf(request.params.id);
      // Disabling is confirmed first: a form without the confirmation (from before it, or posted from elsewhere) gets the question.
      if (!enabled && request.body?.confirm !== 'yes') return confirmPage(request, reply, 'disable');
      await app.webhooks.updateEndpoint(request.params.id, { enabled });
      request.log.info({ endpointId: request.params.id, enabled, via: 'console' }, 'webhook endpoint updated');
      return reply.redirect('/webhooks', 303);
    });
  }

  app.post<{ Params: { id: string }; Body: Record<string, string> }>('/webhooks/:id/rotate', deps.route(ACCESS.admin), async (request, reply) => {
    if (!ID.test(request.params.id)) throw notFound();
    const once = formOnce(request.principal, request.body?._once, 'webhook.rotate');
    const previous = await previousSubmission(app.database.db, once);
    if (previous) return resent(request, reply, previous);
    // Not confirmed (or without its once-token): the question, nothing rotated.
    if (request.body?.confirm !== 'yes' || !once) return confirmPage(request, reply, 'rotate');
    let rotated;
    try {
      rotated = await app.webhooks.rotateSecret(request.params.id, once);
    } catch (err) {
      if (err instanceof AlreadySubmitted) return resent(request, reply, err.previous);
      throw err;
    }
    request.log.info({ endpointId: rotated.id, via: 'console' }, 'webhook secret rotated');
    return render(request, reply, { issued: { endpointId: rotated.id, url: rotated.url, secret: rotated.secret, rotated: true } });
  });

  app.get<{ Querystring: Record<string, string> }>('/webhooks/deliveries', deps.route(ACCESS.admin), async (request, reply) => {
    const q = request.query ?? {};
    const pick = (k: string) => (typeof q[k] === 'string' ? q[k]! : '');
    const filter: DeliveryFilter = { endpointId: pick('endpointId'), status: pick('status'), eventType: pick('eventType'), subjectId: pick('subjectId') };
    const query = {
      ...(filter.endpointId ? { endpointId: filter.endpointId } : {}),
      ...(filter.status ? { status: [filter.status] } : {}),
      ...(filter.eventType ? { eventType: filter.eventType } : {}),
      ...(filter.subjectId ? { subjectId: filter.subjectId } : {}),
      ...(pick('cursor') ? { cursor: pick('cursor') } : {}),
      limit: 50,
    };
    const endpoints = await app.webhooks.listEndpoints();
    let errors = validate(ListDeliveriesQuery, query).map((e) => ({ ...e, field: e.field.replace(/^\/status\/0$/, '/status') }));
    let page = { items: [] as Awaited<ReturnType<typeof app.webhooks.listDeliveries>>['items'], nextCursor: null as string | null };
    if (!errors.length) {
      try {
        page = await app.webhooks.listDeliveries(query as ListDeliveriesQuery);
      } catch (err) {
        errors = fieldErrorsOf(err);
      }
    }
    return deps.send(request, reply, 'Webhook deliveries', deliveriesPage({ ...page, filter, endpoints, errors }, pageContext(request, deps.sessions)), errors.length ? 400 : 200);
  });

  app.post<{ Params: { id: string } }>('/webhooks/deliveries/:id/redeliver', deps.route(ACCESS.admin), async (request, reply) => {
    if (!ID.test(request.params.id)) throw notFound();
    let again;
    try {
      again = await app.webhooks.redeliver(request.params.id);
    } catch (err) {
      // A second click while the first redelivery waits: the endpoint's deliveries, saying so — not an error page.
      if (!(err instanceof AppError) || err.status !== 409) throw err;
      const original = await app.webhooks.getDelivery(request.params.id);
      const [page, endpoints] = await Promise.all([app.webhooks.listDeliveries({ endpointId: original.endpointId, limit: 50 } as ListDeliveriesQuery), app.webhooks.listEndpoints()]);
      const filter: DeliveryFilter = { endpointId: original.endpointId, status: '', eventType: '', subjectId: '' };
      const errors = [{ field: "/", message: `Not queued again: ${err.message}. It is listed below.` }];
      return deps.send(request, reply, 'Webhook deliveries', deliveriesPage({ ...page, filter, endpoints, errors }, pageContext(request, deps.sessions)), 409);
    }
    request.log.info({ deliveryId: again.id, redeliveryOf: request.params.id, via: 'console' }, 'webhook redelivery queued');
    return reply.redirect(`/webhooks/deliveries?endpointId=${encodeURIComponent(again.endpointId)}`, 303);
  });
}
