/**
 * The engine on worker threads: the same decisions as on the main thread, a reload when the
 * active ruleset changes, and 503 — never a decision — when a worker dies or its rules differ.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Ruleset } from '../../src/rules/index.js';
import { RulesService, createEngine, createRulesetLoader } from '../../src/services/active-ruleset.js';
import { EnginePool } from '../../src/services/engine-pool.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import { typicalShipment } from '../../bench/fixtures.js';
import { RULES_DIR } from '../helpers/ruleset.js';
import { readListPath } from '../../src/lists/import.js';
import { writeManifest } from '../../src/lists/manifest.js';

const shipment = typicalShipment as unknown as ShipmentInput;
const now = new Date('2026-11-30T10:00:00.000Z');
let dir: string;
let rules: RulesService<Ruleset>;
let pool: EnginePool;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeAll(async () => {
  // A copy of the rules, so one test can change them on disk, with a small party list so each
  // worker loads in well under a second.
  dir = mkdtempSync(path.join(os.tmpdir(), 'chokepoint-pool-'));
  cpSync(RULES_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('.csv.gz') });
  const list = path.resolve(import.meta.dirname, '../fixtures/lists/csl-2019.csv');
  cpSync(list, path.join(dir, 'lists', 'csl-2019.csv'));
  const { source } = await readListPath(list, 'csl-csv');
  await writeManifest(dir, {
    lists: [{ file: 'csl-2019.csv', name: 'CSL 2019 sample', format: 'csl-csv', sha256: source.sha256, entryCount: source.entryCount, generatedAt: null }],
  });
  rules = new RulesService(createRulesetLoader({ rulesDir: dir, matchThreshold: 0.85 }));
  await rules.reload();
  pool = new EnginePool(rules, { threads: 1, rulesDir: dir, matchThreshold: 0.85 });
  await pool.warm();
}, 120_000);

afterAll(async () => {
  await pool?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EnginePool', () => {
  it('screens and classifies exactly as the engine on the main thread does', async () => {
    const local = createEngine(rules);
    expect(await pool.screen(shipment, now)).toEqual(await local.screen(shipment, now));
    expect(await pool.classify(shipment.items, '2026-11-30')).toEqual(await local.classify(shipment.items, '2026-11-30'));
  });

  it('screens batch lines into the same rows as the main thread does, refusals as field errors', async () => {
    const bad = { ...shipment, route: { ...shipment.route, destination: 'ZZ' } } as ShipmentInput;
    const lines = [
      { lineNo: 1, input: shipment, at: now.toISOString() },
      { lineNo: 2, input: bad, at: now.toISOString() },
    ];
    // Each row gets its own id (in the row and in the stored result): compare everything else.
    const decoded = (out: Awaited<ReturnType<EnginePool['screenLines']>>) =>
      out.map((l) => {
        if (!('row' in l)) return l;
        const { bytes, ...rest } = l.row;
        const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString('utf8').replaceAll(l.row.id, 'x'));
        return { ...l, row: { ...rest, id: 'x', json: { ...json(bytes.columns), request: json(bytes.request), result: json(bytes.result) } } };
      });
    const fromPool = await pool.screenLines(lines, 'key-1');
    expect(decoded(fromPool)).toEqual(decoded(await createEngine(rules).screenLines(lines, 'key-1')));
    // Only the row's bytes cross back from the worker: the JSON object insertScreenings reads.
    const row = (decoded(fromPool)[0] as { row: { decision: string; json: Record<string, any> } }).row;
    expect(row.json).toMatchObject({ id: 'x', decision: row.decision, api_key_id: 'key-1', request: shipment });
    expect(row.json.result.decision).toBe(row.decision);
    expect(row.json.result.id).toBe('x');
    expect(fromPool[1]).toEqual({ lineNo: 2, errors: [expect.objectContaining({ field: expect.stringContaining('destination') })] });
  });

  it('returns field errors from the worker as an attempt, like the main thread', async () => {
    const bad = { ...shipment, route: { ...shipment.route, destination: 'ZZ' } } as ShipmentInput;
    const attempt = await pool.screen(bad, now);
    expect(attempt.ok).toBe(false);
    expect(attempt).toEqual(await createEngine(rules).screen(bad, now));
  });

  it('reloads in the worker when a new ruleset becomes active, and answers from it', async () => {
    const before = rules.get().hash;
    const hubs = path.join(dir, 'hubs.yaml');
    writeFileSync(hubs, readFileSync(hubs, 'utf8').replace('Press: suspected channel to China (weak source)', 'Press: suspected channel (weak source, reworded)'));
    const after = (await rules.reload()).hash;
    expect(after).not.toBe(before);
    const attempt = await pool.screen(shipment, now);
    expect(attempt.ok && attempt.result.ruleset.hash).toBe(after);
  }, 120_000);

  it('refuses with 503 when the rules on disk do not produce the active hash (never a decision from other rules)', async () => {
    const real = rules.get();
    const other = new RulesService(async () => ({ ...real, hash: 'sha256:not-the-files-on-disk' }));
    await other.reload();
    const failures: unknown[] = [];
    const mismatched = new EnginePool(other, { threads: 1, rulesDir: dir, matchThreshold: 0.85, onFailure: (e) => failures.push(e) });
    try {
      const err = await rejection(mismatched.screen(shipment, now));
      expect(err.status).toBe(503);
      expect(String((failures[0] as Error).message)).toMatch(/ruleset mismatch/);
      expect((await rejection(mismatched.classify(shipment.items, '2026-11-30'))).status).toBe(503);
      expect((await rejection(mismatched.screenLines([{ lineNo: 1, input: shipment, at: now.toISOString() }], null))).status).toBe(503);
    } finally {
      await mismatched.close();
    }
  }, 120_000);

  it('refuses with 503 when a worker crashes', async () => {
    const crashing = new EnginePool(rules, {
      threads: 1,
      rulesDir: dir,
      matchThreshold: 0.85,
      filename: path.resolve(import.meta.dirname, '../fixtures/crashing-engine-worker.mjs'),
    });
    try {
      expect((await rejection(crashing.screen(shipment, now))).status).toBe(503);
      // The replacement worker crashes too: still 503, still no decision.
      expect((await rejection(crashing.screen(shipment, now))).status).toBe(503);
    } finally {
      await crashing.close();
    }
  });
});
