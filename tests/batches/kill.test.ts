/**
 * A service killed mid-batch (SIGKILL: no shutdown hook runs) resumes on restart: every line is
 * screened, none twice — exactly one audit record per shipment, each linked to its line.
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
