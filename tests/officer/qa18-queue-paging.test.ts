/**
 * QA 18, the work queue pages by keyset (cursor), not by offset: an officer who disposes of screenings on
 * page 1 and follows "next page" sees every screening still open exactly once — none skipped (offset paging
 * skipped as many as were disposed of), none repeated. A cursor from the address bar is hostile: anything
 * the queue did not hand out is a 400 naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { DashboardService, encodeQueueCursor } from '../../src/services/dashboard.js';

/** Open screenings of different risk: to China (BLOCK/LICENSE_REQUIRED), and to Vietnam without a licence. */
const toChina = (reference: string, quantity: number) => ({
  reference, shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity }], route: { origin: 'US', destination: 'CN' },
});
const toVietnam = (reference: string) => ({
  reference, shipDate: '2098-12-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8, unitPriceUsd: 30_000 }],
  parties: [
    { role: 'buyer', name: 'Unlicensed Compute JSC', country: 'VN', businessType: 'cloud', website: 'compute.example', incorporatedOn: '2015-03-01' },
    { role: 'ultimate_consignee', name: 'Unlicensed Compute JSC', country: 'VN' },
  ],
  route: { origin: 'US', destination: 'VN' },
  endUse: 'Cloud GPU instances for enterprise customers',
});

const QUEUE_PAGE = 50;

