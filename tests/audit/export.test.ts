/** Export in many chunks: every matching row exactly once, in seq order, rows split across chunk bounds. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExport } from '../../src/services/audit-export.js';
import { Sealer } from '../../src/services/sealer.js';
import { ScreeningWriter, type ScreeningRow } from '../../src/store/screenings-repo.js';
import { screeningRow, testDb, type TestDb } from './factory.js';

const byCode = (c: string) => c.toUpperCase();

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const chunk of gen) out += chunk;
  return out;
}

describe('chunked export', () => {
  let t: TestDb;
  const rows: ScreeningRow[] = [];
  beforeAll(async () => {
    t = await testDb();
    const writer = new ScreeningWriter(t.database.db);
    for (let i = 0; i < 23; i++) {
      const row = screeningRow({ reference: `SO-${i}`, decision: i % 3 === 0 ? 'BLOCK' : 'REVIEW', destination: i % 3 === 0 ? 'CN' : 'AE' });
      rows.push(row);
      await writer.insert(row);
    }
    await new Sealer(t.database.db, { maxRecordsPerSeal: 5 }).sealNow();
    await writer.insert(screeningRow({ reference: 'SO-unsealed', decision: 'BLOCK' }));
  });
  afterAll(() => t.close());

  it.each([1, 4, 7, 100])('CSV in chunks of %i: one header, every row once, seal per row', async (size) => {
    const out = await prepareExport(t.database.db, { format: 'csv' }, null, new Date(), byCode, size);
    const lines = (await collect(out.lines)).split('\r\n').filter(Boolean);
    expect(lines[0]).toMatch(/^id,seq,screened_at,reference,/);
    const body = lines.slice(1);
    expect(body.map((l) => l.split(',')[0])).toEqual([...rows.map((r) => r.id), expect.any(String)]);
    const seals = body.map((l) => l.split(',')[14]);
    expect(seals.slice(0, 5)).toEqual(['1', '1', '1', '1', '1']);
    expect(seals[5]).toBe('2');
    expect(seals.at(-1)).toBe('unsealed');
  });

  it('NDJSON with a filter across chunks', async () => {
    const out = await prepareExport(t.database.db, { format: 'ndjson', decision: ['BLOCK'] }, null, new Date(), byCode, 3);
    const objs = (await collect(out.lines)).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => o.reference)).toEqual([...rows.filter((_, i) => i % 3 === 0).map((r) => r.reference), 'SO-unsealed']);
    expect(objs[0]).toMatchObject({ seal: 1, dispositions: [], countries: ['CN', 'US'] });
  });
});
