/**
 * BATCH_CHUNK_RETRIES and BATCH_CHUNK_RETRY_DELAY_SECONDS: read from the environment, checked, and
 * applied to the chunk queue's retry policy in pg-boss when the app starts (a queue created earlier
 * is brought to the new policy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../../src/config.js';
import { BATCH_QUEUE, CHUNK_RETRY } from '../../src/services/batches.js';
import { makeApp, type TestApp } from '../helpers/app.js';
import { rulesOnly } from '../helpers/ruleset.js';

describe('the chunk retry policy from the environment', () => {
  it('defaults to the documented policy and refuses nonsense', () => {
    const batch = loadConfig({}).batch;
    expect([batch.chunkRetries, batch.chunkRetryDelaySeconds]).toEqual([CHUNK_RETRY.retryLimit, CHUNK_RETRY.retryDelay]);
    expect(loadConfig({ BATCH_CHUNK_RETRIES: '3', BATCH_CHUNK_RETRY_DELAY_SECONDS: '30' }).batch).toMatchObject({ chunkRetries: 3, chunkRetryDelaySeconds: 30 });
    for (const [name, bad] of [['BATCH_CHUNK_RETRIES', '-1'], ['BATCH_CHUNK_RETRIES', '101'], ['BATCH_CHUNK_RETRY_DELAY_SECONDS', '2.5']] as const) {
      expect(() => loadConfig({ [name]: bad }), `${name}=${bad}`).toThrow(ConfigError);
    }
  });

  it('BATCH_UPLOAD_IDLE_SECONDS: 15 minutes unless set; at least a minute', () => {
    expect(loadConfig({}).batch.uploadIdleSeconds).toBe(900);
    expect(loadConfig({ BATCH_UPLOAD_IDLE_SECONDS: '120' }).batch.uploadIdleSeconds).toBe(120);
    for (const bad of ['30', 'soon', '86401']) expect(() => loadConfig({ BATCH_UPLOAD_IDLE_SECONDS: bad }), bad).toThrow(ConfigError);
  });

  describe('on a running app', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeApp({ batch: { ...loadConfig({}).batch, chunkRetries: 4, chunkRetryDelaySeconds: 7 } }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    }, 300_000);
    afterAll(async () => t?.close(), 120_000);

    it('is the chunk queue’s policy in pg-boss', async () => {
      const res = await t.app.database.db.execute(sql`SELECT retry_limit, retry_delay, retry_backoff FROM pgboss.queue WHERE name = ${BATCH_QUEUE}`);
      const rows = ((res as { rows?: unknown[] }).rows ?? (res as unknown as unknown[])) as Array<{ retry_limit: number; retry_delay: number; retry_backoff: boolean }>;
      expect(rows.map((r) => [Number(r.retry_limit), Number(r.retry_delay), r.retry_backoff])).toEqual([[4, 7, true]]);
    });
  });
});
