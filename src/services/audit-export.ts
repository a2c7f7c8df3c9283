/**
 * Exporting the flag log (15 CFR 762 record production): every screening matching the filters,
 * oldest first, with its flags, ruleset, seal reference and dispositions, as CSV or NDJSON.
 *
 * Constant memory and back-pressure: rows are read in chunks of CHUNK by seq and produced by an
 * async generator; the next chunk is only read when the client has taken the previous one. The
 * export is bounded by the safe cut taken when it starts, so it is a consistent set of committed
 * records however long the download takes.
 */
import type { Principal } from '../http/access.js';
import type { ExportQuery } from '../http/schemas/audit.js';
import { safeCut, sealsCovering } from '../store/audit-repo.js';
import type { Db } from '../store/db.js';
import { dispositionsFor, type StoredDisposition } from '../store/dispositions-repo.js';
import { pageScreeningsAsc, seqRangeForTime, type ScreeningFilter, type ScreeningSummaryRow } from '../store/screenings-query.js';
import { toFilter } from './screenings-query.js';

export const EXPORT_CHUNK = 2_000;

export const CSV_COLUMNS = [
  'id',
  'seq',
  'screened_at',
  'reference',
  'decision',
  'risk_score',
  'destination',
  'countries',
  'rule_ids',
  'flag_categories',
  'eccns',
  'chip_models',
  'ruleset_version',
  'ruleset_hash',
  'seal',
  'disposition_count',
  'disposition_action',
  'disposition_at',
  'disposition_by',
  'disposition_justification',
  'dispositions',
] as const;

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes inside. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

interface ExportRecord {
  row: ScreeningSummaryRow;
  seal: number | 'unsealed';
  dispositions: StoredDisposition[];
}

function dispositionJson(d: StoredDisposition) {
  return { id: d.id, action: d.action, justification: d.justification, by: d.apiKeyId, at: d.createdAt };
}

function csvLine({ row: r, seal, dispositions: ds }: ExportRecord): string {
  const last = ds[ds.length - 1];
  return [
    r.id,
    r.seq,
    r.screenedAt,
    r.reference,
    r.decision,
    r.riskScore,
    r.destination,
    r.countries.join(';'),
    r.ruleIds.join(';'),
    r.flagCategories.join(';'),
    r.eccns.join(';'),
    r.chipModels.join(';'),
    r.rulesetVersion,
    r.rulesetHash,
    seal,
    ds.length,
    last?.action ?? null,
    last?.createdAt ?? null,
    last?.apiKeyId ?? null,
    last?.justification ?? null,
    ds.length ? JSON.stringify(ds.map(dispositionJson)) : null,
  ]
    .map(csvField)
    .join(',');
}

function ndjsonLine({ row: r, seal, dispositions: ds }: ExportRecord): string {
  return JSON.stringify({
    id: r.id,
    seq: r.seq,
    screenedAt: r.screenedAt,
    reference: r.reference,
    decision: r.decision,
    riskScore: r.riskScore,
    destination: r.destination,
    countries: r.countries,
    ruleIds: r.ruleIds,
    flagCategories: r.flagCategories,
    eccns: r.eccns,
    chipModels: r.chipModels,
    ruleset: { version: r.rulesetVersion, hash: r.rulesetHash },
    seal,
    dispositions: ds.map(dispositionJson),
  });
}

export interface PreparedExport {
  format: 'csv' | 'ndjson';
  contentType: string;
  filename: string;
  lines: AsyncGenerator<string>;
}

/** Validates and takes the cut now (errors become a problem response), streams afterwards. */
export async function prepareExport(db: Db, q: ExportQuery, principal: Principal | null, now: Date): Promise<PreparedExport> {
  const format = q.format ?? 'csv';
  const { format: _f, ...filterQuery } = q;
  const filter = toFilter(filterQuery, principal);
  const cut = await safeCut(db);
  const range = await seqRangeForTime(db, filter);
  const upTo = Math.min(cut, range.upTo ?? cut);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    format,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    filename: `chokepoint-screenings-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}`,
    lines: exportChunks(db, filter, format, range.after, upTo),
  };
}

async function* exportChunks(db: Db, filter: ScreeningFilter, format: 'csv' | 'ndjson', after: number, upTo: number): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  const line = format === 'csv' ? csvLine : ndjsonLine;
  const eol = format === 'csv' ? '\r\n' : '\n';
  let cursor = after;
  for (;;) {
    const rows = await pageScreeningsAsc(db, filter, { after: cursor, upTo, limit: EXPORT_CHUNK });
    if (rows.length === 0) return;
    const first = rows[0]!.seq;
    const last = rows[rows.length - 1]!.seq;
    const [seals, disp] = await Promise.all([sealsCovering(db, first, last), dispositionsFor(db, rows.map((r) => r.id), upTo)]);
    let si = 0;
    let out = '';
    for (const row of rows) {
      while (si < seals.length && seals[si]!.toSeq < row.seq) si++;
      const s = seals[si];
      const seal = s && s.fromSeq < row.seq && row.seq <= s.toSeq ? s.sealNo : 'unsealed';
      out += line({ row, seal, dispositions: disp.get(row.id) ?? [] }) + eol;
    }
    yield out;
    if (rows.length < EXPORT_CHUNK) return;
    cursor = last;
  }
}
