/** Rules and lists (with party search) for every role; API keys for admins. */
import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../http/access.js';
import { CreateApiKeyBody } from '../http/schemas/api-keys.js';
import { describeRuleset } from '../services/active-ruleset.js';
import { createApiKey, listKeys, revokeKey } from '../services/api-keys.js';
import { AlreadySubmitted, previousSubmission, type FormSubmission } from '../services/form-once.js';
import { searchParties } from '../services/party-search.js';
import { SearchQuery } from '../schemas/party-search.js';
import type { ConsoleDeps } from './index.js';
import { pageContext } from './index.js';
import { formOnce, onceToken } from './layout.js';
import { fieldErrorsOf, validate, type FieldErrors } from './validate.js';
import { keysPage, rulesPage } from './views/admin.js';

export default function adminPages(app: FastifyInstance, deps: ConsoleDeps) {
  const db = app.database.db;

  app.get<{ Querystring: { name?: string; country?: string } }>('/rules', deps.route(ACCESS.rules), async (request, reply) => {
    const rs = app.rules.get();
    const name = request.query.name?.trim() ?? '';
    const country = request.query.country?.trim() ?? '';
    let errors: FieldErrors = [];
    let result = null;
    if (name) {
      const q = { name, ...(country ? { country } : {}), limit: 10 };
      errors = validate(SearchQuery, q);
      if (!errors.length) {
        try {
          result = searchParties(rs, q);
        } catch (err) {
          errors = fieldErrorsOf(err);
        }
      }
    }
    return deps.send(request, reply, 'Rules and lists', rulesPage(describeRuleset(rs), { name, country, result, errors }), errors.length ? 400 : 200);
  });

  type KeysExtra = Omit<Parameters<typeof keysPage>[0], 'keys' | 'created' | 'errors'> & { created?: { key: string; name: string; role: string }; errors?: FieldErrors };
  const renderKeys = async (request: Parameters<ConsoleDeps['send']>[0], reply: Parameters<ConsoleDeps['send']>[1], extra: KeysExtra = {}, status = 200) =>
    deps.send(
      request,
      reply.header('cache-control', 'no-store'),
      'API keys',
      keysPage({ ...extra, keys: await listKeys(db), created: extra.created ?? null, errors: extra.errors ?? [] }, pageContext(request, deps.sessions)),
      status,
    );

  app.get('/keys', deps.route(ACCESS.admin), async (request, reply) => renderKeys(request, reply));

  app.post<{ Body: Record<string, string> }>('/keys', deps.route(ACCESS.admin), async (request, reply) => {
    const form = request.body ?? {};
    const once = formOnce(request.principal, form._once, 'api_key.create');
    // The form sent again (a double click, a resend): the key its first submission created, not a second one.
    const resent = async (previous: FormSubmission | null) =>
      renderKeys(request, reply, { resent: (await listKeys(db)).find((k) => k.id === previous?.targetId) ?? null });
    const previous = await previousSubmission(db, once);
    if (previous) return resent(previous);
    const expires = form.expiresAt?.trim();
    const body = {
      role: form.role,
      name: form.name?.trim(),
      ...(expires ? { expiresAt: /^\d{4}-\d{2}-\d{2}$/.test(expires) ? `${expires}T23:59:59.000Z` : expires } : {}),
    };
    let errors = validate(CreateApiKeyBody, body);
    if (!errors.length) {
      try {
        const created = await createApiKey(db, body as CreateApiKeyBody, { keyId: request.principal!.keyId }, once);
        request.log.info({ apiKeyId: created.id, prefix: created.prefix, role: created.role, via: 'console' }, 'api key created');
        // Shown once, in this response only (no redirect: the key must not travel in a URL).
        return renderKeys(request, reply, { created: { key: created.key, name: created.name, role: created.role } }, 201);
      } catch (err) {
        if (err instanceof AlreadySubmitted) return resent(err.previous);
        errors = fieldErrorsOf(err);
      }
    }
    const text = (k: string) => (typeof form[k] === 'string' ? form[k] : '');
    return renderKeys(request, reply, { errors, values: { name: text('name'), role: text('role'), expiresAt: text('expiresAt'), once: onceToken(form._once) } }, 400);
  });

  app.post<{ Params: { id: string } }>('/keys/:id/revoke', deps.route(ACCESS.admin), async (request, reply) => {
    // The page offers no Revoke on the key signed in with; posted anyway, it is refused: revoking it would end this
    // session at once and could leave no admin key to sign in with. Another admin revokes it (or the CLI).
    if (request.params.id === request.principal!.keyId) {
      return renderKeys(
        request,
        reply,
        { errors: [{ field: '/', message: 'you cannot revoke the key you are signed in with: it would end this session and could lock every admin out. Another admin can revoke it, or use the CLI (keys revoke <id>).' }] },
        409,
      );
    }
    const revoked = await revokeKey(db, request.params.id, { keyId: request.principal!.keyId });
    app.keyVerifier.clear();
    request.log.info({ apiKeyId: revoked.id, prefix: revoked.prefix, via: 'console' }, 'api key revoked');
    return reply.redirect('/keys', 303);
  });
}
