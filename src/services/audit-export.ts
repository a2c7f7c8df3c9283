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
import { FORMULA_LEAD } from './csv-formula.js';

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
    if (chunk.rows > 0) yield format === 'csv' ? defuseFormulaCells(chunk.text) : chunk.text;
  }
}

/**
 * What a spreadsheet could still take for a formula once the rendering has prefixed `'` to a cell whose first
 * character is = + - @ tab or CR: a cell that reaches one of = + - @ — or the fullwidth ＝ ＋ － ＠, which
 * spreadsheets in East Asian locales take as those — only after leading whitespace (a space, an ideographic
 * space, a line feed…), zero-width characters or quotes (` =HYPERLINK(…)`, `"=1`), or that starts with a
 * fullwidth one. Such a value came in as a declared chip model, a reference, a party name or a reviewer's
 * justification, and was exported as it was.
 */
const STILL_FORMULA = new RegExp(FORMULA_LEAD, 'y');
/** Where a cell matching STILL_FORMULA could begin: every cell starts the text or follows a comma or a line feed. */
const MAYBE_FORMULA = new RegExp(`(?:^|[,\\n])${FORMULA_LEAD}`);

/**
 * Rendered CSV rows (RFC 4180: a quoted cell doubles its quotes; an unquoted one holds no comma, quote or line
 * break), with every cell that STILL_FORMULA matches given a leading `'` — as the rendering does for the first
 * character — so the spreadsheet shows the value as text. Cells are found in order (a quoted cell may hold
 * commas and line breaks); the text is copied only when a cell changes.
 */
export function defuseFormulaCells(text: string): string {
  // Most chunks hold no such cell: one scan for where one could start (the text's start, after a comma or a line
  // feed) decides that without finding the cells; a hit inside a quoted cell only costs the walk below.
  if (!MAYBE_FORMULA.test(text)) return text;
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (text.charCodeAt(i) === 34) {
      // A quoted cell: up to the quote that is not doubled.
      let end = i + 1;
      for (;;) {
        const q = text.indexOf('"', end);
        if (q < 0) {
          end = n;
          break;
        }
        if (text.charCodeAt(q + 1) === 34) end = q + 2;
        else {
          end = q;
          break;
        }
      }
      STILL_FORMULA.lastIndex = i + 1;
      if (STILL_FORMULA.test(text) && STILL_FORMULA.lastIndex <= end) {
        out += `${text.slice(copied, i + 1)}'`;
        copied = i + 1;
      }
      i = end + 1;
    } else {
      let end = i;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === 44 || c === 13 || c === 10) break;
        end++;
      }
      STILL_FORMULA.lastIndex = i;
      if (end > i && STILL_FORMULA.test(text) && STILL_FORMULA.lastIndex <= end) {
        out += `${text.slice(copied, i)}"'${text.slice(i, end)}"`;
        copied = end;
      }
      i = end;
    }
    // The separator after the cell: a comma, or the end of the row.
    const c = text.charCodeAt(i);
    if (c === 44) i += 1;
    else if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2;
    else if (c === 10 || c === 13) i += 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
