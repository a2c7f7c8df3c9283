/**
 * A cancelled order is out of continuous monitoring's scope: the disposition in force is `cancelled`, so
 * the order will not ship, and a list change neither re-screens it nor asks a person to act on it (the
 * open changes, `open=true`, the work queue and its counts) — whenever that change was recorded. Re-opened
 * by a later disposition of another kind, it is back in scope.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardService } from '../../src/services/dashboard.js';
import { insertResults } from '../../src/store/monitoring-repo.js';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

const shipment = (reference: string, buyer: string) => ({
  reference,
  shipDate: '2099-03-01',
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
  changes: Array<{ screeningId: string; from: string; to: string }>;
}

describe('a cancelled order and continuous monitoring', () => {
  let t: KeyedTestApp;
  const BASE = [listEntry('el-a', 'Completely Unrelated Entity Holdings', { countries: ['IR'] })];
  const lists = mutableListLoader(BASE);

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    await t.app.monitoring.idle();
  });
  afterAll(async () => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(t.keys.reviewer.key) });
  const screen = async (reference: string, buyer: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(reference, buyer) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().decision).toBe('CLEAR');
    return res.json().id as string;
  };
  const dispose = async (id: string, action: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: bearer(t.keys.reviewer.key), payload: { action, justification: `${action} by the officer` } });
    expect(res.statusCode, res.body).toBe(201);
  };
  const reload = async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });
    expect(res.statusCode, res.body).toBe(200);
    await t.app.monitoring.idle();
    const latest = ((await get('/v1/monitoring/runs')).json().items as Run[])[0]!;
    return (await get(`/v1/monitoring/runs/${latest.id}`)).json() as Run;
  };
  const openChanges = async () => ((await get('/v1/monitoring/open-changes')).json().items as Array<{ screeningId: string }>).map((c) => c.screeningId).sort();
  const openNow = async () => ((await get('/v1/screenings?open=true&limit=100')).json().items as Array<{ id: string }>).map((s) => s.id).sort();
  /** The work queue's counts (the stored queue's plus the screenings open only because monitoring changed them). */
  const queueCounts = async () => {
    const dashboard = new DashboardService(t.app.database.db, () => t.app.rules.get(), undefined, t.app.config.fourEyesDecisions);
    return (await dashboard.queue({ order: 'age', limit: 50, offset: 0 })).stats;
  };

  it('is neither re-screened nor listed for a person, whenever the change came; re-opened, it is back', async () => {
    const kept = await screen('SO-KEPT', 'Zenith Apex Compute Ltd');
    const cancelled = await screen('SO-CANCELLED', 'Zenith Apex Compute Ltd');
    const reopened = await screen('SO-REOPENED', 'Zenith Apex Compute Ltd');
    const changedThenCancelled = await screen('SO-CHANGED-THEN-CANCELLED', 'Delta Orbit Compute Ltd');

    // A first list change reaches one order; it waits for a person until it is cancelled.
    lists.state.entries = [...BASE, listEntry('el-d', 'Delta Orbit Compute Limited', { countries: ['GB'] })];
    const first = await reload();
    expect(first).toMatchObject({ status: 'completed', total: 4, changed: 1 });
    expect(first.changes).toEqual([expect.objectContaining({ screeningId: changedThenCancelled, to: 'LICENSE_REQUIRED' })]);
    expect(await openChanges()).toEqual([changedThenCancelled]);
    await dispose(changedThenCancelled, 'cancelled');
    expect(await openChanges()).toEqual([]);

    // Two more orders are cancelled; one of them is re-opened (a later disposition that is not a cancellation).
    await dispose(cancelled, 'cancelled');
    await dispose(reopened, 'cancelled');
    await dispose(reopened, 'escalated');

    // The next list names both buyers (Delta's now on the Denied Persons List: BLOCK). The run's scope leaves the
    // two cancelled orders out — nothing re-screened, nothing reported, nothing announced — and keeps the rest.
    lists.state.entries = [
      ...lists.state.entries,
      listEntry('el-z', 'Zenith Apex Compute Limited', { countries: ['GB'] }),
      listEntry('dpl-d', 'Delta Orbit Compute Limited', { list: 'DPL', countries: ['GB'] }),
    ];
    const second = await reload();
    expect(second).toMatchObject({ status: 'completed', total: 2, rescreened: 2, changed: 2 });
    expect(second.changes.map((c) => c.screeningId).sort()).toEqual([kept, reopened].sort());
    const rescreened = (await t.app.database.db.execute(sql`select screening_id from monitoring_results where run_id = ${second.id}`)) as unknown as { rows: Array<{ screening_id: string }> };
    expect(rescreened.rows.map((r) => r.screening_id).sort()).toEqual([kept, reopened].sort());

    // Only the orders that may still ship wait for a person: in the open changes, `open=true` and the work queue.
    expect(await openChanges()).toEqual([kept, reopened].sort());
    const open = await openNow();
    expect(open).toEqual(expect.arrayContaining([kept, reopened]));
    expect(open).not.toContain(cancelled);
    expect(open).not.toContain(changedThenCancelled);
    const queue = await t.app.inject({ method: 'GET', url: '/queue', headers: { ...bearer(t.keys.reviewer.key), accept: 'text/html' } });
    expect(queue.body).toContain('Changed by monitoring: 2 awaiting a disposition');
    expect(queue.body).not.toContain('SO-CANCELLED');
    const counts = (await t.app.inject({ method: 'GET', url: '/v1/screenings?open=true&count=true&limit=1', headers: bearer(t.keys.reviewer.key) })).json().total;
    expect(counts).toEqual({ count: 2, exact: true });
    expect(await queueCounts()).toMatchObject({ total: 2, counts: { LICENSE_REQUIRED: 2 } });

    // A change recorded after the cancellation (a run that read the order a moment before it was cancelled)
    // does not put it back in front of a person either.
    const seq = (await t.app.database.db.execute(sql`select seq from screenings where id = ${cancelled}`)) as unknown as { rows: Array<{ seq: string | number }> };
    await insertResults(t.app.database.db, [
      {
        runId: second.id, screeningId: cancelled, screeningSeq: Number(seq.rows[0]!.seq), ownerKeyId: t.keys.submitter.id,
        previousDecision: 'CLEAR', storedDecision: 'CLEAR', decision: 'LICENSE_REQUIRED', decisionChanged: true,
        flagsAdded: ['LIST-EL parties[0]'], flagsRemoved: [], result: null, error: null, createdAt: new Date(Date.now() + 1000).toISOString(),
      },
    ]);
    expect(await openChanges()).toEqual([kept, reopened].sort());
    expect(await openNow()).not.toContain(cancelled);
    const after = await t.app.inject({ method: 'GET', url: '/queue', headers: { ...bearer(t.keys.reviewer.key), accept: 'text/html' } });
    expect(after.body).toContain('Changed by monitoring: 2 awaiting a disposition');
    const total = await t.app.inject({ method: 'GET', url: '/v1/screenings?open=true&count=true&limit=1', headers: bearer(t.keys.reviewer.key) });
    expect(total.json().total).toEqual({ count: 2, exact: true });
    expect((await queueCounts()).total).toBe(2);

    // Re-opened after all (escalated), it waits again, change and all.
    await dispose(cancelled, 'escalated');
    expect(await openChanges()).toEqual([kept, reopened, cancelled].sort());
    expect(await openNow()).toContain(cancelled);
    expect((await queueCounts()).total).toBe(3);
  });
});
