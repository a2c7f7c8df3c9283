/** `chokepoint screen shipments.csv --out results.csv`: a batch through the same app, a summary, exit code by the strongest decision. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { progressLine } from '../../src/cli-batch.js';
import { buildApp } from '../../src/app.js';
import { parseStorage, testConfig } from '../../src/config.js';
import { createBatch, stageLines } from '../../src/store/batches-repo.js';
import { rulesOnly } from '../helpers/ruleset.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('chokepoint screen <batch file>', { timeout: 600_000 }, () => {
  it('screens a CSV batch, writes the results, prints a summary by decision and exits with the strongest decision', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-cli-batch-'));
    const file = path.join(dir, 'shipments.csv');
    const out = path.join(dir, 'results.csv');
    writeFileSync(
      file,
      [
        'reference,route_destination,item_model,item_quantity,buyer_name,buyer_country',
        'C-1,SG,NVIDIA H100 SXM5 80GB,8,Example Pte Ltd,SG',
        'C-1,SG,NVIDIA L4,2,,',
        'C-2,CU,NVIDIA L4,1,,',
        'C-3,SG,NVIDIA L4,zz,,',
        '',
      ].join('\n'),
    );
    let r: { code: number; stdout: string; stderr: string };
    try {
      await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'screen', file, '--out', out], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent', CHOKEPOINT_ADMIN_KEY: 'cli-test-admin-key-0123456789abcdefghij' },
        timeout: 240_000,
      });
      r = { code: 0, stdout: '', stderr: '' };
    } catch (err) {
      r = err as { code: number; stdout: string; stderr: string };
    }
    expect(r.code, r.stderr).toBe(4); // C-2 to Cuba: BLOCK
    expect(r.stdout).toMatch(/completed, 3 shipments/);
    expect(r.stdout).toMatch(/BLOCK 1 .*invalid 1/);
    expect(r.stderr).toMatch(/line 5: item_quantity: must be a whole number/);
    expect(r.stderr).toMatch(/\[#+\] 3\/3/);
    const rows = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(rows.map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['line,reference,status', '2,C-1,screened', '4,C-2,screened', '5,C-3,invalid']);
  }, 300_000);

  it('run again with the same --idempotency-key, it follows the batch the first run made instead of screening the file twice', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-cli-batch-idem-'));
    const file = path.join(dir, 'orders.ndjson');
    const shipment = (ref: string) => JSON.stringify({ reference: ref, shipDate: '2026-11-30', items: [{ model: 'NVIDIA L4', quantity: 2 }], route: { origin: 'US', destination: 'DE' } });
    writeFileSync(file, `${shipment('R-1')}\n${shipment('R-2')}\n`);
    const once = async (out: string) => {
      const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'screen', file, '--out', out, '--idempotency-key', 'nightly-r'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: `pglite:${path.join(dir, 'db')}`, LOG_LEVEL: 'silent', CHOKEPOINT_ADMIN_KEY: 'cli-test-admin-key-0123456789abcdefghij' },
        timeout: 240_000,
      }).catch((err: { code: number; stdout: string; stderr: string }) => err);
      return { stdout: r.stdout, stderr: r.stderr, results: readFileSync(out, 'utf8') };
    };
    const first = await once(path.join(dir, 'first.csv'));
    const second = await once(path.join(dir, 'second.csv'));
    expect(first.stderr).not.toMatch(/already submitted/);
    expect(second.stderr).toMatch(/already submitted under this key \(completed\); not screened again/);
    const batchId = /batch ([0-9a-f-]{36}):/.exec(first.stdout)?.[1];
    expect(batchId).toBeDefined();
    expect(second.stdout).toContain(`batch ${batchId}: completed, 2 shipments`);
    // The same lines with the same screenings (their ids are in the results): nothing was screened again.
    expect(second.results).toBe(first.results);
    expect(first.results.trim().split('\r\n')).toHaveLength(3);
  }, 300_000);

  it('a run killed during its upload (its batch left receiving) does not hold the --idempotency-key: the run again screens the file', async () => {
    // Embedded storage is one process at a time, so a batch still `receiving` when the CLI opens it was read by a
    // process that died. Before, the key answered 409 "still being received" to every run again, for ever: the
    // reaper that ends such uploads after BATCH_UPLOAD_IDLE_SECONDS runs on a timer a short CLI run never reaches.
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-cli-batch-dead-'));
    const dbUrl = `pglite:${path.join(dir, 'db')}`;
    const adminKey = 'cli-test-admin-key-0123456789abcdefghij';
    const shipment = (ref: string) => JSON.stringify({ reference: ref, shipDate: '2026-11-30', items: [{ model: 'NVIDIA L4', quantity: 2 }], route: { origin: 'US', destination: 'DE' } });
    const app = await buildApp({ config: testConfig({ storage: parseStorage(dbUrl, root), adminKey }), loadRuleset: rulesOnly, sealIntervalMs: 0 });
    const dead = '00000000-0000-4000-8000-00000000dead';
    let deadScreening = '';
    try {
      const r = (await app.database.db.execute(sql`select id from api_keys where role = 'admin' limit 1`)) as unknown as { rows: Array<{ id: string }> };
      const at = new Date().toISOString();
      await createBatch(app.database.db, { id: dead, apiKeyId: r.rows[0]!.id, format: 'ndjson', createdAt: at, idempotencyKey: 'nightly-dead' });
      await stageLines(app.database.db, dead, [{ lineNo: 1, reference: 'D-1', input: JSON.parse(shipment('D-1')) }], at);
      // Its chunk had screened line 1 before the process died.
      await app.batches.runChunk({ batchId: dead, fromLine: 1, toLine: 1 });
      const s = (await app.database.db.execute(sql`select screening_id from batch_results where batch_id = ${dead}`)) as unknown as { rows: Array<{ screening_id: string }> };
      deadScreening = s.rows[0]!.screening_id;
    } finally {
      await app.close();
    }
    const file = path.join(dir, 'orders.ndjson');
    writeFileSync(file, `${shipment('D-1')}\n${shipment('D-2')}\n`);
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'screen', file, '--out', path.join(dir, 'results.csv'), '--idempotency-key', 'nightly-dead'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'silent', CHOKEPOINT_ADMIN_KEY: adminKey },
      timeout: 240_000,
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(r.stderr).not.toMatch(/still being received/);
    expect(r.stderr).toContain(`batch ${dead}: its upload broke off with the process that read it; ended as failed`);
    expect(r.stdout).toMatch(/completed, 2 shipments/);
    // The run again takes over the line the dead run had screened: D-1 keeps its screening, D-2 is screened now.
    expect(r.stderr).toMatch(new RegExp(`resumes the failed upload ${dead}: 1 line it had screened taken over, not screened again`));
    const results = readFileSync(path.join(dir, 'results.csv'), 'utf8').trim().split('\r\n');
    expect(results).toHaveLength(3);
    expect(results[1]!.split(',').slice(0, 3)).toEqual(['1', 'D-1', 'screened']);
    expect(results[1]!.split(',')[5]).toBe(deadScreening);
    expect(results[2]!.split(',')[5]).not.toBe(deadScreening);
  }, 300_000);

  it('draws the progress bar with count, rate and ETA', () => {
    expect(progressLine({ done: 250, total: 1000, ratePerSecond: 125.4, etaSeconds: 6 }, 20)).toBe('[#####...............] 250/1,000  125/s  ETA 6s');
    expect(progressLine({ done: 0, total: 1_000_000, ratePerSecond: null, etaSeconds: null }, 4)).toBe('[....] 0/1,000,000  --/s  ETA --');
    expect(progressLine({ done: 1, total: 2, ratePerSecond: 1, etaSeconds: 3725 }, 2)).toBe('[#.] 1/2  1/s  ETA 1h02m');
  });
});