describe('QA 18: the work queue pages by cursor', () => {
  let t: KeyedTestApp;
  const open: Array<{ id: string; riskScore: number }> = [];

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    for (let i = 0; i < 64; i++) {
      const body = i % 3 === 0 ? toVietnam(`SO-QA18-Q${i}`) : toChina(`SO-QA18-Q${i}`, 10 + (i % 4));
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: body });
      expect(res.statusCode, res.body).toBe(201);
      const s = res.json() as { id: string; decision: string; riskScore: number };
      if (s.decision !== 'CLEAR') open.push({ id: s.id, riskScore: s.riskScore });
    }
  }, 120_000);
  afterAll(async () => t?.close());

  const page = (url: string) => t.app.inject({ method: 'GET', url, headers: { ...bearer(t.keys.reviewer.key), accept: 'text/html' } });
  /** The screenings the queue's own table lists (not the sections above it), in order. */
  const listed = (body: string) => [...body.slice(body.indexOf('<p class="sort">')).matchAll(/<a href="\/screenings\/([0-9a-f-]{36})">/g)].map((m) => m[1]!);
  const link = (body: string, rel: 'next' | 'prev') => {
    const m = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(body);
    return m ? m[1]!.replace(/&amp;/g, '&') : null;
  };
  const dispose = (id: string) =>
    t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: bearer(t.keys.reviewer.key), payload: { action: 'blocked', justification: 'Not shipping: QA 18' } });

  it('disposing of screenings on page 1 skips none of the rest on page 2 (both orders), and repeats none', { timeout: 60_000 }, async () => {
    expect(open.length).toBeGreaterThan(QUEUE_PAGE + 5);
    expect(new Set(open.map((o) => o.riskScore)).size).toBeGreaterThan(1);
    const wantOrder = {
      age: open.map((o) => o.id),
      risk: [...open].sort((a, b) => b.riskScore - a.riskScore).map((o) => o.id), // stable: ties stay oldest first
    };
    let disposed = new Set<string>();
    for (const order of ['age', 'risk'] as const) {
      const firstUrl = order === 'risk' ? '/queue?order=risk' : '/queue';
      const first = await page(firstUrl);
      expect(first.statusCode).toBe(200);
      const page1 = listed(first.body);
      const stillOpen = wantOrder[order].filter((id) => !disposed.has(id));
      expect(page1).toEqual(stillOpen.slice(0, QUEUE_PAGE));
      expect(link(first.body, 'prev')).toBeNull();
      const next = link(first.body, 'next');
      expect(next).toMatch(order === 'risk' ? /^\/queue\?order=risk&cursor=[A-Za-z0-9_-]+$/ : /^\/queue\?cursor=[A-Za-z0-9_-]+$/);

      // The officer works through page 1: disposes of four of its screenings, then follows "next page".
      const now = page1.filter((_, i) => i % 12 === 3).slice(0, 4);
      for (const id of now) expect((await dispose(id)).statusCode).toBe(201);
      disposed = new Set([...disposed, ...now]);

      const second = await page(next!);
      expect(second.statusCode).toBe(200);
      const page2 = listed(second.body);
      // Every screening still open is shown on page 1 or page 2 — none skipped — and no screening on both.
      const remaining = wantOrder[order].filter((id) => !disposed.has(id));
      const seen = [...page1.filter((id) => !disposed.has(id)), ...page2];
      expect(page2.filter((id) => page1.includes(id))).toEqual([]);
      expect(seen).toEqual(remaining);
      expect(link(second.body, 'next')).toBeNull();
      expect(second.body).toContain('← first page');

      // "Previous page" from page 2 reaches the start: the first page as it stands now, filled.
      const prev = link(second.body, 'prev');
      expect(prev).not.toBeNull();
      const back = await page(prev!);
      expect(back.statusCode).toBe(200);
      expect(listed(back.body)).toEqual(remaining.slice(0, QUEUE_PAGE));
    }
  });

  it('the service pages both ways by cursor with small pages: forwards and back, the same rows in the same order', async () => {
    const svc = new DashboardService(t.app.database.db, () => t.app.rules.get(), undefined, t.app.config.fourEyesDecisions);
    for (const order of ['age', 'risk'] as const) {
      const all = (await svc.queue({ order, limit: 1000 })).items.map((i) => i.id);
      const forward: string[][] = [];
      let cursor: string | null = null;
      let prev: string | null = null;
      do {
        const p = await svc.queue({ order, limit: 7, cursor });
        forward.push(p.items.map((i) => i.id));
        expect(p.first).toBe(cursor === null);
        prev = p.prevCursor;
        cursor = p.nextCursor;
      } while (cursor);
      expect(forward.flat()).toEqual(all);
      // Back from the last page: each previous page is the page before it, until the first.
      const backward: string[][] = [];
      let at = prev;
      while (at) {
        const p = await svc.queue({ order, limit: 7, cursor: at });
        backward.unshift(p.items.map((i) => i.id));
        at = p.first ? null : p.prevCursor;
      }
      expect(backward).toEqual(forward.slice(0, backward.length));
      expect(backward[0]).toEqual(all.slice(0, 7));
    }
  });

  it('a cursor the queue did not hand out is a 400 naming the parameter, never a 500', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const svc = new DashboardService(t.app.database.db, () => t.app.rules.get(), undefined, t.app.config.fourEyesDecisions);
    const riskCursor = encodeQueueCursor({ order: 'risk', dir: 'after', key: { seq: 1, riskScore: 50 } });
    const hostile = [
      'nope!',
      '%00',
      'x'.repeat(500),
      b64({ seq: 1 }),
      b64(['queue', 'age', 'after', 'x', 1]),
      b64(['queue', 'age', 'after', 1.5, 1]),
      b64(['queue', 'age', 'sideways', 1, 1]),
      b64(['queue', 'age', 'after', -1, 1]),
      b64(['queue', 'age', 'after', 1e300, 1]),
      b64(['flags', 'age', 'after', 1, 1]),
      riskCursor, // a risk-order cursor on the oldest-first queue
    ];
    for (const c of hostile) {
      const res = await page(`/queue?cursor=${encodeURIComponent(c)}`);
      expect(res.statusCode, c).toBe(400);
      expect(res.body, c).toContain('/cursor: ');
      expect(res.body).toContain('Go to the first page of the work queue');
      await expect(svc.queue({ order: 'age', limit: 5, cursor: c })).rejects.toMatchObject({ status: 400 });
    }
    // Given twice (an array), or with a tampered (but well-formed) key: refused, or a page — never a 500.
    expect((await page('/queue?cursor=a&cursor=b')).statusCode).toBe(400);
    expect((await page(`/queue?order=risk&cursor=${riskCursor}`)).statusCode).toBe(200);
    expect((await page(`/queue?cursor=${b64(['queue', 'age', 'after', Number.MAX_SAFE_INTEGER, 0])}`)).statusCode).toBe(200);
    // An old offset link is not an error: the first page.
    expect((await page('/queue?offset=50')).statusCode).toBe(200);
  });
});
