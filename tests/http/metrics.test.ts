/**
 * GET /metrics: auditor/admin only on the main port (a submitter's key or none is refused), the
 * same text without a key on METRICS_PORT bound to 127.0.0.1, and content that moves with the
 * traffic: requests by route pattern and status, decisions, writer batches, seal lag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typicalShipment } from '../../bench/fixtures.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

/** The value of one sample line, e.g. value(text, 'chokepoint_decisions_total{decision="REVIEW",replayed="false"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let t: KeyedTestApp;
  const metricsPort = 39_000 + Math.floor(Math.random() * 1000);
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0, metricsPort }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  });
  afterAll(async () => {
    await t.close();
  });

  const scrape = (key?: string) => t.app.inject({ method: 'GET', url: '/metrics', headers: key ? bearer(key) : {} });

  it('is refused without a key (401) and to submitters and reviewers (403)', async () => {
    expect((await scrape()).statusCode).toBe(401);
    expect((await scrape(t.keys.submitter.key)).statusCode).toBe(403);
    expect((await scrape(t.keys.reviewer.key)).statusCode).toBe(403);
  });

  it('counts requests by route pattern and status, decisions, and writer batches', async () => {
    const screened = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: typicalShipment });
    expect(screened.statusCode).toBe(201);
    const decision = screened.json().decision as string;
    const id = screened.json().id as string;
    expect((await t.app.inject({ method: 'GET', url: `/v1/screenings/${id}`, headers: bearer(t.keys.submitter.key) })).statusCode).toBe(200);

    const res = await scrape(t.keys.auditor.key);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(value(text, 'chokepoint_http_requests_total{method="POST",route="/v1/screenings",status="201"}')).toBe(1);
    // The pattern, not the id: one series for every screening read.
    expect(value(text, 'chokepoint_http_requests_total{method="GET",route="/v1/screenings/:id",status="200"}')).toBe(1);
    expect(text).not.toContain(id);
    expect(value(text, 'chokepoint_http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(1);
    expect(value(text, 'chokepoint_http_request_duration_seconds_count{method="POST",route="/v1/screenings",status="201"}')).toBe(1);
    expect(value(text, `chokepoint_decisions_total{decision="${decision}",replayed="false"}`)).toBe(1);
    expect(value(text, 'chokepoint_writer_batch_size_count')).toBe(1);
    expect(value(text, 'chokepoint_writer_commit_duration_seconds_count{outcome="committed"}')).toBe(1);
    // The screening (and the ruleset activation event) are not sealed yet.
    expect(value(text, 'chokepoint_audit_unsealed_records')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'chokepoint_audit_seal_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'chokepoint_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value(text, 'chokepoint_engine_workers')).toBe(0);
  });

  it('shows no unsealed records after a seal', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v1/audit/seal', headers: bearer(t.keys.auditor.key) })).statusCode).toBeLessThan(300);
    const text = (await scrape(t.keys.admin.key)).body;
    expect(value(text, 'chokepoint_audit_unsealed_records')).toBe(0);
    expect(value(text, 'chokepoint_audit_seal_lag_seconds')).toBe(0);
  });

  it('counts reads of the change-fed tables by where they were served from', async () => {
    const before = await scrape(t.keys.admin.key);
    const memory = value(before.body, 'chokepoint_change_feed_reads_total{source="memory"}') ?? 0;
    // The typical shipment has parties, so each screening reads the suppressions; the second from memory.
    for (const reference of ['M-1', 'M-2']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: { ...typicalShipment, reference } });
      expect(res.statusCode).toBe(201);
    }
    const text = (await scrape(t.keys.admin.key)).body;
    expect(value(text, 'chokepoint_change_feed_reads_total{source="memory"}')).toBeGreaterThan(memory);
    expect(value(text, 'chokepoint_change_feed_reads_total{source="database"}')).toBeGreaterThanOrEqual(1);
  });

  it('reports the depth of a registered job queue, the batch chunk queue among them', async () => {
    // The app registers its batch chunk queue: nothing waiting on an idle replica.
    expect(value((await scrape(t.keys.admin.key)).body, 'chokepoint_job_queue_depth{queue="batch-chunk"}')).toBe(0);
    // What it counts: jobs waiting, not yet taken by a worker (a queue nobody works here).
    await t.app.queue.defineQueue('metrics-probe', { retryLimit: 0, retryDelay: 1, retryBackoff: false });
    await t.app.queue.sendMany('metrics-probe', [{ data: { n: 1 } }, { data: { n: 2 } }]);
    t.app.metrics.registerQueue('metrics-probe', () => t.app.queue.depth('metrics-probe'));
    expect(value((await scrape(t.keys.admin.key)).body, 'chokepoint_job_queue_depth{queue="metrics-probe"}')).toBe(2);
    t.app.metrics.registerQueue('batches', () => 7);
    expect(value((await scrape(t.keys.admin.key)).body, 'chokepoint_job_queue_depth{queue="batches"}')).toBe(7);
    // A queue that cannot answer has no sample; the scrape still succeeds.
    t.app.metrics.registerQueue('broken', () => Promise.reject(new Error('database down')));
    const res = await scrape(t.keys.admin.key);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('queue="broken"');
    expect(value(res.body, 'chokepoint_job_queue_depth{queue="batches"}')).toBe(7);
  });

  it('is served without a key on METRICS_PORT, on 127.0.0.1 only, and nothing else is', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('chokepoint_http_requests_total');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/screenings`)).status).toBe(404);
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) await expect(fetch(`http://${external.address}:${metricsPort}/metrics`)).rejects.toThrow();
  });
});
