/**
 * QA 13, the API contract against what the service does — the committed openapi/openapi.json checked
 * against real responses and real event payloads (JSON Schema 2020-12, as OpenAPI 3.1 defines its schemas):
 * - POST /v1/batches declares its body by content type (CSV and NDJSON strings, a JSON array of Shipment), in
 *   the committed document and in the one the service serves; GET /v1/batches/{id}/results declares NDJSON
 *   lines as the `BatchResultLine` component, and every line a batch writes (screened, invalid, failed) is one.
 * - The headers the responses carry are declared on them: Location and Idempotent-Replayed (201/202: a
 *   screening, a batch, a disposition; Location on a suppression), X-RateLimit-* (2xx and 429), Retry-After
 *   (429, 503, the batch upload's 409).
 * - The `webhooks` section's bodies are what the service sends: a real screening.flagged, batch.completed
 *   and screening.changed message (webhookPayload of the published event) each validate against its component.
 * - GET /v1/screenings/{id} carries `monitoring` — the decision a monitoring run changed it to, as the flag
 *   log's item does — after a real list import changed a decision; null for an unchanged screening.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importListFile } from '../../src/lists/index.js';
import { createRulesetLoader } from '../../src/services/active-ruleset.js';
import type { ChokepointEvent } from '../../src/services/events.js';
import { webhookPayload } from '../../src/services/webhooks.js';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { RULES_DIR } from '../helpers/ruleset.js';

// ---------------------------------------------------------------------------------------------
// The committed document, and a JSON Schema 2020-12 validator over its components (Ajv, as Fastify's own
// validator compiler resolves it).

interface Header {
  schema: Record<string, unknown>;
}
interface Response {
  headers?: Record<string, Header>;
  content?: Record<string, { schema: Record<string, unknown> }>;
}
interface Operation {
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, Response>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
  webhooks?: Record<string, { post: Operation }>;
}
const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as Doc;

type ValidateFn = ((data: unknown) => boolean) & { errors?: unknown };
interface AjvLike {
  addSchema(schema: object): void;
  compile(schema: object): ValidateFn;
}
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const fromAjvCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
const Ajv2020 = (fromAjvCompiler('ajv/dist/2020') as { default: new (opts: object) => AjvLike }).default;
const addFormats = (fromAjvCompiler('ajv-formats') as { default: (ajv: AjvLike) => void }).default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const DOC_ID = 'https://chokepoint.invalid/openapi.json';
ajv.addSchema({ $id: DOC_ID, components: doc.components });
const validators = new Map<string, ValidateFn>();
/** Whether `value` is a valid `name` component; on failure, Ajv's errors (for the assertion message). */
function check(name: string, value: unknown): unknown[] {
  let v = validators.get(name);
  if (!v) validators.set(name, (v = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` })));
  return v(value) ? [] : ((v.errors as unknown[]) ?? ['invalid']);
}

/** Headers of the contract a response carries, lower-cased. */
const CONTRACT_HEADERS = ['location', 'idempotent-replayed', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'accept-encoding'];
const sent = (res: { headers: Record<string, unknown> }) => CONTRACT_HEADERS.filter((h) => res.headers[h] !== undefined);
const declared = (route: string, method: string, status: number) =>
  Object.keys(doc.paths[route]?.[method]?.responses[String(status)]?.headers ?? {}).map((h) => h.toLowerCase());
/** The contract headers this response carries that the document does not declare on it. */
const undeclared = (route: string, method: string, res: { statusCode: number; headers: Record<string, unknown> }) =>
  sent(res).filter((h) => !declared(route, method, res.statusCode).includes(h));

// ---------------------------------------------------------------------------------------------
// An app whose party list can change (as tests/officer/monitoring.test.ts makes one), rate limiting on.

const CSL_HEADER =
  '_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids';
const cslRow = (id: string, name: string, address: string) =>
  [id, 'Entity List (EL) - Bureau of Industry and Security', '', 'Entity', '', name, '', address, '90 FR 1234', '2026-11-01', '', '', 'For all items subject to the EAR.', 'Presumption of denial.', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '']
    .map((v) => `"${v}"`)
    .join(',');
const BENIGN = Array.from({ length: 10 }, (_, i) => cslRow(`base-${i}`, `Listed Example Entity Number ${i} Holdings`, `Street ${i}, Tehran, IR`));

const shipment = (reference: string, buyer: string, destination = 'GB', shipDate = '2099-03-01') => ({
  reference,
  shipDate,
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', name: buyer, country: destination }],
  route: { origin: 'US', destination },
});

describe('the OpenAPI contract QA 13 found short, against the running service', () => {
  let t: KeyedTestApp;
  let dir: string;
  const events: ChokepointEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-qa13-'));
    cpSync(RULES_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'lists' });
    mkdirSync(path.join(dir, 'lists'));
    const base = `${CSL_HEADER}\n${BENIGN.join('\n')}\n`;
    writeFileSync(path.join(dir, 'lists', 'base-2026-11-01.csv'), base);
    writeFileSync(
      path.join(dir, 'lists', 'manifest.yaml'),
      `lists:\n  - file: base-2026-11-01.csv\n    name: Consolidated Screening List (trade.gov)\n    format: csl-csv\n    sha256: ${createHash('sha256').update(base).digest('hex')}\n    entryCount: 10\n    generatedAt: "2026-11-01"\n`,
    );
    t = await makeKeyedApp(
      { rateLimitPerMinute: 10_000, rulesDir: dir, batch: { chunkSize: 3 } as never },
      { loadRuleset: createRulesetLoader({ rulesDir: dir, matchThreshold: 0.85 }), sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } },
    );
    t.app.events.subscribe((e) => void events.push(e));
    await t.app.monitoring.idle();
  }, 300_000);
  afterAll(async () => t?.close(), 120_000);

  const as = (key: string) => ({ ...bearer(key) });
  const get = (url: string, key = t.keys.submitter.key) => t.app.inject({ method: 'GET', url, headers: as(key) });
  /** The message an endpoint receives for the latest published event of this type about this subject. */
  const message = async (type: ChokepointEvent['type'], subject: (e: ChokepointEvent) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const e = events.filter((x) => x.type === type && subject(x)).at(-1);
      if (e) return JSON.parse(webhookPayload(e)) as unknown;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${type} event`);
  };
  async function waitDone(id: string) {
    for (let i = 0; i < 600; i++) {
      const b = (await get(`/v1/batches/${id}`)).json();
      if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('batch did not finish');
  }

  it('declares the batch upload body by content type, in the committed document and the served one, and the results as BatchResultLine', async () => {
    const post = doc.paths['/v1/batches']!.post!;
    expect(post.requestBody?.required).toBe(true);
    expect(post.requestBody!.content).toMatchObject({
      'text/csv': { schema: { type: 'string' } },
      'application/x-ndjson': { schema: { type: 'string' } },
      'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Shipment' } } },
    });
    const served = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as Doc;
    expect(served.paths['/v1/batches']!.post!.requestBody).toEqual(post.requestBody);

    const results = doc.paths['/v1/batches/{id}/results']!.get!.responses['200']!;
    expect(results.content!['application/x-ndjson']!.schema).toEqual({ $ref: '#/components/schemas/BatchResultLine' });
    expect(results.content!['text/csv']!.schema).toMatchObject({ type: 'string' });
    expect(doc.components.schemas.BatchResultLine).toMatchObject({ description: expect.stringContaining('One line of the NDJSON') });
  });

  it('every line the results list is a BatchResultLine, and batch.completed is the documented message', async () => {
    const lines = [
      JSON.stringify(shipment('QA13-B1', 'Harmless Widgets Ltd')),
      JSON.stringify(shipment('QA13-B2', 'Harmless Widgets Ltd', 'CN')),
      '{"reference": "QA13-broken", ',
      JSON.stringify({ ...shipment('QA13-B4', 'Harmless Widgets Ltd'), items: [{ model: 'NVIDIA L4', quantity: 'many' }] }),
      JSON.stringify(shipment('QA13-B5', 'Harmless Widgets Ltd', 'Atlantis')),
    ].join('\n');
    const res = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...as(t.keys.submitter.key), 'content-type': 'application/x-ndjson', 'idempotency-key': 'qa13-batch' }, payload: lines });
    expect(res.statusCode, res.body).toBe(202);
    expect(undeclared('/v1/batches', 'post', res)).toEqual([]);
    expect(sent(res)).toEqual(expect.arrayContaining(['location', 'x-ratelimit-limit']));
    const again = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...as(t.keys.submitter.key), 'content-type': 'application/x-ndjson', 'idempotency-key': 'qa13-batch' }, payload: lines });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(undeclared('/v1/batches', 'post', again)).toEqual([]);

    const batch = await waitDone(res.json().id);
    const results = await get(`/v1/batches/${batch.id}/results`);
    expect(undeclared('/v1/batches/{id}/results', 'get', results)).toEqual([]);
    const parsed = results.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string });
    expect(parsed).toHaveLength(5);
    expect(new Set(parsed.map((l) => l.status))).toEqual(new Set(['screened', 'invalid', ...(parsed.some((l) => l.status === 'failed') ? ['failed'] : [])]));
    for (const line of parsed) expect(check('BatchResultLine', line), JSON.stringify(line)).toEqual([]);
    // The schema is not vacuous: a line missing a field, or with an unknown status, is refused.
    const { errors: _dropped, ...withoutErrors } = parsed[0] as Record<string, unknown>;
    expect(check('BatchResultLine', withoutErrors)).not.toEqual([]);
    expect(check('BatchResultLine', { ...parsed[0], status: 'done' })).not.toEqual([]);

    expect(undeclared('/v1/batches/{id}', 'get', await get(`/v1/batches/${batch.id}`))).toEqual([]);
    expect(undeclared('/v1/batches', 'get', await get('/v1/batches'))).toEqual([]);

    const completed = await message('batch.completed', (e) => e.data.batchId === batch.id);
    expect(check('WebhookBatchCompleted', completed), JSON.stringify(completed)).toEqual([]);
    expect(completed).toMatchObject({ type: 'batch.completed', data: { batchId: batch.id, state: 'completed', total: 5 } });
  });

  it('declares the headers a screening carries, Retry-After and X-RateLimit-* on a 429, and screening.flagged is the documented message', async () => {
    const body = shipment('QA13-FLAGGED', 'Harmless Widgets Ltd', 'CN');
    const headers = { ...as(t.keys.submitter.key), 'idempotency-key': 'QA13/4500012345/10' };
    const first = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers, payload: body });
    expect(first.statusCode, first.body).toBe(201);
    expect(sent(first)).toEqual(['location', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(undeclared('/v1/screenings', 'post', first)).toEqual([]);
    const retry = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers, payload: body });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(undeclared('/v1/screenings', 'post', retry)).toEqual([]);
    expect(undeclared('/v1/screenings/{id}', 'get', await get(`/v1/screenings/${first.json().id}`))).toEqual([]);

    const flagged = await message('screening.flagged', (e) => e.data.screeningId === first.json().id);
    expect(check('WebhookScreeningFlagged', flagged), JSON.stringify(flagged)).toEqual([]);

    // A key allowed 2 requests a minute: the third is a 429 with Retry-After and the limiter's headers, all declared.
    const created = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'submitter', name: 'qa13 slow key', rateLimitPerMinute: 2 } });
    expect(created.statusCode, created.body).toBe(201);
    const slow = created.json().key as string;
    const url = `/v1/screenings/${first.json().id}`;
    let limited = await get(url, slow);
    for (let i = 0; i < 3 && limited.statusCode !== 429; i++) limited = await get(url, slow);
    expect(limited.statusCode).toBe(429);
    expect(sent(limited)).toEqual(['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(undeclared('/v1/screenings/{id}', 'get', limited)).toEqual([]);

    // Every 429 and every problem 503 declares Retry-After; the batch upload's 409 (upload in progress) too.
    const responses = Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => Object.entries(op.responses)));
    const without = (code: string) => responses.filter(([status, r]) => status === code && r.content?.['application/problem+json'] && !r.headers?.['Retry-After']).length;
    expect(responses.filter(([status]) => status === '429').length).toBeGreaterThan(30);
    expect([without('429'), without('503')]).toEqual([0, 0]);
    expect(Object.keys(doc.paths['/v1/batches']!.post!.responses['409']!.headers ?? {})).toEqual(['Retry-After']);
  });

  it('declares the headers a disposition and a suppression carry: Location, Idempotent-Replayed on a replay, X-RateLimit-*', async () => {
    const screened = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: as(t.keys.submitter.key), payload: shipment('QA13-DISPOSED', 'Harmless Widgets Ltd', 'CN') });
    expect(screened.statusCode, screened.body).toBe(201);
    const id = screened.json().id as string;
    const route = '/v1/screenings/{id}/dispositions';
    for (const op of ['post', 'get']) expect(doc.paths[route]?.[op], `${op} ${route}`).toBeDefined();
    expect(declared(route, 'post', 201)).toEqual(['location', 'idempotent-replayed', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);

    const headers = { ...as(t.keys.reviewer.key), 'idempotency-key': 'QA13/disposition/1' };
    const payload = { action: 'escalated', justification: 'QA13: the end user needs a closer look' };
    const first = await t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers, payload });
    expect(first.statusCode, first.body).toBe(201);
    expect(sent(first)).toEqual(['location', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(first.headers.location).toBe(`/v1/screenings/${id}/dispositions`);
    expect(undeclared(route, 'post', first)).toEqual([]);
    expect(check('Disposition', first.json())).toEqual([]);
    const retry = await t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers, payload });
    expect(retry.statusCode, retry.body).toBe(201);
    expect(sent(retry)).toEqual(['location', 'idempotent-replayed', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    expect(undeclared(route, 'post', retry)).toEqual([]);
    // What Location names is there.
    const history = await get(first.headers.location as string, t.keys.reviewer.key);
    expect(history.statusCode).toBe(200);
    expect(history.json().items.map((d: { id: string }) => d.id)).toEqual([first.json().id]);

    // A suppression: Location and the limiter's headers (it takes no Idempotency-Key, so it is never a replay).
    expect(declared('/v1/suppressions', 'post', 201)).toEqual(['location', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const suppression = await t.app.inject({
      method: 'POST', url: '/v1/suppressions', headers: as(t.keys.reviewer.key),
      payload: { partyId: 'QA13-NOT-LISTED', entryId: 'base-9', justification: 'QA13: registry number differs from the entry', expiresAt },
    });
    expect(suppression.statusCode, suppression.body).toBe(201);
    expect(sent(suppression)).toEqual(['location', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(suppression.headers.location).toBe(`/v1/suppressions/${suppression.json().id}`);
    expect(undeclared('/v1/suppressions', 'post', suppression)).toEqual([]);
    const stored = await get(suppression.headers.location as string, t.keys.auditor.key);
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toEqual(suppression.json());
  });

  it('GET /v1/screenings/{id} shows the decision monitoring changed it to, as the flag log does; screening.changed is the documented message', async () => {
    const post = async (body: object) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: as(t.keys.submitter.key), payload: body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; decision: string };
    };
    const open = await post(shipment('QA13-OPEN', 'Zenith Apex Compute Ltd'));
    const other = await post(shipment('QA13-OTHER', 'Harmless Widgets Ltd'));
    expect(open.decision).not.toBe('LICENSE_REQUIRED');
    expect((await get(`/v1/screenings/${open.id}`)).json().monitoring).toBeNull();

    // A newer list names the buyer (Entity List); the reload starts a monitoring run.
    const update = path.join(dir, 'update-2026-12-01.csv');
    writeFileSync(update, `${CSL_HEADER}\n${[...BENIGN, cslRow('el-zenith', 'Zenith Apex Compute Limited', '1 Canary Wharf, London, GB')].join('\n')}\n`);
    await importListFile(update, { rulesDir: dir });
    const reload = await t.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });
    expect(reload.statusCode, reload.body).toBe(200);
    await t.app.monitoring.idle();
    const run = ((await get('/v1/monitoring/runs', t.keys.auditor.key)).json().items as Array<{ id: string; changed: number }>)[0]!;
    expect(run.changed).toBeGreaterThanOrEqual(1);

    // What the ERP re-reads before shipping: the stored decision, and where monitoring left it.
    const one = await get(`/v1/screenings/${open.id}`);
    expect(one.statusCode).toBe(200);
    const stored = one.json();
    expect(stored.decision).toBe(open.decision);
    expect(stored.monitoring).toEqual({ decision: 'LICENSE_REQUIRED', at: expect.any(String), runId: run.id });
    expect(check('StoredScreening', stored)).toEqual([]);
    // The same summary as the flag log's item for the reference.
    const item = (await get('/v1/screenings?reference=QA13-OPEN')).json().items[0];
    expect(stored.monitoring).toEqual(item.monitoring);
    // Every role that may read it sees it.
    expect((await get(`/v1/screenings/${open.id}`, t.keys.auditor.key)).json().monitoring).toEqual(stored.monitoring);

    const unchanged = (await get(`/v1/screenings/${other.id}`)).json();
    expect(unchanged.monitoring).toBeNull();
    expect(check('StoredScreening', unchanged)).toEqual([]);
    expect(check('StoredScreening', { ...unchanged, monitoring: undefined })).not.toEqual([]);

    const changed = await message('screening.changed', (e) => e.data.screeningId === open.id);
    expect(check('WebhookScreeningChanged', changed), JSON.stringify(changed)).toEqual([]);
    expect(changed).toMatchObject({ type: 'screening.changed', data: { from: open.decision, to: 'LICENSE_REQUIRED', monitoringRunId: run.id } });
  });

  it('the webhooks section names a documented body for each event type the service publishes', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const bodies = Object.fromEntries(Object.entries(doc.webhooks ?? {}).map(([type, w]) => [type, w.post.requestBody!.content['application/json']!.schema]));
    expect(bodies).toEqual({
      'screening.flagged': { $ref: '#/components/schemas/WebhookScreeningFlagged' },
      'batch.completed': { $ref: '#/components/schemas/WebhookBatchCompleted' },
      'screening.changed': { $ref: '#/components/schemas/WebhookScreeningChanged' },
    });
  });
});
