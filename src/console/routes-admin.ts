/** Rules and lists (with party search) for every role; API keys for admins. */
import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../http/access.js';
import { CreateApiKeyBody } from '../http/schemas/api-keys.js';
import { describeRuleset } from '../services/active-ruleset.js';
import { createApiKey, listKeys, revokeKey } from '../services/api-keys.js';
import { AlreadySubmitted, previousSubmission, withFormOnce, type FormSubmission } from '../services/form-once.js';
import { AppError } from '../errors.js';
import { searchParties } from '../services/party-search.js';
import { SearchQuery } from '../schemas/party-search.js';
import type { ConsoleDeps } from './index.js';
import { pageContext } from './index.js';
import { controlPatternSaid, formOnce, onceToken } from './layout.js';
import { fieldErrorsOf, mergeFieldErrors, validate, type FieldErrors } from './validate.js';
import { controlCharacterErrors } from '../services/input-guards.js';
import { keysPage, revokeKeyPage, rulesPage } from './views/admin.js';

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

  app.get<{ Querystring: { revoked?: string } }>('/keys', deps.route(ACCESS.admin), async (request, reply) => {
    // After a revocation (303 here): the key named at the top, when it is revoked — a stale or altered link shows nothing.
    const id = typeof request.query.revoked === 'string' ? request.query.revoked : '';
    const key = id ? (await listKeys(db)).find((k) => k.id === id && k.revokedAt) : undefined;
    return renderKeys(request, reply, key ? { revoked: { key, already: false } } : {});
  });

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
    // A name with bidirectional controls displays as something else (\u202E: "fdp.exe" reads "exe.pdf") wherever it is shown.
    let errors = mergeFieldErrors(controlCharacterErrors({ name: body.name }).map((e) => ({ field: e.field, message: e.message })), controlPatternSaid(validate(CreateApiKeyBody, body), body));
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

  const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
  const noKey = () => new AppError(404, 'not-found', 'Not found', 'No such API key');
  // The page offers no Revoke on the key signed in with; asked anyway, it is refused: revoking it would end this
  // session at once and could leave no admin key to sign in with. Another admin revokes it (or the CLI).
  const ownKey = (request: Parameters<ConsoleDeps['send']>[0], reply: Parameters<ConsoleDeps['send']>[1]) =>
    renderKeys(
      request,
      reply,
      { errors: [{ field: '/', message: 'you cannot revoke the key you are signed in with: it would end this session and could lock every admin out. Another admin can revoke it, or use the CLI (keys revoke <id>).' }] },
      409,
    );
  const keyOf = async (id: string) => (KEY_ID.test(id) ? (await listKeys(db)).find((k) => k.id === id) : undefined);

  // Revoking is asked for on a page of its own (no script needed): the list's Revoke leads here.
  app.get<{ Params: { id: string } }>('/keys/:id/revoke', deps.route(ACCESS.admin), async (request, reply) => {
    const key = await keyOf(request.params.id);
    if (!key) throw noKey();
    if (key.id === request.principal!.keyId) return ownKey(request, reply);
    if (key.revokedAt) return renderKeys(request, reply, { revoked: { key, already: true } });
    return deps.send(request, reply.header('cache-control', 'no-store'), 'Revoke an API key', revokeKeyPage(key, pageContext(request, deps.sessions)));
  });

  app.post<{ Params: { id: string }; Body: Record<string, string> }>('/keys/:id/revoke', deps.route(ACCESS.admin), async (request, reply) => {
    const key = await keyOf(request.params.id);
    if (!key) throw noKey();
    if (key.id === request.principal!.keyId) return ownKey(request, reply);
    const form = request.body ?? {};
    const once = formOnce(request.principal, form._once, 'api_key.revoke');
    // The form sent again (a double click, Back then resend): what the first submission did, not a second change.
    const done = async () => renderKeys(request, reply, { revoked: { key: (await keyOf(key.id)) ?? key, already: true } });
    if (await previousSubmission(db, once)) return done();
    if (key.revokedAt) return done();
    // Not confirmed (a form from before the confirmation, or one posted from elsewhere): the question, nothing revoked.
    if (form.confirm !== 'yes' || !once) {
      return deps.send(request, reply.header('cache-control', 'no-store'), 'Revoke an API key', revokeKeyPage(key, pageContext(request, deps.sessions)));
    }
    let revoked;
    try {
      revoked = await withFormOnce(db, once, key.id, new Date().toISOString(), (t) => revokeKey(t, key.id, { keyId: request.principal!.keyId }));
    } catch (err) {
      if (err instanceof AlreadySubmitted) return done();
      throw err;
    }
    app.keyVerifier.clear();
    request.log.info({ apiKeyId: revoked.id, prefix: revoked.prefix, via: 'console' }, 'api key revoked');
    return reply.redirect(`/keys?revoked=${encodeURIComponent(revoked.id)}`, 303);
  });
}
