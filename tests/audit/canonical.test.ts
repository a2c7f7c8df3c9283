/**
 * The canonical form a leaf covers: every column, the same bytes on PGlite and on Postgres, and
 * a leaf anyone can recompute outside the database from that text.
 */
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.js';
import { auditEvents, dispositions, screenings } from '../../src/store/schema.js';
import { canonicalDocument, readAuditLeaves, useCanonicalSession, CANONICAL_COLUMNS, DERIVED_COLUMNS } from '../../src/store/audit-repo.js';
import { ScreeningWriter } from '../../src/store/screenings-repo.js';
import { leafHash } from '../../src/services/sealer.js';
import { onPostgres, screeningRow, testDb, type TestDb } from './factory.js';

const row = { ...screeningRow({ reference: 'SO-ÜNICODE "q"', createdAt: '2026-10-15T09:00:00.120Z' }), id: '6f1c1f3e-8a7b-4c0e-9d7e-2b1a3c4d5e6f' };

async function leafOf(database: Database) {
  await new ScreeningWriter(database.db).insert(row);
  return database.db.transaction(async (tx) => {
    await useCanonicalSession(tx);
    const { leaves } = await readAuditLeaves(tx, 0, 1_000_000, 10);
    const doc = await canonicalDocument(tx, 's', row.id);
    return { leaf: leaves.find((l) => l.id === row.id)!.leaf, doc: doc! };
  });
}

describe('canonical record form', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t.close());

  it('covers every column of every audit table', () => {
    const cols = (tbl: Parameters<typeof getTableConfig>[0]) => getTableConfig(tbl).columns.map((c) => c.name).sort();
    expect([...CANONICAL_COLUMNS.s, ...DERIVED_COLUMNS.s].sort()).toEqual(cols(screenings));
    expect([...CANONICAL_COLUMNS.d].sort()).toEqual(cols(dispositions));
    expect([...CANONICAL_COLUMNS.e].sort()).toEqual(cols(auditEvents));
  });

  it('is a leaf anyone can recompute from the canonical text', async () => {
    const { leaf, doc } = await leafOf(t.database);
    expect(leafHash('s', doc).toString('hex')).toBe(leaf);
    expect(JSON.parse(doc)).toMatchObject({ reference: 'SO-ÜNICODE "q"', created_at: '2026-10-15T09:00:00.12+00:00', countries: ['SG', 'US'] });
  });

  it.runIf(onPostgres)('gives the same bytes on PGlite and on Postgres', async () => {
    const pglite = await openDatabase({ kind: 'pglite-memory' });
    try {
      await pglite.migrate();
      const onPglite = await leafOf(pglite);
      const onPg = await t.database.db.transaction(async (tx) => {
        await tx.execute(sql`set local time zone 'America/New_York'`);
        await useCanonicalSession(tx);
        return canonicalDocument(tx, 's', row.id);
      });
      expect(onPg).toBe(onPglite.doc);
    } finally {
      await pglite.close();
    }
  });
});
