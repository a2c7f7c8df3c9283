/**
 * `GET /v1/screenings?open=true` is the work queue: a stored decision that needs a person and has no final
 * disposition, *or* a decision continuous monitoring changed to one that needs a person, with no final
 * disposition since the change. Each case below is one way a screening can stand; the filter must agree
 * with `?open=false` (every screening is in exactly one of them) and with `/v1/monitoring/open-changes`.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardService } from '../../src/services/dashboard.js';
import { createRun, insertResults } from '../../src/store/monitoring-repo.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';

const clean = (reference: string) => ({
  reference,
  shipDate: '2099-03-01',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [
    { role: 'buyer', name: 'Harmless Widgets Ltd', country: 'GB' },
    { role: 'end_user', name: 'Harmless Widgets Ltd', country: 'GB' },
  ],
  route: { origin: 'US', destination: 'GB' },
  endUse: 'commercial data centre for hosted inference',
});
// Advanced chips to China: a licence is required (or worse) — a decision that waits for a person.
const flagged = (reference: string) => ({ ...clean(reference), parties: [{ role: 'buyer', name: 'Harmless Widgets Ltd', country: 'CN' }], route: { origin: 'US', destination: 'CN' } });

describe('the open filter follows monitoring changes as well as stored decisions', () => {
  let t: KeyedTestApp;
  const ids: Record<string, string> = {};
  const decisions: Record<string, string> = {};
  /** What each screening's stored decision is (decisions[] follows the changes). */
  const stored: Record<string, string> = {};

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { sealIntervalMs: 0 });
    await t.app.monitoring.idle();
  });
  afterAll(async () => t?.close());

  const post = async (body: object) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: body });
    expect(res.statusCode, res.body).toBe(201);
    const json = res.json() as { id: string; decision: string; reference: string };
    ids[json.reference] = json.id;
    decisions[json.reference] = json.decision;
    stored[json.reference] = json.decision;
    return json;
  };
  const dispose = async (reference: string, action: string, key = t.keys.reviewer.key) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/screenings/${ids[reference]}/dispositions`,
      headers: bearer(key),
      payload: { action, justification: `${action} in the open-filter test` },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { status?: string };
  };
  /** One monitoring run at `at` that changed these screenings (reference → new decision). */
  let runNo = 0;
  const change = async (at: Date, to: Record<string, string>) => {
    const id = `run-open-filter-${++runNo}`;
    const iso = at.toISOString();
    await createRun(t.app.database.db, { id, triggerKey: id, trigger: 'activation', rulesetVersion: 'test', rulesetHash: `hash-${runNo}`, asOf: iso.slice(0, 10), windowStart: iso, createdAt: iso });
    await insertResults(
      t.app.database.db,
      Object.entries(to).map(([reference, decision]) => ({
        runId: id,
        screeningId: ids[reference]!,
        screeningSeq: 0,
        ownerKeyId: t.keys.submitter.id,
        previousDecision: decisions[reference]!,
        storedDecision: stored[reference]!,
        decision,
        decisionChanged: decision !== decisions[reference],
        flagsAdded: [],
        flagsRemoved: [],
        result: null,
        error: null,
        createdAt: iso,
      })),
    );
    for (const [reference, decision] of Object.entries(to)) decisions[reference] = decision;
    return id;
  };
  const references = async (open: boolean) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?open=${open}&limit=500`, headers: bearer(t.keys.auditor.key) });
    expect(res.statusCode, res.body).toBe(200);
    return new Set((res.json().items as Array<{ reference: string }>).map((s) => s.reference));
  };

  it('puts each screening in exactly one of open and closed, by the later of its decision and its change', async () => {
    for (const r of ['CLEAR-UNCHANGED', 'CLEAR-TO-BLOCK', 'CLEAR-TO-REVIEW-ESCALATED', 'CLEAR-TO-REVIEW-BACK', 'CLEAR-TO-BLOCK-DISPOSED', 'CLEAR-TO-BLOCK-CLEARED']) {
      expect((await post(clean(r))).decision).toBe('CLEAR');
    }
    for (const r of ['FLAGGED-TO-CLEAR', 'FLAGGED-CLEARED-THEN-CHANGED', 'FLAGGED-BLOCKED', 'FLAGGED-CLEARED-PENDING', 'FLAGGED-CLEARED-APPROVED']) {
      expect(['LICENSE_REQUIRED', 'BLOCK']).toContain((await post(flagged(r))).decision);
    }
    // Final dispositions recorded before the changes.
    await dispose('FLAGGED-CLEARED-THEN-CHANGED', 'blocked');
    await dispose('FLAGGED-BLOCKED', 'blocked');
    // Four eyes: a clearance of LICENSE_REQUIRED or BLOCK waits for a second reviewer's approval; until then it
    // is not final and the screening stays open. Approved by another key, it closes.
    expect((await dispose('FLAGGED-CLEARED-PENDING', 'cleared')).status).toBe('pending_approval');
    expect((await dispose('FLAGGED-CLEARED-APPROVED', 'cleared')).status).toBe('pending_approval');
    await dispose('FLAGGED-CLEARED-APPROVED', 'approved', t.keys.admin.key);

    const later = new Date(Date.now() + 60_000);
    const earlier = new Date(Date.now() - 60_000);
    await change(earlier, {
      'CLEAR-TO-BLOCK-DISPOSED': 'BLOCK',
      'CLEAR-TO-REVIEW-ESCALATED': 'REVIEW',
      'CLEAR-TO-REVIEW-BACK': 'REVIEW',
      'CLEAR-TO-BLOCK-CLEARED': 'BLOCK',
    });
    // Recorded after that change: a final one closes it, an escalation hands it on and keeps it open, and a
    // clearance of the BLOCK monitoring changed it to awaits approval (four eyes follow the change) and keeps it open.
    await dispose('CLEAR-TO-BLOCK-DISPOSED', 'blocked');
    await dispose('CLEAR-TO-REVIEW-ESCALATED', 'escalated');
    expect((await dispose('CLEAR-TO-BLOCK-CLEARED', 'cleared')).status).toBe('pending_approval');
    const run = await change(later, { 'CLEAR-TO-BLOCK': 'BLOCK', 'FLAGGED-TO-CLEAR': 'CLEAR', 'FLAGGED-CLEARED-THEN-CHANGED': 'REVIEW', 'CLEAR-TO-REVIEW-BACK': 'CLEAR' });

    const open = await references(true);
    const closed = await references(false);
    const expectedOpen = [
      'CLEAR-TO-BLOCK', // changed to a decision that needs a person, nobody has acted since
      'CLEAR-TO-REVIEW-ESCALATED', // escalated after the change: handed on, still open
      'FLAGGED-TO-CLEAR', // the stored decision was never disposed of: a re-screen's CLEAR does not close it
      'FLAGGED-CLEARED-THEN-CHANGED', // disposed of before monitoring changed it: the change needs a person again
      'FLAGGED-CLEARED-PENDING', // cleared, awaiting a second reviewer's approval: someone must still act
      'CLEAR-TO-BLOCK-CLEARED', // the change to BLOCK cleared, awaiting approval
    ];
    const expectedClosed = ['CLEAR-UNCHANGED', 'CLEAR-TO-REVIEW-BACK', 'CLEAR-TO-BLOCK-DISPOSED', 'FLAGGED-BLOCKED', 'FLAGGED-CLEARED-APPROVED'];
    expect([...open].sort()).toEqual([...expectedOpen].sort());
    expect([...closed].sort()).toEqual([...expectedClosed].sort());

    // The same changes as the queue's "changed by monitoring" list, which shows the changes to a decision that needs a person
    // with no final disposition since — a clearance awaiting approval is not final: CLEAR-TO-BLOCK-CLEARED stays, marked, until approved.
    const openChanges = async () =>
      (await t.app.inject({ method: 'GET', url: '/v1/monitoring/open-changes?limit=100', headers: bearer(t.keys.auditor.key) })).json() as {
        total: number;
        items: Array<{ reference: string; awaitingApproval: boolean }>;
      };
    const changes = await openChanges();
    expect(changes.items.map((c) => [c.reference, c.awaitingApproval]).sort()).toEqual([
      ['CLEAR-TO-BLOCK', false],
      ['CLEAR-TO-BLOCK-CLEARED', true],
      ['CLEAR-TO-REVIEW-ESCALATED', false],
      ['FLAGGED-CLEARED-THEN-CHANGED', false],
    ]);
    expect(changes.total).toBe(4);

    // The work queue's counts are the same union: stored decisions still open, plus the screenings open only
    // because of a change, counted under the decision they were changed to; the console's /queue shows them.
    const dashboard = new DashboardService(t.app.database.db, () => t.app.rules.get(), undefined, t.app.config.fourEyesDecisions);
    const { stats, items, awaitingApproval } = await dashboard.queue({ order: 'age', limit: 50, offset: 0 });
    const storedOf = async (reference: string) =>
      (await t.app.inject({ method: 'GET', url: `/v1/screenings/${ids[reference]}`, headers: bearer(t.keys.auditor.key) })).json().decision as string;
    // CLEAR-TO-REVIEW-ESCALATED and FLAGGED-CLEARED-THEN-CHANGED; CLEAR-TO-BLOCK and CLEAR-TO-BLOCK-CLEARED
    const expected: Record<string, number> = { REVIEW: 2, BLOCK: 2 };
    for (const r of ['FLAGGED-TO-CLEAR', 'FLAGGED-CLEARED-PENDING']) {
      const d = await storedOf(r); // by its stored decision
      expected[d] = (expected[d] ?? 0) + 1;
    }
    // The stored queue lists the pending clearance of a stored LICENSE_REQUIRED/BLOCK; both pending clearances
    // are listed under "Awaiting approval", oldest clearance first, with who cleared them.
    expect(items.map((i) => i.reference)).toContain('FLAGGED-CLEARED-PENDING');
    expect(items.map((i) => i.reference)).not.toContain('FLAGGED-CLEARED-APPROVED');
    expect(awaitingApproval.total).toBe(2);
    expect(awaitingApproval.items.map((i) => i.reference)).toEqual(['FLAGGED-CLEARED-PENDING', 'CLEAR-TO-BLOCK-CLEARED']);
    expect(awaitingApproval.items[0]!.disposition).toMatchObject({ action: 'cleared', by: t.keys.reviewer.id });
    // The same once the dispositions are folded into the queue's cache (a clock a day on: its watermark passes them),
    // where a pending clearance must stay in the cached open queue and out of the closed counts.
    const dayOn = new DashboardService(t.app.database.db, () => t.app.rules.get(), () => new Date(Date.now() + 86_400_000), t.app.config.fourEyesDecisions);
    const folded = await dayOn.queue({ order: 'risk', limit: 50, offset: 0 });
    expect(folded.stats).toEqual(stats);
    expect(folded.items.map((i) => i.reference).sort()).toEqual(items.map((i) => i.reference).sort());
    expect(folded.awaitingApproval.items.map((i) => i.reference)).toEqual(['FLAGGED-CLEARED-PENDING', 'CLEAR-TO-BLOCK-CLEARED']);
    expect(stats.total).toBe(expectedOpen.length);
    expect(stats.counts).toEqual(expected);
    // A screening open only because of a change waits since the change (here the earlier run, before any screening here).
    expect(stats.oldest).toBe(earlier.toISOString());
    // Rows written before monitoring results carried the stored decision (or by a replica that did not yet
    // write it) count the same: the stored decision is then read from the screening.
    // (Results are append-only: the test lifts the trigger to make rows as an older writer left them.)
    const db = t.app.database.db;
    await db.execute(sql`alter table monitoring_results disable trigger monitoring_results_append_only`);
    try {
      await db.execute(sql`update monitoring_results set stored_decision = null`);
    } finally {
      await db.execute(sql`alter table monitoring_results enable trigger monitoring_results_append_only`);
    }
    const fallback = (await dashboard.queue({ order: 'age', limit: 50, offset: 0 })).stats;
    expect({ total: fallback.total, counts: fallback.counts, oldest: fallback.oldest }).toEqual({ total: stats.total, counts: stats.counts, oldest: stats.oldest });
    const queuePage = await t.app.inject({ method: 'GET', url: '/queue', headers: { ...bearer(t.keys.reviewer.key), accept: 'text/html' } });
    expect(queuePage.body).toContain(`<span class="n">${expectedOpen.length}</span> waiting`);
    // The queue says which clearances await approval, and who can approve: the reviewer who cleared sees that
    // another must; another reviewer (here the admin) is offered the screening to approve.
    expect(queuePage.body).toContain('Awaiting approval: 2 clearances');
    expect(queuePage.body).toContain('another reviewer or admin — not you');
    expect(queuePage.body).toMatch(/awaiting approval<\/span>/);
    // …and in its "Changed by monitoring" section, the change cleared but not yet approved, marked so; its count agrees.
    expect(queuePage.body).toContain('Changed by monitoring: 4 awaiting a disposition');
    expect(queuePage.body).toMatch(/CLEAR-TO-BLOCK-CLEARED<\/a> <span class="badge awaiting">cleared, awaiting approval<\/span>/);
    const adminQueue = await t.app.inject({ method: 'GET', url: '/queue', headers: { ...bearer(t.keys.admin.key), accept: 'text/html' } });
    expect(adminQueue.body).toContain(`href="/screenings/${ids['FLAGGED-CLEARED-PENDING']}#record-disposition">approve or supersede</a>`);
    expect(adminQueue.body).not.toContain('not you');
    // The flag log's Disposition column and the screening's summary say the clearance awaits approval too.
    const html = { ...bearer(t.keys.auditor.key), accept: 'text/html' };
    const log = await t.app.inject({ method: 'GET', url: '/log?reference=FLAGGED-CLEARED-PENDING', headers: html });
    expect(log.body).toMatch(/cleared by test reviewer \(the only disposition\) <span class="badge awaiting">awaiting approval<\/span>/);
    const approvedLog = await t.app.inject({ method: 'GET', url: '/log?reference=FLAGGED-CLEARED-APPROVED', headers: html });
    expect(approvedLog.body).toContain('approved by test admin (2 dispositions)');
    expect(approvedLog.body).not.toContain('awaiting approval</span>');
    const pendingPage = await t.app.inject({ method: 'GET', url: `/screenings/${ids['FLAGGED-CLEARED-PENDING']}`, headers: html });
    expect(pendingPage.body).toMatch(/Disposition: <strong>cleared<\/strong>[^<]*by test reviewer — <span class="badge awaiting">awaiting approval<\/span> a second reviewer or admin \(not test reviewer\)/);

    // Each listed screening shows the decision it was changed to, beside the stored one.
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?reference=CLEAR-TO-BLOCK`, headers: bearer(t.keys.submitter.key) });
    expect(res.json().items).toEqual([expect.objectContaining({ decision: 'CLEAR', monitoring: { decision: 'BLOCK', at: later.toISOString(), runId: run } })]);
    const unchanged = await t.app.inject({ method: 'GET', url: `/v1/screenings?reference=CLEAR-UNCHANGED`, headers: bearer(t.keys.submitter.key) });
    expect(unchanged.json().items).toEqual([expect.objectContaining({ decision: 'CLEAR', monitoring: null })]);

    // Approved by a second key, the cleared change is final: it leaves the open changes.
    await dispose('CLEAR-TO-BLOCK-CLEARED', 'approved', t.keys.admin.key);
    expect((await openChanges()).items.map((c) => c.reference).sort()).toEqual(['CLEAR-TO-BLOCK', 'CLEAR-TO-REVIEW-ESCALATED', 'FLAGGED-CLEARED-THEN-CHANGED']);
  });
});
