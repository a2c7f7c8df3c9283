/**
 * Screenings travel to the database as one jsonb parameter: on Postgres a Buffer in jsonb's binary
 * form (built without joining the rows' JSON into one string), on PGlite the text. Either way every
 * character must arrive as sent, and the request and result are stored compressed with lz4 where the
 * server has it (migration 0014), pglz where it does not.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeScreeningRow, insertScreenings, findScreening } from '../../src/store/screenings-repo.js';
import { jsonbArrayParam, sendsBinaryParams } from '../../src/store/json-param.js';
import type { Db } from '../../src/store/db.js';
import { onPostgres, screeningRow, testDb, type TestDb } from './factory.js';

const awkward = ['→ route US → HK → CN', '华为技术有限公司', 'ООО «Тест»', '🚢 ship', 'quote " backslash \\ tab \t nul-free', 'ẞ é ø'];

async function rowsOf<T>(db: Db, q: ReturnType<typeof sql>): Promise<T[]> {
  const res = (await db.execute(q)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(res) ? res : (res.rows ?? []);
}

describe('jsonb parameter of a batch of rows', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t.close());

  it('is sent in binary form on Postgres (also inside a transaction) and as text on PGlite', async () => {
    expect(sendsBinaryParams(t.database.db)).toBe(onPostgres);
    const inTx = await t.database.db.transaction(async (tx) => sendsBinaryParams(tx as unknown as Db));
    expect(inTx).toBe(onPostgres);
  });

  it('arrives with every character as sent, pieces concatenated in order', async () => {
    const pieces = awkward.flatMap((s, i) => (i === 0 ? [JSON.stringify({ i, s })] : [',', JSON.stringify({ i, s })]));
    const rows = await rowsOf<{ i: number; s: string }>(
      t.database.db,
      sql`select x.i, x.s from jsonb_to_recordset(${jsonbArrayParam(t.database.db, pieces)}) as x(i int, s text) order by x.i`,
    );
    expect(rows.map((r) => r.s)).toEqual(awkward);
    // Pieces already encoded as UTF-8 (a batch line's row) mix with text pieces.
    const mixed = pieces.map((p, i) => (i % 4 === 0 ? new TextEncoder().encode(p) : p));
    const fromMixed = await rowsOf<{ i: number; s: string }>(
      t.database.db,
      sql`select x.i, x.s from jsonb_to_recordset(${jsonbArrayParam(t.database.db, mixed)}) as x(i int, s text) order by x.i`,
    );
    expect(fromMixed.map((r) => r.s)).toEqual(awkward);
    const empty = await rowsOf<{ n: number }>(t.database.db, sql`select jsonb_array_length(${jsonbArrayParam(t.database.db, [])})::int as n`);
    expect(Number(empty[0]!.n)).toBe(0);
  });

  it('stores a chunk of screenings whose JSON holds non-Latin-1 text exactly, the large result compressed', async () => {
    const rows = awkward.map((name, i) => {
      const row = screeningRow({ reference: `SO-JSON-${i}`, parties: [{ role: 'buyer', name, country: 'HK' }] });
      // A result the size of a real one (~8 KB), so it is compressed when stored.
      const result = { ...(row.result as Record<string, unknown>), evidence: Array.from({ length: 60 }, (_, k) => ({ k, note: `${name} — threshold ${k} → holds` })) };
      return { ...row, result, resultJson: JSON.stringify(result), requestJson: JSON.stringify(row.request) };
    });
    // Half of them encoded where they were built, as a batch line's row is (screenLinesWith).
    const inserted = await insertScreenings(t.database.db, rows.map((r, i) => (i % 2 ? encodeScreeningRow(r) : r)));
    expect(inserted.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
    for (const row of rows) {
      const stored = await findScreening(t.database.db, row.id);
      expect(stored?.result).toEqual(row.result);
      expect(stored?.request).toEqual(row.request);
      expect(stored?.partyNames).toBe(row.partyNames);
      // Byte for byte the JSON text sent (json keeps it; on Postgres it travels in a binary json[]).
      const [text] = await rowsOf<{ request: string; result: string }>(t.database.db, sql`select request::text as request, result::text as result from screenings where id = ${row.id}`);
      expect(text).toEqual({ request: row.requestJson, result: row.resultJson });
    }
    const methods = await rowsOf<{ method: string | null }>(
      t.database.db,
      sql`select distinct pg_column_compression(result) as method from screenings where reference like 'SO-JSON-%'`,
    );
    // Postgres here is built with lz4 (Debian's is); PGlite is not, and its migration keeps pglz.
    expect(methods.map((m) => m.method)).toEqual([onPostgres ? 'lz4' : 'pglz']);
  });
});
