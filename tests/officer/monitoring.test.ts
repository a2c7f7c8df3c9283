/**
 * Continuous monitoring (issue #10): a list import that names a party of an open shipment produces
 * a run that reports the changed decision and fires screening.changed; a run cut short by a crash
 * resumes with no screening re-screened twice and none skipped.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importListFile } from '../../src/lists/index.js';
import { createRulesetLoader } from '../../src/services/active-ruleset.js';
import { EventBus, type ChokepointEvent } from '../../src/services/events.js';
import { MonitoringService } from '../../src/services/monitoring.js';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';
import { RULES_DIR } from '../helpers/ruleset.js';

const CSL_HEADER =
  '_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids';
const cslRow = (id: string, name: string, address: string) =>
  [id, 'Entity List (EL) - Bureau of Industry and Security', '', 'Entity', '', name, '', address, '90 FR 1234', '2026-11-01', '', '', 'For all items subject to the EAR.', 'Presumption of denial.', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '']
    .map((v) => `"${v}"`)
    .join(',');
const BENIGN = Array.from({ length: 10 }, (_, i) => cslRow(`base-${i}`, `Listed Example Entity Number ${i} Holdings`, `Street ${i}, Tehran, IR`));

const shipment = (reference: string, buyer: string, shipDate: string) => ({
  reference,
  shipDate,
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', name: buyer, country: 'GB' }],
  route: { origin: 'US', destination: 'GB' },
});

interface Run {
  id: string;
  status: string;
  total: number;
  rescreened: number;
  changed: number;
  trigger: string;
  changes: Array<{ screeningId: string; from: string; to: string; flagsAdded: string[]; flagsRemoved: string[] }>;
}

describe('a list import that names a party of an open shipment', () => {
  let t: KeyedTestApp;
  let dir: string;
  const events: ChokepointEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-monitor-'));
    cpSync(RULES_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'lists' });
    mkdirSync(path.join(dir, 'lists'));
    const base = `${CSL_HEADER}\n${BENIGN.join('\n')}\n`;
    writeFileSync(path.join(dir, 'lists', 'base-2026-11-01.csv'), base);
    const sha256 = createHash('sha256').update(base).digest('hex');
    writeFileSync(
      path.join(dir, 'lists', 'manifest.yaml'),
      `lists:\n  - file: base-2026-11-01.csv\n    name: Consolidated Screening List (trade.gov)\n    format: csl-csv\n    sha256: ${sha256}\n    entryCount: 10\n    generatedAt: "2026-11-01"\n`,
    );
    t = await makeKeyedApp({ rateLimitPerMinute: 0, rulesDir: dir }, { loadRuleset: createRulesetLoader({ rulesDir: dir, matchThreshold: 0.85 }), sealIntervalMs: 0 });
    t.app.events.subscribe((e) => void events.push(e));
    await t.app.monitoring.idle();
  });
  afterAll(async () => t?.close());

  const get = (url: string, key = t.keys.auditor.key) => t.app.inject({ method: 'GET', url, headers: bearer(key) });

  it('re-screens open and recent screenings, reports the change and tells the submitter', async () => {
    const post = async (body: object) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    const open = await post(shipment('SO-OPEN', 'Zenith Apex Compute Ltd', '2099-03-01'));
    const other = await post(shipment('SO-OTHER', 'Harmless Widgets Ltd', '2099-03-01'));
    expect(open.decision).not.toBe('LICENSE_REQUIRED');
    // Screened long ago and shipped long ago: closed, outside the window.
    const closed = await t.app.screenings.screen({
      input: shipment('SO-CLOSED', 'Zenith Apex Compute Ltd', '2020-02-01') as never,
      principal: null,
      idempotencyKey: null,
      now: new Date('2020-01-15T10:00:00Z'),
    });

    // `chokepoint lists import` of a newer list that adds the buyer to the Entity List, then a reload.
    const update = path.join(dir, 'update-2026-12-01.csv');
    writeFileSync(update, `${CSL_HEADER}\n${[...BENIGN, cslRow('el-zenith', 'Zenith Apex Compute Limited', '1 Canary Wharf, London, GB')].join('\n')}\n`);
    await importListFile(update, { rulesDir: dir });
    const reload = await t.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });
    expect(reload.statusCode, reload.body).toBe(200);
    await t.app.monitoring.idle();

    const runs = (await get('/v1/monitoring/runs')).json().items as Run[];
    const run = runs[0]!;
    expect(run).toMatchObject({ trigger: 'activation', status: 'completed', total: 2, rescreened: 2, changed: 1 });
    const detail = (await get(`/v1/monitoring/runs/${run.id}`)).json() as Run;
    expect(detail.changes).toEqual([
      // The Entity List hit puts the shipment in the risk context, so its missing end use and end user now escalate too.
      expect.objectContaining({ screeningId: open.id, reference: 'SO-OPEN', from: open.decision, to: 'LICENSE_REQUIRED', flagsAdded: expect.arrayContaining(['LIST-EL parties[0]']) }),
    ]);
    expect(detail.changes.map((c) => c.screeningId)).not.toContain(closed.result.id);
    expect(detail.changes.map((c) => c.screeningId)).not.toContain(other.id);

    const changed = events.filter((e) => e.type === 'screening.changed');
    expect(changed).toEqual([
      expect.objectContaining({ ownerKeyId: t.keys.submitter.id, data: expect.objectContaining({ screeningId: open.id, from: open.decision, to: 'LICENSE_REQUIRED', monitoringRunId: run.id, href: `/v1/screenings/${open.id}` }) }),
    ]);
    // The original stays as it was; the re-screen is a new record linked to it, and a sealed audit event.
    const stored = (await get(`/v1/screenings/${open.id}`)).json();
    expect(stored.decision).toBe(open.decision);
    const res = (await t.app.database.db.execute(sql`select result from monitoring_results where screening_id = ${open.id} and result is not null`)) as unknown as {
      rows: Array<{ result: { rescreenOf: string; decision: string } }>;
    };
    expect(res.rows.map((r) => [r.result.rescreenOf, r.result.decision])).toEqual([[open.id, 'LICENSE_REQUIRED']]);
    const audit = (await t.app.database.db.execute(sql`select payload from audit_events where type = 'screening.changed'`)) as unknown as { rows: Array<{ payload: { screeningId: string } }> };
    expect(audit.rows.map((r) => r.payload.screeningId)).toEqual([open.id]);
  });

  it('the console shows the run and its change, and the changed screening says so at the top of its page', async () => {
    const page = (url: string, key = t.keys.reviewer.key) => t.app.inject({ method: 'GET', url, headers: { ...bearer(key), accept: 'text/html' } });
    const runs = (await get('/v1/monitoring/runs')).json().items as Run[];
    const run = runs[0]!;
    const detail = (await get(`/v1/monitoring/runs/${run.id}`)).json() as Run;
    const change = detail.changes[0]!;

    const list = await page('/monitoring');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`href="/monitoring/${run.id}"`);
    expect(list.body).toMatch(/<td>2 of 2<\/td><td><strong>1<\/strong><\/td>/);

    const runHtml = await page(`/monitoring/${run.id}`);
    expect(runHtml.statusCode).toBe(200);
    expect(runHtml.body).toContain(`<a href="/screenings/${change.screeningId}">SO-OPEN</a>`);
    expect(runHtml.body).toContain('<code>LIST-EL parties[0]</code>');
    expect(runHtml.body).toContain('badge d-license_required');

    // The screening page: the stored decision stays, and the change stands out above it, linked to the run.
    const screening = await page(`/screenings/${change.screeningId}`);
    expect(screening.body).toMatch(/Changed since it was screened: now <span class="badge d-license_required">/);
    expect(screening.body).toContain(`href="/monitoring/${run.id}"`);
    // Its submitter sees the change on its own screening, without a link to runs it may not open.
    const mine = await page(`/screenings/${change.screeningId}`, t.keys.submitter.key);
    expect(mine.body).toContain('Changed since it was screened');
    expect(mine.body).not.toContain('/monitoring/');
    // An unchanged screening has no such section.
    const unchanged = (await get('/v1/screenings?reference=SO-OTHER')).json().items[0] as { id: string };
    expect((await page(`/screenings/${unchanged.id}`)).body).not.toContain('Changed since it was screened');

    // Submitters get no monitoring pages; bad ids and cursors are answered, never a 5xx.
    expect((await page('/monitoring', t.keys.submitter.key)).statusCode).toBe(403);
    expect((await page('/monitoring/not-a-run')).statusCode).toBe(404);
    expect((await page('/monitoring/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await page(`/monitoring/${run.id}?after=-3`)).statusCode).toBe(400);
    expect((await page('/monitoring?cursor=nope')).statusCode).toBe(400);
  });

  it('a changed decision waits above the work queue until a final disposition after the change, and its clearance needs four eyes', async () => {
    const page = (url: string, key = t.keys.reviewer.key) => t.app.inject({ method: 'GET', url, headers: { ...bearer(key), accept: 'text/html' } });
    const run = ((await get('/v1/monitoring/runs')).json().items as Run[])[0]!;
    const change = ((await get(`/v1/monitoring/runs/${run.id}`)).json() as Run).changes[0]!;
    const queue = await page('/queue');
    expect(queue.body).toContain('Changed by monitoring: 1 awaiting a disposition');
    expect(queue.body).toMatch(new RegExp(`<a href="/screenings/${change.screeningId}">SO-OPEN</a></td><td><span class="badge d-[a-z_]+">[A-Z ]+</span></td><td><span class="badge d-license_required">`));

    // The same list for programs.
    const open = (await get('/v1/monitoring/open-changes')).json();
    expect(open).toMatchObject({ total: 1, items: [{ screeningId: change.screeningId, reference: 'SO-OPEN', to: 'LICENSE_REQUIRED', runId: run.id }] });
    expect((await get('/v1/monitoring/open-changes', t.keys.submitter.key)).statusCode).toBe(403);
    expect((await get('/v1/monitoring/open-changes?limit=0')).statusCode).toBe(400);

    // GET /v1/screenings?open=true is the same queue: the changed screening is open whatever its stored decision said,
    // and every listing shows what monitoring changed it to beside the stored decision.
    const listed = (url: string) => (get(url) as Promise<{ json(): { items: Array<{ id: string; reference: string; decision: string; monitoring?: unknown }> } }>).then((r) => r.json().items);
    const openNow = await listed('/v1/screenings?open=true&limit=100');
    expect(openNow.find((s) => s.id === change.screeningId)).toMatchObject({ decision: change.from, monitoring: { decision: 'LICENSE_REQUIRED', runId: run.id } });
    const all = await listed('/v1/screenings?limit=100');
    expect(all.find((s) => s.reference === 'SO-OTHER')).toMatchObject({ monitoring: null });
    expect((await listed('/v1/screenings?open=false&limit=100')).map((s) => s.id)).not.toContain(change.screeningId);
    expect((await page('/log?open=true')).body).toMatch(new RegExp(`<a href="/screenings/${change.screeningId}">SO-OPEN</a></td><td><span class="badge d-[a-z_]+">[A-Z ]+</span> <small class="now"[^>]*>now</small> <span class="badge d-license_required">`));

    const dispose = (action: string, key: string) =>
      t.app.inject({ method: 'POST', url: `/v1/screenings/${change.screeningId}/dispositions`, headers: bearer(key), payload: { action, justification: `${action} after the list change` } });
    // The stored decision did not need four eyes; the one monitoring changed it to (LICENSE_REQUIRED) does.
    expect(['CLEAR', 'REVIEW']).toContain(change.from);
    const cleared = await dispose('cleared', t.keys.reviewer.key);
    expect(cleared.statusCode, cleared.body).toBe(201);
    expect(cleared.json().status).toBe('pending_approval');
    expect((await dispose('approved', t.keys.reviewer.key)).statusCode).toBe(403);
    // A pending clearance is final in the queue's sense (as for the stored queue): approved by another, it stays closed.
    const approved = await dispose('approved', t.keys.admin.key);
    expect(approved.statusCode, approved.body).toBe(201);
    expect((await page('/queue')).body).not.toContain('Changed by monitoring');
    expect((await get('/v1/monitoring/open-changes')).json()).toEqual({ total: 0, items: [] });
    expect((await listed('/v1/screenings?open=true&limit=100')).map((s) => s.id)).not.toContain(change.screeningId);
    expect((await listed('/v1/screenings?open=false&limit=100')).map((s) => s.id)).toContain(change.screeningId);
    const history = (await get(`/v1/screenings/${change.screeningId}`)).json().dispositions as Array<{ action: string; status: string }>;
    expect(history.map((d) => [d.action, d.status])).toEqual([['cleared', 'approved'], ['approved', 'effective']]);
  });

  it('reloading the same ruleset starts no second run; submitters cannot see runs', async () => {
    const before = (await get('/v1/monitoring/runs')).json().items.length;
    await t.app.monitoring.onRulesetActive();
    await t.app.monitoring.idle();
    expect((await get('/v1/monitoring/runs')).json().items.length).toBe(before);
    expect((await get('/v1/monitoring/runs', t.keys.submitter.key)).statusCode).toBe(403);
    expect((await get('/v1/monitoring/runs/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('/v1/monitoring/runs?cursor=nope')).statusCode).toBe(400);
  });
});

describe('a monitoring run cut short by a crash', () => {
  let t: KeyedTestApp;
  const ZENITH = listEntry('el-z', 'Zenith Apex Compute Limited', { countries: ['GB'] });
  const lists = mutableListLoader([listEntry('el-a', 'Completely Unrelated Entity Holdings', { countries: ['IR'] })]);
  const ids: string[] = [];
  const listed: string[] = [];

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    await t.app.monitoring.idle();
    for (let i = 0; i < 7; i++) {
      const name = i % 2 === 1 ? 'Zenith Apex Compute Ltd' : `Harmless Widgets ${i} Ltd`;
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(`SO-${i}`, name, '2099-01-01') });
      ids.push(res.json().id);
      if (i % 2 === 1) listed.push(res.json().id);
    }
    // The list changes; the app's own runner is not told, the "processes" below are.
    lists.state.entries = [...lists.state.entries, ZENITH];
    await t.app.rules.reload();
  });
  afterAll(async () => t?.close());

  const processWith = (faults: MonitoringService extends never ? never : ConstructorParameters<typeof MonitoringService>[0]['faults'], seen: ChokepointEvent[]) => {
    const events = new EventBus();
    events.subscribe((e) => void seen.push(e));
    const log = { info: () => {}, error: () => {} };
    // retryMs 0: a "crashed" process stays down; the next one picks up.
    return new MonitoringService({ db: t.app.database.db, rules: t.app.rules, engine: t.app.engine, events, suppressions: t.app.suppressions, config: { monitorWindowDays: 30 }, log, chunkSize: 2, faults, retryMs: 0 });
  };

  it('resumes with every screening re-screened exactly once and every change announced', async () => {
    const seen: ChokepointEvent[] = [];
    const crash = (at: number) => (n: number) => {
      if (n === at) throw new Error('simulated crash');
    };
    // Process 1 dies inside its second chunk's transaction: that chunk is rolled back.
    const p1 = processWith({ inChunkTransaction: crash(1) }, seen);
    await p1.onRulesetActive();
    await p1.idle();
    const db = t.app.database.db;
    const count = async () => Number(((await db.execute(sql`select count(*) as n from monitoring_results r join monitoring_runs m on m.id = r.run_id where m.ruleset_hash = ${t.app.rules.get().hash}`)) as unknown as { rows: Array<{ n: string }> }).rows[0]!.n);
    expect(await count()).toBe(2);
    // Process 2 dies after committing its first chunk, before publishing its events.
    const p2 = processWith({ afterChunkCommit: crash(0) }, seen);
    await p2.onRulesetActive();
    await p2.idle();
    expect(await count()).toBe(4);
    // Process 3 finishes.
    const p3 = processWith(undefined, seen);
    await p3.onRulesetActive();
    await p3.idle();

    const runs = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.reviewer.key) })).json().items as Run[];
    const run = runs.find((r) => r.status === 'completed' && r.changed > 0)!;
    expect(run).toMatchObject({ total: 7, rescreened: 7, changed: 3 });
    const rows = (await db.execute(sql`select screening_id from monitoring_results where run_id = ${run.id}`)) as unknown as { rows: Array<{ screening_id: string }> };
    expect(rows.rows.map((r) => r.screening_id).sort()).toEqual([...ids].sort());
    const changedIds = seen.filter((e) => e.type === 'screening.changed').map((e) => e.data.screeningId as string);
    expect(changedIds.sort()).toEqual([...listed].sort());
    const audit = (await db.execute(sql`select count(*) as n from audit_events where type = 'screening.changed'`)) as unknown as { rows: Array<{ n: string }> };
    expect(Number(audit.rows[0]!.n)).toBe(3);
  });

  it('a subscriber that fails (the webhook queue refused the delivery) makes the runner try again, not lose the change', async () => {
    const db = t.app.database.db;
    const events = new EventBus();
    const seen = new Set<string>();
    let refusals = 2;
    events.subscribe((e) => {
      if (e.type !== 'screening.changed') return;
      if (refusals > 0) {
        refusals--;
        throw new Error('webhook queue unavailable');
      }
      seen.add(e.data.screeningId as string);
    });
    const errors: string[] = [];
    const log = { info: () => {}, error: (_o: object, m: string) => void errors.push(m) };
    const p = new MonitoringService({ db, rules: t.app.rules, engine: t.app.engine, events, suppressions: t.app.suppressions, config: { monitorWindowDays: 30 }, log, chunkSize: 2, retryMs: 50 });
    lists.state.entries = [...lists.state.entries, listEntry('el-hw0', 'Harmless Widgets 0 Ltd', { countries: ['GB'] })];
    await t.app.rules.reload();
    const hash = t.app.rules.get().hash;
    await p.onRulesetActive();
    let run: { id: string; status: string; changed: number } | undefined;
    for (let i = 0; i < 200; i++) {
      await p.idle();
      const rows = ((await db.execute(sql`select id, status from monitoring_runs where ruleset_hash = ${hash}`)) as unknown as { rows: Array<{ id: string; status: string }> }).rows;
      if (rows[0]?.status === 'completed') {
        run = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/runs/${rows[0].id}`, headers: bearer(t.keys.reviewer.key) })).json();
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await p.stop();
    expect(run?.status).toBe('completed');
    expect(errors).toEqual(['monitoring runner failed; it tries again shortly', 'monitoring runner failed; it tries again shortly']);
    expect(run!.changed).toBeGreaterThan(0);
    const changes = (await db.execute(sql`select screening_id from monitoring_results where run_id = ${run!.id} and decision_changed`)) as unknown as { rows: Array<{ screening_id: string }> };
    // Every change announced although the subscriber refused twice.
    expect([...seen].sort()).toEqual(changes.rows.map((r) => r.screening_id).sort());
  });

  it('a second ruleset supersedes the running run; results are append-only', async () => {
    const db = t.app.database.db;
    const failure = (q: Promise<unknown>) => q.then(() => 'no error', (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ''}`);
    expect(await failure(db.execute(sql`update monitoring_results set decision = 'CLEAR'`))).toMatch(/monitoring_results is append-only/);
    const p = processWith({ inChunkTransaction: () => { throw new Error('crash'); } }, []);
    lists.state.entries = [ZENITH];
    await t.app.rules.reload();
    await p.onRulesetActive();
    await p.idle();
    lists.state.entries = [ZENITH, listEntry('el-b', 'Another Listed Entity Holdings', { countries: ['IR'] })];
    await t.app.rules.reload();
    const q = processWith(undefined, []);
    await q.onRulesetActive();
    await q.idle();
    const statuses = ((await db.execute(sql`select status from monitoring_runs order by created_at`)) as unknown as { rows: Array<{ status: string }> }).rows.map((r) => r.status);
    expect(statuses.slice(-2)).toEqual(['superseded', 'completed']);
    // Every result carries its screening's stored decision (what the queue's counts read instead of
    // `screenings`), not where the screening stood before the run — which differs once a change was made.
    const carried = (await db.execute(sql`select m.stored_decision, m.previous_decision, s.decision from monitoring_results m join screenings s on s.id = m.screening_id`)) as unknown as {
      rows: Array<{ stored_decision: string | null; previous_decision: string; decision: string }>;
    };
    expect(carried.rows.length).toBeGreaterThan(0);
    expect(carried.rows.filter((r) => r.stored_decision !== r.decision)).toEqual([]);
    expect(carried.rows.some((r) => r.previous_decision !== r.decision)).toBe(true);
  });
});

describe('a monitoring run and a shipment screened under an export licence', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([listEntry('el-a', 'Completely Unrelated Entity Holdings', { countries: ['IR'] })]);
  const events: ChokepointEvent[] = [];
  const licensed = {
    reference: 'SO-LIC',
    shipDate: '2099-01-15',
    items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8, unitPriceUsd: 30_000 }],
    parties: [
      { role: 'buyer', name: 'Saigon Compute JSC', country: 'VN', businessType: 'cloud', website: 'saigon-compute.example', incorporatedOn: '2015-03-01' },
      { role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' },
      { role: 'end_user', name: 'Saigon Compute JSC', country: 'VN' },
    ],
    route: { origin: 'US', destination: 'VN' },
    endUse: 'Cloud GPU instances for enterprise customers',
  };

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    t.app.events.subscribe((e) => void events.push(e));
    await t.app.monitoring.idle();
  });
  afterAll(async () => t?.close());

  const newRuleset = async (name: string) => {
    lists.state.entries = [...lists.state.entries, listEntry(`el-${lists.state.entries.length}`, name, { countries: ['IR'] })];
    await t.app.rules.reload();
    await t.app.monitoring.onRulesetActive();
    await t.app.monitoring.idle();
    const runs = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items as Run[];
    return (await t.app.inject({ method: 'GET', url: `/v1/monitoring/runs/${runs[0]!.id}`, headers: bearer(t.keys.auditor.key) })).json() as Run;
  };

  it('is re-screened against the licence it drew on, not reported as changed by every new list', async () => {
    const created = await t.app.inject({
      method: 'POST', url: '/v1/licences', headers: bearer(t.keys.reviewer.key),
      payload: {
        number: 'D7000009', eccns: ['3a090'], destination: 'Vietnam',
        parties: [{ role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' }, { role: 'end_user', name: 'Saigon Compute JSC', country: 'VN' }],
        // Exactly this shipment's quantity: its own draw uses the licence up, and the re-screen must count it back.
        quantity: 8, valueUsd: 240_000, validFrom: '2026-01-01', validTo: '2099-12-31', conditions: 'No reexport.',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: licensed });
    expect(res.statusCode, res.body).toBe(201);
    const screened = res.json();
    expect(screened.authorisation).toMatchObject({ status: 'licence', licence: { number: 'D7000009', draw: { quantity: 8 } } });

    // Replayed on the same ruleset it is identical: the licence it drew on is part of its input.
    const replay = await t.app.inject({ method: 'POST', url: `/v1/screenings/${screened.id}/replay`, headers: bearer(t.keys.reviewer.key) });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({ sameRuleset: true, identical: true, differences: { decision: null, flagsAdded: [], flagsRemoved: [] } });

    const run = await newRuleset('Another Unrelated Entity Holdings');
    expect(run).toMatchObject({ status: 'completed', rescreened: 1, changed: 0 });
    expect(events.filter((e) => e.type === 'screening.changed')).toEqual([]);

    // A real change is still reported: the licence revoked, a run of its own (no new rules needed) finds the shipment uncovered.
    const revoked = await t.app.inject({ method: 'POST', url: `/v1/licences/${created.json().id}/revoke`, headers: bearer(t.keys.reviewer.key), payload: { reason: 'Revoked by BIS letter' } });
    expect(revoked.statusCode, revoked.body).toBe(200);
    await t.app.monitoring.idle();
    const runs = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items as Run[];
    const byLicence = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/runs/${runs[0]!.id}`, headers: bearer(t.keys.auditor.key) })).json() as Run;
    expect(byLicence).toMatchObject({ trigger: 'licence', status: 'completed', total: 1, rescreened: 1, changed: 1 });
    // The run names the licence and the version it screened against; runs of new rules name none.
    expect((byLicence as Run & { licence?: unknown }).licence).toEqual({ id: created.json().id, version: expect.any(Number) });
    expect(run).not.toHaveProperty('licence');
    expect(byLicence.changes).toEqual([expect.objectContaining({ screeningId: screened.id, from: screened.decision, to: 'LICENSE_REQUIRED', flagsAdded: expect.arrayContaining(['LIC-NOT-COVERED shipment']) })]);
    // The next ruleset's run measures against where the screening stands now: nothing new to report.
    const after = await newRuleset('Yet Another Unrelated Entity Holdings');
    expect(after).toMatchObject({ status: 'completed', rescreened: 1, changed: 0 });
  });

  it('a licence amended or revoked re-screens the shipments that drew on it, at once, and tells their submitters', async () => {
    const party = 'Hanoi Render Farm JSC';
    const terms = {
      number: 'D7000010', eccns: ['3A090'], destination: 'VN', quantity: 40, validFrom: '2026-01-01', validTo: '2099-12-31',
      parties: [{ role: 'ultimate_consignee', name: party, country: 'VN' }, { role: 'end_user', name: party, country: 'VN' }],
    };
    const licence = (await t.app.inject({ method: 'POST', url: '/v1/licences', headers: bearer(t.keys.reviewer.key), payload: terms })).json();
    const ship = async (reference: string) => {
      const res = await t.app.inject({
        method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key),
        payload: { ...licensed, reference, parties: licensed.parties.map((p) => ({ ...p, name: party })) },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().authorisation).toMatchObject({ status: 'licence', licence: { number: 'D7000010' } });
      return res.json();
    };
    const kept = await ship('SO-LIC-KEPT');
    const cancelled = await ship('SO-LIC-CANCELLED');
    const d = await t.app.inject({ method: 'POST', url: `/v1/screenings/${cancelled.id}/dispositions`, headers: bearer(t.keys.reviewer.key), payload: { action: 'cancelled', justification: 'Order withdrawn' } });
    expect(d.statusCode, d.body).toBe(201);
    const seen = events.length;
    const latestRun = async () => {
      await t.app.monitoring.idle();
      const runs = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items as Run[];
      return (await t.app.inject({ method: 'GET', url: `/v1/monitoring/runs/${runs[0]!.id}`, headers: bearer(t.keys.reviewer.key) })).json() as Run & { total: number };
    };
    const amend = (over: object) => t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/amend`, headers: bearer(t.keys.reviewer.key), payload: { ...terms, ...over } });

    // An amendment that still covers it: re-screened, nothing changed. The cancelled order, whose draw was given back, is not in scope.
    expect((await amend({ quantity: 60, reason: 'BIS amendment 1' })).statusCode).toBe(200);
    expect(await latestRun()).toMatchObject({ trigger: 'licence', total: 1, rescreened: 1, changed: 0, changes: [] });

    // An amendment naming another end user: the open order is no longer covered.
    const amended = await amend({ parties: [terms.parties[0], { role: 'end_user', name: 'Another End User JSC', country: 'VN' }], reason: 'BIS amendment 2' });
    expect(amended.statusCode, amended.body).toBe(200);
    const run = await latestRun();
    expect(run).toMatchObject({ trigger: 'licence', total: 1, changed: 1 });
    expect(run.changes).toEqual([expect.objectContaining({ screeningId: kept.id, from: kept.decision, to: 'LICENSE_REQUIRED' })]);
    const view = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${kept.id}`, headers: bearer(t.keys.submitter.key) })).json();
    expect(view).toMatchObject({ decision: kept.decision, monitoring: { decision: 'LICENSE_REQUIRED', runId: run.id } });
    expect(events.slice(seen)).toEqual([
      expect.objectContaining({ type: 'screening.changed', ownerKeyId: t.keys.submitter.id, data: expect.objectContaining({ screeningId: kept.id, to: 'LICENSE_REQUIRED', monitoringRunId: run.id }) }),
    ]);
    const open = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/open-changes', headers: bearer(t.keys.reviewer.key) })).json();
    expect(open.items.map((c: { screeningId: string }) => c.screeningId)).toContain(kept.id);
    // The console says why the run happened.
    const page = await t.app.inject({ method: 'GET', url: `/monitoring/${run.id}`, headers: bearer(t.keys.reviewer.key) });
    expect(page.body).toContain('a licence was amended or revoked');

    // Revoked: its draws are re-screened again (nothing new: already LICENSE_REQUIRED); a licence nobody drew on starts no run.
    expect((await t.app.inject({ method: 'POST', url: `/v1/licences/${licence.id}/revoke`, headers: bearer(t.keys.reviewer.key), payload: { reason: 'Revoked' } })).statusCode).toBe(200);
    expect(await latestRun()).toMatchObject({ trigger: 'licence', total: 1, changed: 0 });
    const before = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items.length;
    const unused = (await t.app.inject({ method: 'POST', url: '/v1/licences', headers: bearer(t.keys.reviewer.key), payload: { ...terms, number: 'D7000011' } })).json();
    expect((await t.app.inject({ method: 'POST', url: `/v1/licences/${unused.id}/revoke`, headers: bearer(t.keys.reviewer.key), payload: { reason: 'Not needed' } })).statusCode).toBe(200);
    await t.app.monitoring.idle();
    expect((await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items.length).toBe(before);
  });
});

describe('a list import rolled back to the previous ruleset', () => {
  let t: KeyedTestApp;
  const BASE = [listEntry('el-a', 'Completely Unrelated Entity Holdings', { countries: ['IR'] })];
  const lists = mutableListLoader(BASE);
  const events: ChokepointEvent[] = [];

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    t.app.events.subscribe((e) => void events.push(e));
    await t.app.monitoring.idle();
  });
  afterAll(async () => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(t.keys.reviewer.key) });
  const reload = async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });
    expect(res.statusCode, res.body).toBe(200);
    await t.app.monitoring.idle();
    return res.json().hash as string;
  };
  const runs = async () => (await get('/v1/monitoring/runs')).json().items as Array<Run & { ruleset: { hash: string } }>;

  it('is re-screened against the restored ruleset: the verdict of the withdrawn list does not stand', async () => {
    const screened = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment('SO-ROLLBACK', 'Zenith Apex Compute Ltd', '2099-02-01') });
    expect(screened.statusCode, screened.body).toBe(201);
    const s = screened.json();
    expect(s.decision).toBe('CLEAR');
    const original = (await runs())[0]!.ruleset.hash;

    // An import names the buyer: the shipment is LICENSE_REQUIRED now, and waits for a person.
    lists.state.entries = [...BASE, listEntry('el-z', 'Zenith Apex Compute Limited', { countries: ['GB'] })];
    await reload();
    expect((await get(`/v1/screenings/${s.id}`)).json().monitoring).toMatchObject({ decision: 'LICENSE_REQUIRED' });
    expect((await get('/v1/monitoring/open-changes')).json().items.map((c: { screeningId: string }) => c.screeningId)).toEqual([s.id]);

    // The import was a mistake: the previous manifest is restored and reloaded — the ruleset that was active before, same hash.
    lists.state.entries = BASE;
    expect(await reload()).toBe(original);
    const [rollback, ...older] = await runs();
    expect(older).toHaveLength(2);
    expect(rollback).toMatchObject({ status: 'completed', changed: 1, ruleset: { hash: original } });
    const detail = (await get(`/v1/monitoring/runs/${rollback!.id}`)).json() as Run;
    expect(detail.changes).toEqual([expect.objectContaining({ screeningId: s.id, from: 'LICENSE_REQUIRED', to: 'CLEAR', flagsRemoved: expect.arrayContaining(['LIST-EL parties[0]']) })]);
    expect((await get(`/v1/screenings/${s.id}`)).json().monitoring).toMatchObject({ decision: 'CLEAR', runId: rollback!.id });
    expect((await get('/v1/monitoring/open-changes')).json()).toMatchObject({ total: 0, items: [] });
    expect(events.filter((e) => e.type === 'screening.changed').map((e) => [e.data.from, e.data.to])).toEqual([['CLEAR', 'LICENSE_REQUIRED'], ['LICENSE_REQUIRED', 'CLEAR']]);

    // Still one run per activation: a restart (or another replica) on the restored ruleset starts none.
    await t.app.monitoring.onRulesetActive();
    await t.app.monitoring.idle();
    expect(await runs()).toHaveLength(3);
  });
});
