/**
 * Exporting the flag log (15 CFR 762 record production): every screening matching the filters,
 * oldest first, with its flags, ruleset, seal reference and dispositions, as CSV or NDJSON.
 *
 * Constant memory and back-pressure: rows are read in chunks of EXPORT_CHUNK by seq (rendered by
 * the database, see exportChunk) and produced by an async generator that reads at most
 * RENDER_AHEAD chunks ahead of what the client has taken. The
 * export is bounded by the safe cut taken when it starts, so it is a consistent set of committed
 * records however long the download takes.
 */
import type { Principal } from './principal.js';
import type { ExportQuery } from '../schemas/audit.js';
import { safeCut } from '../store/audit-repo.js';
import type { Db } from '../store/db.js';
import { CSV_EXPORT_COLUMNS, exportChunk, exportChunkEdge, seqRangeForTime, type ExportChunk, type ScreeningFilter } from '../store/screenings-query.js';
import { toFilter, type CountryResolver } from './screenings-query.js';

export const EXPORT_CHUNK = 5_000;
/** Chunks rendered concurrently: memory stays bounded at RENDER_AHEAD + 1 chunks. */
export const RENDER_AHEAD = 2;

export interface PreparedExport {
  format: 'csv' | 'ndjson';
  contentType: string;
  filename: string;
  lines: AsyncGenerator<string>;
}

/** Validates and takes the cut now (errors become a problem response), streams afterwards. */
export async function prepareExport(
  db: Db,
  q: ExportQuery,
  principal: Principal | null,
  now: Date,
  countryOf: CountryResolver,
  chunkSize = EXPORT_CHUNK,
  fourEyes?: readonly string[],
): Promise<PreparedExport> {
  const format = q.format ?? 'csv';
  const { format: _f, bom, ...filterQuery } = q;
  const filter = toFilter(filterQuery, principal, countryOf, fourEyes);
  const cut = await safeCut(db);
  const range = await seqRangeForTime(db, filter);
  const upTo = Math.min(cut, range.upTo ?? cut);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    format,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    filename: `chokepoint-screenings-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}`,
    // The time filter bounds which screenings are read; their dispositions are every one up to the cut.
    lines: exportChunks(db, filter, format, range.after, upTo, cut, chunkSize, format === 'csv' && bom === true),
  };
}

async function* exportChunks(
  db: Db,
  filter: ScreeningFilter,
  format: 'csv' | 'ndjson',
  start: number,
  upTo: number,
  cut: number,
  chunkSize: number,
  bom: boolean,
): AsyncGenerator<string> {
  if (format === 'csv') yield `${bom ? '\uFEFF' : ''}${CSV_EXPORT_COLUMNS.map(([name]) => name).join(',')}\r\n`;
  const pending: Array<Promise<ExportChunk>> = [];
  let after = start;
  let exhausted = false;
  // Chunk bounds come from a cheap index read; rendering (the expensive part) runs for up to
  // RENDER_AHEAD chunks at once on separate connections while the client takes the current one.
  const schedule = async () => {
    while (!exhausted && pending.length < RENDER_AHEAD) {
      const edge = await exportChunkEdge(db, filter, after, upTo, chunkSize);
      const through = edge ?? upTo;
      const chunk = exportChunk(db, filter, { after, through, upTo: cut, format });
      chunk.catch(() => undefined); // a client gone mid-download must not leave an unhandled rejection
      pending.push(chunk);
      after = through;
      exhausted = edge === null;
    }
  };
  await schedule();
  for (let next = pending.shift(); next; next = pending.shift()) {
    const chunk = await next;
    await schedule();
    if (chunk.rows > 0) yield chunk.text;
  }
}
