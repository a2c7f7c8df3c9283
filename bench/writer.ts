/**
 * The screening writer alone (no HTTP, no engine): 32 concurrent callers storing realistic rows
 * (~7 KB result, the audit indexes in place) through the group committer for 5 s.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:writer
 *
 * A throwaway database is created beside the one named and dropped at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { openDatabase } from '../src/store/db.js';
import { ScreeningWriter, type ScreeningRow } from '../src/store/screenings-repo.js';
import { createThrowawayDb } from './throwaway-db.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = 5;
const callers = 32;

const result = {
  decision: 'REVIEW',
  flags: Array.from({ length: 29 }, (_, i) => ({ ruleId: `RULE-${i}`, message: 'm'.repeat(150), citation: 'c'.repeat(60), evidence: { i, note: 'x'.repeat(40) } })),
};
const row = (i: number): ScreeningRow => ({
  id: randomUUID(),
  reference: `SO-${i}`,
  createdAt: new Date().toISOString(),
  shipDate: '2026-11-30',
  decision: 'REVIEW',
  riskScore: 40,
  destination: 'DE',
  countries: ['DE', 'NL', 'US'],
  ruleIds: ['LIC-AC-A', 'RF-DEST-02', 'RF-KYC-01', 'ITEM-CATALOG', 'LIST-CLEAR'],
  flagCategories: ['destination', 'red_flag', 'item', 'party'],
  partyNames: `northwind compute gmbh | rhein logistics ag ${i}`,
  chipModels: ['nvidia-h100-sxm', 'nvidia-l40s'],
  eccns: ['3A090.a'],
  rulesetVersion: 'bench',
  rulesetHash: 'sha256:bench',
  request: { reference: `SO-${i}`, note: 'y'.repeat(800) },
  result,
  requestHash: randomBytes(32).toString('hex'),
  idempotencyScope: '',
  idempotencyKey: null,
  apiKeyId: null,
});

const throwaway = await createThrowawayDb(adminUrl);
const database = await openDatabase({ kind: 'postgres', url: throwaway.url });
try {
  await database.migrate();
  const writer = new ScreeningWriter(database.db);
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() - t0 < seconds * 1000) {
        await writer.insert(row(n));
        n++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  console.log(`writer: ${n} screenings stored by ${callers} concurrent callers in ${elapsed.toFixed(1)} s = ${(n / elapsed).toFixed(0)}/s`);
} finally {
  await database.close();
  await throwaway.drop();
}
