/**
 * A service killed mid-batch (SIGKILL: no shutdown hook runs) resumes on restart: every line is
 * screened, none twice — exactly one audit record per shipment, each linked to its line. A service
 * killed right after a batch finished, or right after it published batch.completed, delivers the
 * event once after the restart: one webhook delivery, never none and never two.
 * Runs on Postgres when TEST_DATABASE_URL is set, else on a PGlite folder (one process at a time).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/store/db.js';
import { parseStorage } from '../../src/config.js';
import { freshStorage, PG_URL } from '../helpers/storage.js';

const root = path.resolve(import.meta.dirname, '../..');
const N = 1000;

function child(env: Record<string, string>, onLine: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'tests/batches/kill-child.ts'], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let out = '';
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i), () => p.kill('SIGKILL'));
        buf = buf.slice(i + 1);
      }
    });
    p.stderr.on('data', (d: Buffer) => (out += d));
    p.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

async function withStorage(fn: (url: string) => Promise<void>) {
  const store = await freshStorage();
  const url = PG_URL && store.storage.kind === 'postgres' ? store.storage.url : `pglite:${mkdtempSync(path.join(tmpdir(), 'chokepoint-kill-'))}`;
  try {
    await fn(url);
  } finally {
    await store.drop();
  }
}

async function query(url: string, query: ReturnType<typeof sql>) {
  const database = await openDatabase(parseStorage(url, root));
  try {
    const r = await database.db.execute(query);
    return ((r as { rows?: unknown[] }).rows ?? r) as Array<Record<string, unknown>>;
  } finally {
    await database.close();
  }
}

describe('batch.completed survives a crash between finishing a batch and publishing it', { timeout: 600_000 }, () => {
  for (const crash of ['after-finish', 'after-publish'] as const) {
    it(`killed ${crash}: the restarted service publishes it, and the webhook endpoint gets exactly one delivery`, async () => {
      await withStorage(async (url) => {
        const first = await child({ MODE: 'finish', CRASH: crash, N: '12', DATABASE_URL: url }, () => {});
        expect(first.signal, first.out).toBe('SIGKILL');
        // The only batch (the crash may come before the 202: the last chunk can finish it during the upload).
        const [only] = await query(url, sql`select id from batches`);
        const batchId = String(only?.id);
        expect(first.out).toMatch(/^crashing$/m);
        const publishedBefore = first.out.match(/^event /gm)?.length ?? 0;
        // Killed after the commit and before publishing: nothing was published; after publishing: once.
        expect(publishedBefore).toBe(crash === 'after-finish' ? 0 : 1);
        const [state] = await query(url, sql`select state, screened from batches where id = ${batchId}`);
        expect(state).toEqual({ state: 'completed', screened: 12 });
        const deliveries = () => query(url, sql`select payload from webhook_deliveries where event_type = 'batch.completed'`);
        expect(await deliveries()).toHaveLength(crash === 'after-finish' ? 0 : 1);

        // The restart publishes it (again, after publishing) — its workers may do so before this
        // child subscribes, so the proof is the endpoint's delivery queue, not the printed events.
        const second = await child({ MODE: 'resume', BATCH_ID: batchId, DATABASE_URL: url }, () => {});
        expect(second.code, second.out).toBe(0);
        // ... and the event is one event: one delivery for the endpoint, whatever was published before the crash.
        const queued = await deliveries();
        expect(queued).toHaveLength(1);
        expect(JSON.parse(String(queued[0]!.payload))).toMatchObject({ type: 'batch.completed', data: { batchId, state: 'completed', total: 12, screened: 12 } });
      });
    }, 600_000);
  }
});

describe('a batch worker killed mid-batch', { timeout: 600_000 }, () => {
  it('resumes on restart with no shipment screened twice and none skipped', async () => {
    const store = await freshStorage();
    const url = PG_URL && store.storage.kind === 'postgres' ? store.storage.url : `pglite:${mkdtempSync(path.join(tmpdir(), 'chokepoint-kill-'))}`;
    try {
      let batchId = '';
      let doneAtKill = -1;
      const first = await child({ MODE: 'submit', N: String(N), DATABASE_URL: url }, (line, kill) => {
        const b = /^batch (\S+)/.exec(line);
        if (b) batchId = b[1]!;
        const m = /^progress (\d+) (\d+)/.exec(line);
        if (m && doneAtKill < 0 && Number(m[1]) >= 50) {
          doneAtKill = Number(m[1]);
          kill();
        }
      });
      expect(first.signal, first.out).toBe('SIGKILL');
      expect(batchId).not.toBe('');
      expect(doneAtKill).toBeGreaterThanOrEqual(50);
      expect(doneAtKill).toBeLessThan(N);

      const second = await child({ MODE: 'resume', BATCH_ID: batchId, DATABASE_URL: url }, () => {});
      expect(second.code, second.out).toBe(0);
      expect(second.out).toMatch(new RegExp(`progress ${N} ${N} completed`));

      const database = await openDatabase(parseStorage(url, root));
      try {
        const q = async (query: ReturnType<typeof sql>) => {
          const r = await database.db.execute(query);
          return ((r as { rows?: unknown[] }).rows ?? r) as Array<Record<string, unknown>>;
        };
        const [links] = await q(sql`select count(*)::int as n, count(distinct screening_id)::int as screenings from batch_results where batch_id = ${batchId}`);
        expect(links).toEqual({ n: N, screenings: N });
        const [stored] = await q(sql`select count(*)::int as n, count(distinct reference)::int as refs from screenings where reference like 'KILL-%'`);
        expect(stored).toEqual({ n: N, refs: N });
        const [orphans] = await q(sql`select count(*)::int as n from screenings s where s.reference like 'KILL-%' and not exists (select 1 from batch_results r where r.screening_id = s.id)`);
        expect(orphans).toEqual({ n: 0 });
      } finally {
        await database.close();
      }
    } finally {
      await store.drop();
    }
  }, 600_000);
});

describe('an upload killed before its 202, retried under its Idempotency-Key', { timeout: 600_000 }, () => {
  it('the retry takes over the lines the killed upload had screened: every shipment of the file stored once, none skipped', async () => {
    await withStorage(async (url) => {
      const n = 400;
      let killedAt: { received: number; screened: number } | null = null;
      const first = await child({ MODE: 'upload-kill', N: String(n), DATABASE_URL: url }, (line, kill) => {
        const m = /^upload receiving (\d+) (\d+)/.exec(line);
        if (m && !killedAt && Number(m[2]) >= 20) {
          killedAt = { received: Number(m[1]), screened: Number(m[2]) };
          kill();
        }
      });
      expect(first.signal, first.out).toBe('SIGKILL');
      expect(killedAt, first.out).not.toBeNull();
      const [dead] = await query(url, sql`select id, state, screened from batches`);
      expect(dead?.state).toBe('receiving');
      const screenedBefore = Number(dead?.screened);
      expect(screenedBefore).toBeGreaterThanOrEqual(20);
      // What the killed upload stored: it stays linked to its (failed) batch, and the retry links the same rows.
      const before = await query(url, sql`select line_no, screening_id from batch_results where batch_id = ${String(dead?.id)} and screening_id is not null order by line_no`);

      await new Promise((r) => setTimeout(r, 1500)); // the killed upload is idle past BATCH_UPLOAD_IDLE_SECONDS (1 s here)
      const second = await child({ MODE: 'upload-retry', N: String(n), DATABASE_URL: url }, () => {});
      expect(second.code, second.out).toBe(0);
      expect(second.out).toMatch(new RegExp(`progress ${n} ${n} completed`));
      const retryId = /^batch (\S+) resumed/m.exec(second.out)?.[1];
      // The retry's worker may finish the killed upload's queued chunks before the retry ends that upload (as
      // another replica would): the retry takes over every line it screened, those before the kill included.
      const [deadAfter] = await query(url, sql`select state, screened from batches where id = ${String(dead?.id)}`);
      expect(deadAfter?.state).toBe('failed');
      expect(Number(deadAfter?.screened)).toBeGreaterThanOrEqual(before.length);
      expect(second.out).toMatch(new RegExp(`resumed \\{"from":\\["${String(dead?.id)}"\\],"lines":${Number(deadAfter?.screened)}\\}`));

      const [stored] = await query(url, sql`select count(*)::int as n, count(distinct reference)::int as refs from screenings where reference like 'KILL-%'`);
      expect(stored).toEqual({ n, refs: n });
      const [links] = await query(url, sql`select count(*)::int as n, count(distinct screening_id)::int as screenings from batch_results where batch_id = ${String(retryId)}`);
      expect(links).toEqual({ n, screenings: n });
      const after = new Map((await query(url, sql`select line_no, screening_id from batch_results where batch_id = ${String(retryId)}`)).map((r) => [Number(r.line_no), r.screening_id]));
      for (const r of before) expect(after.get(Number(r.line_no))).toBe(r.screening_id);
      const [states] = await query(url, sql`select string_agg(state, ',' order by created_at) as s from batches`);
      expect(states?.s).toBe('failed,completed');
    });
  }, 600_000);
});
