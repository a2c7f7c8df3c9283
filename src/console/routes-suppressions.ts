/**
 * Reviewed false positives in the console: the list (reviewer, auditor, admin — ACCESS.readSuppressions) and
 * withdrawing one (reviewer, admin — ACCESS.suppress), through the same SuppressionService as /v1/suppressions.
 * Recording one is on the screening page ("Not this entry", routes-screenings.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { ACCESS } from '../http/access.js';
import { WithdrawalBody, type Suppression } from '../schemas/suppressions.js';
import { pageContext, type ConsoleDeps } from './index.js';
import { fieldErrorsOf, validate, type FieldErrors } from './validate.js';
import { suppressionsPage, type SuppressionListView } from './views/suppressions.js';

type Form = Record<string, string>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Rows per page, and how many records the "in force" view reads at most to fill one (it skips the others). */
const PAGE = 100;
const SCAN_PAGES = 20;

export default function suppressionPages(app: FastifyInstance, deps: ConsoleDeps) {
  const canWithdraw = (request: FastifyRequest) => (ACCESS.suppress as readonly string[]).includes(request.principal!.role);

  const showList = async (
    request: FastifyRequest,
    reply: FastifyReply,
    q: { state?: string | undefined; entryId?: string | undefined; cursor?: string | undefined },
    extra: Pick<SuppressionListView, 'withdraw' | 'notice'> = {},
    status = 200,
  ) => {
    const state = q.state === 'all' ? 'all' : 'active';
    const entryId = (q.entryId ?? '').trim();
    const cursor = q.cursor?.trim() || null;
    if (entryId.length > 200) throw Object.assign(new Error('The list entry id is at most 200 characters'), { statusCode: 400 });
    if (cursor && cursor.length > 200) throw Object.assign(new Error('That page link is not valid; start from the first page'), { statusCode: 400 });
    const now = new Date();
    let items: Suppression[] = [];
    let next: string | null = cursor;
    // "In force now": read pages newest first until one is full (withdrawn and expired records skipped).
    for (let i = 0; i < (state === 'all' ? 1 : SCAN_PAGES); i++) {
      const page = await app.suppressions.list({ limit: PAGE, ...(next ? { cursor: next } : {}), ...(entryId ? { entryId } : {}) }, now);
      items = items.concat(state === 'all' ? page.items : page.items.filter((s) => s.state === 'active'));
      next = page.nextCursor;
      if (!next || items.length >= PAGE) break;
    }
    return deps.send(
      request,
      reply,
      'Suppressions',
      suppressionsPage({ items, state, entryId, cursor, nextCursor: next, canWithdraw: canWithdraw(request), ...extra }, pageContext(request, deps.sessions)),
      status,
    );
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/suppressions', deps.route(ACCESS.readSuppressions), async (request, reply) =>
    showList(request, reply, request.query),
  );

  app.post<{ Params: { id: string }; Body: Form }>('/suppressions/:id/withdraw', deps.route(ACCESS.suppress), async (request, reply) => {
    const id = request.params.id;
    if (!UUID.test(id)) throw Object.assign(new Error(`No suppression ${id}`), { statusCode: 404 });
    const form = request.body ?? {};
    const justification = typeof form.justification === 'string' ? form.justification.trim() : '';
    let errors: FieldErrors = validate(WithdrawalBody, { justification });
    if (!errors.length) {
      try {
        await app.suppressions.withdraw(id, { justification }, request.principal, new Date());
        request.log.info({ suppressionId: id, via: 'console' }, 'suppression withdrawn');
        return reply.redirect('/suppressions', 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 409) {
          const s = await app.suppressions.get(id, new Date());
          // The same person's form sent twice (a double click): the first withdrew it.
          if (s.withdrawal && s.withdrawal.by !== null && s.withdrawal.by === request.principal?.keyId) return reply.redirect('/suppressions', 303);
          const by = s.withdrawal ? ` by ${s.withdrawal.byName ?? s.withdrawal.by ?? 'the system'} at ${s.withdrawal.at}` : '';
          return showList(request, reply, {}, { notice: `That suppression was already withdrawn${by}; nothing was changed.` }, 409);
        }
        errors = fieldErrorsOf(err);
      }
    }
    return showList(request, reply, {}, { withdraw: { id, errors, justification: form.justification ?? '' } }, 400);
  });
}
