/**
 * Settings the service puts on every Postgres connection it opens: no JIT compilation — it cost the
 * flag-log export ~750 ms of every ~1.1 s chunk (README, *Audit log at 1M screenings*).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, testDb, type TestDb } from './factory.js';

describe.runIf(onPostgres)('service connections to Postgres', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t.close());

  it('run without JIT, on every pooled connection', async () => {
    // More concurrent statements than one connection: several pooled clients answer.
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.database.db.transaction(async (tx) => {
          const res = (await tx.execute(sql`select current_setting('jit') as jit, pg_backend_pid() as pid, pg_sleep(0.05)`)) as unknown as {
            rows: Array<{ jit: string; pid: number }>;
          };
          return res.rows[0]!;
        }),
      ),
    );
    expect(new Set(answers.map((a) => a.pid)).size).toBeGreaterThan(1);
    expect(answers.map((a) => a.jit)).toEqual(answers.map(() => 'off'));
  });
});
